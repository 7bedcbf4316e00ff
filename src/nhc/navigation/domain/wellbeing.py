"""Wellbeing outcomes of social prescribing, scored as published: ONS4 and SWEMWBS, at baseline
and at follow-up, and the change between them.

Contract
--------
* **ONS4** (ONS personal well-being): four questions answered 0-10 (life satisfaction, worthwhile,
  happiness, anxiety). Each is reported on its own and never summed; for anxiety *lower is better*,
  so its change is shown as better when it falls.
* **SWEMWBS**: seven statements answered 1-5 (none of the time .. all of the time). The raw score
  is their sum (7-35); the **metric score** is the raw score converted by the published Warwick
  conversion table, shipped as ``rules/swemwbs_conversion.json`` with its source.

:func:`measure` checks every answer (all required, each a whole number in range) and raises
:class:`AnswersError` naming every item that is wrong, so a form can show them all at once; a valid
answer set becomes a :class:`Measure` with its score. :func:`change` compares a baseline with its
follow-up, item by item (ONS4) or on the metric score (SWEMWBS).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources

from nhc.navigation.domain.errors import BadField, NavigationError


class Kind(StrEnum):
    ONS4 = "ons4"
    SWEMWBS = "swemwbs"


class Timepoint(StrEnum):
    BASELINE = "baseline"
    FOLLOW_UP = "follow_up"


@dataclass(frozen=True)
class Item:
    """One question: its key (a form field and a lake code), its wording, and whether a lower
    answer is the better one (ONS4 anxiety)."""

    key: str
    text: str
    lower_is_better: bool = False


@dataclass(frozen=True)
class Instrument:
    kind: Kind
    title: str
    items: tuple[Item, ...]
    low: int
    high: int
    scale: tuple[str, ...]  # the meaning of the answers, low to high (ends only for ONS4)
    source: str


ONS4 = Instrument(
    Kind.ONS4,
    "ONS personal well-being (ONS4)",
    (
        Item("life_satisfaction", "Overall, how satisfied are you with your life nowadays?"),
        Item(
            "worthwhile",
            "Overall, to what extent do you feel that the things you do in your life are worthwhile?",
        ),
        Item("happiness", "Overall, how happy did you feel yesterday?"),
        Item("anxiety", "Overall, how anxious did you feel yesterday?", lower_is_better=True),
    ),
    0,
    10,
    ("0 is not at all", "10 is completely"),
    "Office for National Statistics, Personal well-being user guidance (the four ONS4 questions).",
)

SWEMWBS = Instrument(
    Kind.SWEMWBS,
    "Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS)",
    (
        Item("optimistic", "I've been feeling optimistic about the future"),
        Item("useful", "I've been feeling useful"),
        Item("relaxed", "I've been feeling relaxed"),
        Item("problems", "I've been dealing with problems well"),
        Item("thinking", "I've been thinking clearly"),
        Item("close", "I've been feeling close to other people"),
        Item("own_mind", "I've been able to make up my own mind about things"),
    ),
    1,
    5,
    ("None of the time", "Rarely", "Some of the time", "Often", "All of the time"),
    "Short Warwick Edinburgh Mental Wellbeing Scale (SWEMWBS) (c) NHS Health Scotland, University of "
    "Warwick and University of Edinburgh, 2008, all rights reserved.",
)

INSTRUMENTS = {Kind.ONS4: ONS4, Kind.SWEMWBS: SWEMWBS}


class AnswersError(NavigationError):
    """Some answers are missing or out of range; ``errors`` names each item (HTTP 400)."""

    def __init__(self, errors: list[BadField]) -> None:
        super().__init__(f"{len(errors)} answer(s) to correct: " + "; ".join(str(e) for e in errors))
        self.errors = errors
        self.field = errors[0].field if errors else "answers"


@cache
def conversion_table() -> dict[int, float]:
    """The SWEMWBS raw (7-35) -> metric score table, as shipped with its source."""
    text = resources.files("nhc.navigation").joinpath("rules/swemwbs_conversion.json").read_text("utf-8")
    return {int(raw): float(metric) for raw, metric in json.loads(text)["raw_to_metric"].items()}


def swemwbs_metric(raw: int) -> float:
    """The metric score of a SWEMWBS raw score (7-35), by the published table."""
    table = conversion_table()
    if raw not in table:
        raise BadField("raw_score", f"{raw} is not a SWEMWBS raw score", "7-35")
    return table[raw]


def instrument(kind: str) -> Instrument:
    try:
        return INSTRUMENTS[Kind(kind)]
    except ValueError:
        raise BadField("kind", f"{str(kind)[:20]!r} is not a wellbeing measure", list(Kind)) from None


def timepoint(value: str) -> Timepoint:
    try:
        return Timepoint(value)
    except ValueError:
        raise BadField("timepoint", f"{str(value)[:20]!r} is not a timepoint", list(Timepoint)) from None


def _answer(inst: Instrument, item: Item, value: object) -> int | BadField:
    allowed = f"a whole number from {inst.low} to {inst.high}"
    text = str(value).strip() if value is not None else ""
    if not text:
        return BadField(item.key, f"answer '{item.text}'", allowed)
    if not text.lstrip("-").isdigit() or not inst.low <= int(text) <= inst.high:
        return BadField(item.key, f"'{text[:10]}' is not an answer to '{item.text}'", allowed)
    return int(text)


@dataclass(frozen=True)
class Measure:
    """One completed questionnaire on a referral."""

    referral_id: int
    kind: Kind
    timepoint: Timepoint
    answers: tuple[int, ...]  # in the instrument's item order
    taken_at: dt.datetime
    recorded_by: str
    id: int | None = None

    @property
    def instrument(self) -> Instrument:
        return INSTRUMENTS[self.kind]

    @property
    def raw_score(self) -> int | None:
        """SWEMWBS: the sum of the seven answers. ONS4 has no total (never summed)."""
        return sum(self.answers) if self.kind is Kind.SWEMWBS else None

    @property
    def score(self) -> float | None:
        """SWEMWBS: the metric score by the published table. ONS4: none (report each item)."""
        raw = self.raw_score
        return swemwbs_metric(raw) if raw is not None else None

    def by_item(self) -> dict[str, int]:
        return {item.key: a for item, a in zip(self.instrument.items, self.answers, strict=True)}


def measure(
    referral_id: int,
    kind: str,
    when: str,
    answers: Mapping[str, object],
    *,
    taken_at: dt.datetime,
    recorded_by: str,
) -> Measure:
    """A valid :class:`Measure` from form answers keyed by item key; every wrong item is named."""
    inst, point = instrument(kind), timepoint(when)
    values = [_answer(inst, item, answers.get(item.key)) for item in inst.items]
    errors = [v for v in values if isinstance(v, BadField)]
    if errors:
        raise AnswersError(errors)
    return Measure(referral_id, inst.kind, point, tuple(v for v in values if isinstance(v, int)), taken_at, recorded_by)  # fmt: skip


@dataclass(frozen=True)
class Change:
    """Follow-up minus baseline for one item (ONS4) or the metric score (SWEMWBS)."""

    key: str
    label: str
    baseline: float
    follow_up: float
    lower_is_better: bool = False

    @property
    def difference(self) -> float:
        return round(self.follow_up - self.baseline, 2)

    @property
    def direction(self) -> str:
        """``better``, ``worse`` or ``no change``, in the item's own sense of better."""
        d = self.difference if not self.lower_is_better else -self.difference
        return "better" if d > 0 else "worse" if d < 0 else "no change"


def change(baseline: Measure, follow_up: Measure) -> list[Change]:
    """The change from ``baseline`` to ``follow_up`` (same referral and kind)."""
    if (baseline.kind, baseline.referral_id) != (follow_up.kind, follow_up.referral_id):
        raise ValueError("a change compares two measures of one kind on one referral")
    if baseline.kind is Kind.SWEMWBS:
        return [Change("metric", "SWEMWBS metric score", baseline.score or 0.0, follow_up.score or 0.0)]
    after = follow_up.by_item()
    return [
        Change(item.key, item.text, float(b), float(after[item.key]), item.lower_is_better)
        for item, b in zip(baseline.instrument.items, baseline.answers, strict=True)
    ]
