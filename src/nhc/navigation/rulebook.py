"""The navigator's rules as data: the decision tables (zen-engine JSON decision models), the reasons
list with its red-flag questions, the dispositions and the bank holidays, read from ``rules/``.

Contract
--------
:func:`load_rulebook` reads and checks every file once (cached) and returns a :class:`Rulebook`. It
raises :class:`~nhc.errors.InputError` naming the file and field if the files disagree: a red flag
asked by a reason with no row in the red-flag table, a table answering a disposition that is not one
of the 14, a disposition naming no service kinds. ``Rulebook.decide(table, inputs)`` evaluates one
table with zen-engine and returns its output (``disposition``, ``rule``, ``explanation``) or None
when no row matches.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import zen

from nhc.errors import InputError
from nhc.navigation.domain import Calendar
from nhc.navigation.domain.schedule import parse_time

RULES_DIR = Path(__file__).resolve().parent / "rules"
TABLES = ("red_flags", "triage", "out_of_hours")

#: The dispositions, exactly as the navigator's contract names them (most urgent first).
DISPOSITIONS: tuple[str, ...] = (
    "emergency_999",
    "emergency_department",
    "urgent_treatment_centre",
    "nhs_111",
    "gp_same_day",
    "gp_routine",
    "practice_nurse",
    "clinical_pharmacist",
    "community_pharmacy",
    "physiotherapist_fcp",
    "mental_health_link_worker",
    "talking_therapies",
    "social_prescriber",
    "self_care",
)


@dataclass(frozen=True)
class RedFlag:
    id: str
    question: str


@dataclass(frozen=True)
class Reason:
    id: str
    label: str
    group: str
    red_flags: tuple[RedFlag, ...]
    vcse_kind: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "group": self.group,
            "red_flags": [{"id": f.id, "question": f.question} for f in self.red_flags],
        }


@dataclass(frozen=True)
class Disposition:
    id: str
    label: str
    urgency: int  # 0 is the most urgent
    timeframe_minutes: int
    service_kinds: tuple[str, ...]
    safety_net: str
    alternatives: tuple[str, ...]


@dataclass(frozen=True)
class CoreHours:
    byday: tuple[str, ...]
    opens_at: dt.time
    closes_at: dt.time


class Rulebook:
    """Everything the navigator decides with, loaded from the rules folder."""

    def __init__(self, root: Path = RULES_DIR) -> None:
        self.root = root
        engine = zen.ZenEngine()
        self.tables: dict[str, Any] = {}
        self.rows: dict[str, list[dict[str, Any]]] = {}
        for name in TABLES:
            text = _read(root / f"{name}.json")
            try:
                self.tables[name] = engine.create_decision(text)
            except RuntimeError as exc:
                raise InputError(f"not a decision model: {exc}", file=str(root / f"{name}.json")) from None
            self.rows[name] = _table_rows(json.loads(text), root / f"{name}.json")
        self.reasons = _reasons(root / "reasons.json")
        self.dispositions, self.core_hours, self.margin, self.catch_all = _dispositions(
            root / "dispositions.json"
        )
        self.calendar = _calendar(root / "bank_holidays.json")
        self._check()

    def decide(self, table: str, inputs: dict[str, Any]) -> dict[str, Any] | None:
        """The first matching row's outputs of ``table`` for ``inputs``, or None if no row matches."""
        result = self.tables[table].evaluate(inputs)["result"]
        return result or None

    def _check(self) -> None:
        flags = {json.loads(r["in_red_flag"]) for r in self.rows["red_flags"]}
        for reason in self.reasons.values():
            for flag in reason.red_flags:
                if flag.id not in flags:
                    raise InputError(
                        f"red flag {flag.id!r} of reason {reason.id!r} has no row in red_flags.json",
                        file=str(self.root / "reasons.json"),
                        field="red_flags",
                    )
        for name, rows in self.rows.items():
            for row in rows:
                out = row["out_disposition"]
                if out.startswith('"') and json.loads(out) not in self.dispositions:
                    raise InputError(
                        f"row {row['_id']} answers unknown disposition {out}",
                        file=str(self.root / f"{name}.json"),
                        field="disposition",
                    )


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("rules file missing (reinstall nhc)", file=str(path)) from None


def _table_rows(model: dict[str, Any], path: Path) -> list[dict[str, Any]]:
    tables = [n for n in model.get("nodes", []) if n.get("type") == "decisionTableNode"]
    if len(tables) != 1:
        raise InputError("expected exactly one decision table", file=str(path), field="nodes")
    return tables[0]["content"]["rules"]


def _reasons(path: Path) -> dict[str, Reason]:
    data = json.loads(_read(path))
    return {
        r["id"]: Reason(
            r["id"],
            r["label"],
            r["group"],
            tuple(RedFlag(f["id"], f["question"]) for f in r["red_flags"]),
            r.get("vcse_kind"),
        )
        for r in data["reasons"]
    }


def _dispositions(path: Path) -> tuple[dict[str, Disposition], CoreHours, dt.timedelta, dict[str, Any]]:
    data = json.loads(_read(path))
    found = {
        d["id"]: Disposition(
            d["id"],
            d["label"],
            d["urgency"],
            d["timeframe_minutes"],
            tuple(d["service_kinds"]),
            d["safety_net"],
            tuple(d["alternatives"]),
        )
        for d in data["dispositions"]
    }
    if tuple(found) != DISPOSITIONS:
        raise InputError("dispositions must be exactly the 14, most urgent first", file=str(path), field="id")
    for d in found.values():
        if not d.service_kinds or not d.alternatives:
            raise InputError(f"{d.id} needs service kinds and alternatives", file=str(path), field=d.id)
    core = data["core_hours"]
    hours = CoreHours(
        tuple(core["byday"]),
        parse_time(core["opens_at"], "opens_at"),
        parse_time(core["closes_at"], "closes_at"),
    )
    return found, hours, dt.timedelta(minutes=data["closing_margin_minutes"]), data["catch_all"]


def _calendar(path: Path) -> Calendar:
    data = json.loads(_read(path))
    return Calendar(frozenset(dt.date.fromisoformat(e["date"]) for e in data["events"]))


@functools.cache
def load_rulebook() -> Rulebook:
    """The shipped rulebook, read once per process."""
    return Rulebook()
