"""Equity of social prescribing: who is referred, declined and helped, by IMD quintile, age band,
sex and ethnic group, disclosure-controlled.

Contract
--------
:func:`equity_rows` counts **people** (not referrals): *referred* has at least one referral,
*declined* at least one declined or unanswered (auto-declined) referral, *helped* at least one
referral whose support ended with an outcome. Each count is one base cell, published through the
project's small-number rule :func:`nhc.analytics.rules.disclosure.safe_count` (1-7 suppressed, the
rest rounded to 5); no total is published beside them, so no suppressed cell can be recovered by
subtraction. People the lake does not know (not registered at its as-of date) are counted as
"Not known".

:class:`LakePeople` reads the person details from the lake: age band, sex and IMD quintile from
``patient_insights`` (the analytics' people, as of their run) and the ethnic group from
``patients``. A missing table leaves those details "Not known" and says so (``ready``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from nhc.analytics.rules.disclosure import safe_count
from nhc.lake.store import Lake
from nhc.lake.tables.sources import ETHNIC_GROUPS, SEXES
from nhc.navigation.domain.referral import Referral, Status
from nhc.vocab import AGE_BANDS

NOT_KNOWN = "Not known"
#: (family key, heading, the values in the order shown)
FAMILIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("imd_quintile", "IMD quintile (1 = most deprived)", ("1", "2", "3", "4", "5")),
    ("age_band", "Age band", AGE_BANDS),
    ("sex", "Sex", SEXES),
    ("ethnicity", "Ethnic group", ETHNIC_GROUPS),
)
STAGES = ("referred", "declined", "helped")
_DECLINED = frozenset({Status.DECLINED, Status.AUTO_DECLINED})


class PeopleDetails(Protocol):
    def details(self, patient_ids: Iterable[int]) -> dict[int, dict[str, str]]:
        """``{patient_id: {imd_quintile, age_band, sex, ethnicity}}`` (values as text) for those known."""

    def as_of(self) -> dt.date | None:
        """The date the details are as of (``None`` when the lake has none)."""


@dataclass(frozen=True)
class EquityRow:
    family: str
    heading: str
    value: str
    referred: int | None
    declined: int | None
    helped: int | None


def _stages(referrals: Iterable[Referral]) -> dict[str, set[int]]:
    people: dict[str, set[int]] = {stage: set() for stage in STAGES}
    for r in referrals:
        people["referred"].add(r.patient_id)
        if r.status in _DECLINED:
            people["declined"].add(r.patient_id)
        if r.status is Status.ENDED:
            people["helped"].add(r.patient_id)
    return people


def equity_rows(referrals: Iterable[Referral], details: Mapping[int, Mapping[str, str]]) -> list[EquityRow]:
    """One row per family and value (every value listed, then "Not known"), counts published."""
    people = _stages(referrals)
    rows = []
    for family, heading, values in FAMILIES:
        for value in (*values, NOT_KNOWN):
            counts = {
                stage: safe_count(sum(1 for p in ids if details.get(p, {}).get(family, NOT_KNOWN) == value))
                for stage, ids in people.items()
            }
            rows.append(EquityRow(family, heading, value, **counts))
    return rows


@dataclass(frozen=True)
class EquityReport:
    rows: list[EquityRow]
    as_of: dt.datetime  # the referrals' time
    people_as_of: dt.date | None  # the person details' date (None: the analytics have not run)


class LakePeople:
    """Person details for the equity tables, read from the lake in ``lake_dir``."""

    COLUMNS = ("patient_id", "age_band", "sex", "imd_quintile")

    def __init__(self, lake_dir: Path | str) -> None:
        self.lake = Lake(lake_dir)

    @property
    def ready(self) -> bool:
        return self.lake.exists("patient_insights")

    def _read(self, name: str, columns: Iterable[str], ids: list[int]) -> pa.Table | None:
        if not self.lake.files(name):
            return None
        return self.lake.read(name, columns=columns, filters=[("patient_id", "in", ids)])

    def details(self, patient_ids: Iterable[int]) -> dict[int, dict[str, str]]:
        ids = sorted({int(p) for p in patient_ids})
        if not ids:
            return {}
        out: dict[int, dict[str, str]] = {}
        insights = self._read("patient_insights", self.COLUMNS, ids)
        for r in insights.to_pylist() if insights is not None else []:
            quintile = r["imd_quintile"]
            out[r["patient_id"]] = {
                "age_band": r["age_band"] or NOT_KNOWN,
                "sex": r["sex"] or NOT_KNOWN,
                "imd_quintile": str(quintile) if quintile is not None else NOT_KNOWN,
                "ethnicity": NOT_KNOWN,
            }
        people = self._read("patients", ("patient_id", "ethnicity"), ids)
        for r in people.to_pylist() if people is not None else []:
            if r["patient_id"] in out:  # only people the analytics know at their as-of date
                out[r["patient_id"]]["ethnicity"] = r["ethnicity"] or NOT_KNOWN
        return out

    def as_of(self) -> dt.date | None:
        files = self.lake.files("patient_insights")
        if not files:
            return None
        column = pq.read_table(files[0], columns=["as_of"]).column("as_of")
        return column[0].as_py() if len(column) else None
