"""A scenario's results as the planning pages' tables: labelled rows, sorting, CSV.

Each table is a :class:`Table` (columns with plain-English labels and rows of raw values); the
templates format the values and the CSV rounds them to three significant figures. Baseline counts
of activity pass disclosure control (:func:`~nhc.analytics.rules.disclosure.safe_count`: 7 or fewer
suppressed, the rest rounded to 5); the rest are modelled county totals, not counts of people.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nhc.analytics.rules.disclosure import safe_count
from nhc.planning.choices import LEVERS
from nhc.planning.montecarlo import Result
from nhc.planning.parameters import SETTINGS, SHIFTED_SETTINGS
from nhc.web.planning.numbers import round_sig

SETTING_LABELS = {
    "gp": "GP and practice-team appointments",
    "community": "Community contacts",
    "ae": "A&E attendances",
    "emergency_admission": "Emergency admissions",
    "bed_days": "Emergency bed days",
    "outpatient": "Outpatient attendances",
    "virtual_ward_days": "Virtual ward days",
    "utc": "Urgent treatment centre attendances",
    "pharmacist": "Pharmacist appointments",
    "physiotherapist": "Physiotherapist appointments",
    "link_worker": "Link worker appointments",
}
MEASURE_LABELS = {
    **{f"activity.{s}": label for s, label in SETTING_LABELS.items()},
    "beds": "Hospital beds needed",
    "virtual_ward_beds": "Virtual ward beds needed",
    "cost": "Cost a year (£)",
}
ROLE_LABELS = {
    "gp": "GP",
    "practice_team": "Practice team",
    "community_nurse": "Community nurse",
    "pharmacist": "Pharmacist",
    "physiotherapist": "Physiotherapist",
    "link_worker": "Link worker",
}
STEP_LABELS = {
    "demography": "Population change (ageing, births, deaths, migration)",
    "need_group_moves": "People moving between need groups",
    **{c.name: c.label for c in LEVERS},
}
#: Measures a fan chart can show, in the order the page offers them.
FAN_MEASURES = ("beds", "activity.bed_days", "activity.emergency_admission", "activity.gp", "cost")


def measure_label(key: str) -> str:
    if key.startswith("wte."):
        role = key.removeprefix("wte.")
        return f"{ROLE_LABELS.get(role, role)} WTE needed"
    return MEASURE_LABELS.get(key, key)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "number"  # number | money | signed | text


@dataclass(frozen=True)
class Table:
    """One table of a page: ``name`` (its id and its sort and CSV parameter), columns and rows."""

    name: str
    caption: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]

    def sorted_by(self, key: str | None, descending: bool) -> Table:
        """The rows sorted by column ``key`` (unknown keys leave the order as it is); blanks last."""
        if key not in {c.key for c in self.columns}:
            return self
        filled = [r for r in self.rows if r.get(key) is not None]
        blank = [r for r in self.rows if r.get(key) is None]
        filled.sort(
            key=lambda r: r[key] if not isinstance(r[key], str) else r[key].lower(), reverse=descending
        )
        return Table(self.name, self.caption, self.columns, filled + blank)

    def csv(self) -> str:
        """The table as CSV with the column labels as header; numbers to three significant figures."""
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow([c.label for c in self.columns])
        for r in self.rows:
            w.writerow(["" if r.get(c.key) is None else _cell(r[c.key], c) for c in self.columns])
        return out.getvalue()


def _cell(value: Any, column: Column) -> Any:
    """A CSV cell: text as it is, numbers to 3 significant figures (whole numbers without ".0")."""
    if column.kind == "text" or isinstance(value, str):
        return value
    rounded = round_sig(float(value))
    return int(rounded) if rounded is not None and rounded.is_integer() else rounded


_P = (Column("p10", "P10"), Column("p50", "P50"), Column("p90", "P90"))


def summary_table(result: Result) -> Table:
    """Activity by setting, beds and cost: baseline, P10/P50/P90 at the horizon and the P50 change."""
    rows = []
    keys = [f"activity.{s}" for s in SETTINGS] + ["beds", "virtual_ward_beds", "cost"]
    for key in keys:
        s = result.summary[key]
        base = s["baseline"]
        if key.removeprefix("activity.") in SHIFTED_SETTINGS:
            base = 0.0  # nothing is shifted in the baseline year: a structural zero, not a count
        elif key.startswith("activity."):
            base = safe_count(round(base))
        change = None if base is None else s["p50"] - base
        rows.append({"key": key, "measure": measure_label(key), "baseline": base, **_ps(s), "change": change})
    cols = (
        Column("measure", "Measure", "text"),
        Column("baseline", "Baseline year"),
        *_P,
        Column("change", "Change at P50", "signed"),
    )
    return Table("summary", f"Activity, beds and cost a year, {result.horizon_years} years ahead", cols, rows)


def _ps(s: Mapping[str, float]) -> dict[str, float]:
    return {k: s[k] for k in ("p10", "p50", "p90")}


def workforce_table(result: Result) -> Table:
    """WTE needed by role (P10/P50/P90) against staff in post, and the gap (needed minus in post)."""
    rows = []
    for w in result.workforce:
        rows.append(
            {
                "role": ROLE_LABELS.get(w["role"], w["role"]),
                "current_wte": w["current_wte"],
                "source": _source(w["current_source"]),
                "baseline": w["baseline"],
                **_ps(w),
                **{f"gap_{k}": w[f"gap_{k}"] for k in ("p10", "p50", "p90")},
            }
        )
    cols = (
        Column("role", "Role", "text"),
        Column("current_wte", "In post (WTE)"),
        Column("source", "In post from", "text"),
        *(Column(c.key, f"Needed, {c.label}") for c in _P),
        *(Column(f"gap_{c.key}", f"Gap, {c.label}", "signed") for c in _P),
    )
    return Table("workforce", "Workforce needed (WTE) and the gap (needed minus in post)", cols, rows)


def _source(text: str) -> str:
    """Where a role's staff in post came from, in two or three words."""
    if text.startswith("scenario file"):
        return "Scenario file (illustrative)"
    return "Care record" if text.startswith("care record") else text.capitalize()


LEFT_OUT_LABELS = {
    "virtual_ward": "Virtual ward stays",
    "home_visits": "Home visits",
    "social_prescribing": "Social prescribing",
}


def notes(left_out: Mapping[str, str]) -> list[str]:
    """What the baseline leaves out and why, in plain English."""
    return [
        f"{LEFT_OUT_LABELS.get(k, k)}: not in the baseline, because {why}." for k, why in left_out.items()
    ]


def waterfall_rows(result: Result) -> list[dict[str, Any]]:
    """The principal run's change at each step: beds, bed days, cost and all WTE together."""
    rows = []
    for w in result.waterfall:
        wte = sum(v for k, v in w.items() if k.startswith("wte."))
        rows.append(
            {
                "step": STEP_LABELS.get(w["step"], w["step"]),
                "beds": w["beds"],
                "bed_days": w["activity.bed_days"],
                "cost": w["cost"],
                "wte": wte,
            }
        )
    return rows


def waterfall_table(result: Result) -> Table:
    cols = (
        Column("step", "What drives the change", "text"),
        Column("beds", "Beds", "signed"),
        Column("bed_days", "Bed days", "signed"),
        Column("cost", "Cost a year (£)", "signed"),
        Column("wte", "WTE, all roles", "signed"),
    )
    return Table(
        "waterfall",
        "What drives the change (principal run, each step after the one before)",
        cols,
        waterfall_rows(result),
    )


def compare_table(a: Result, b: Result, names: Sequence[str]) -> Table:
    """Two scenarios side by side: P50 (with P10 and P90) of each measure and B minus A at P50."""
    keys = [k for k in a.summary if k in b.summary and not k.startswith("activity.")] + [
        f"activity.{s}" for s in SETTINGS
    ]
    rows = []
    for key in keys:
        x, y = a.summary[key], b.summary[key]
        rows.append(
            {
                "measure": measure_label(key),
                "a_p10": x["p10"],
                "a_p50": x["p50"],
                "a_p90": x["p90"],
                "b_p10": y["p10"],
                "b_p50": y["p50"],
                "b_p90": y["p90"],
                "difference": y["p50"] - x["p50"],
            }
        )
    na, nb = names
    cols = (
        Column("measure", "Measure", "text"),
        *(Column(f"a_{c.key}", f"{na}, {c.label}") for c in _P),
        *(Column(f"b_{c.key}", f"{nb}, {c.label}") for c in _P),
        Column("difference", f"{nb} minus {na}, P50", "signed"),
    )
    return Table("compare", f"{na} and {nb} side by side", cols, rows)
