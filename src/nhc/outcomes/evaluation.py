"""Did it work? Emergency use before and after a virtual-ward stay, against matched comparators.

The design (a matched difference in differences):

* **Who was treated:** each person's first record of the intervention in ``care_records`` (the care →
  lake export), on their *index date*, kept only when the whole follow-up window lies before as-of.
* **Comparators:** everyone in ``patient_insights`` never given the intervention, with a pseudo index
  date on the 15th of each month in which someone was treated.
* **Matching** is coarsened exact matching (Iacus, King and Porro, *Political Analysis* 2012): people
  match when they share the index month, sex, age band, need band, eFI category, a risk group (quintile
  of the risk score) and their emergency admissions and A&E attendances in the 12 months before the
  index date (0, 1, 2, 3 or more). Treated people with no comparator in their stratum are left out and
  counted; comparators are weighted so each stratum counts as much as its treated people (the effect
  on the treated).
* **Effect:** for each treated person, (after − before) minus the mean (after − before) of their
  stratum's comparators; the estimate is the mean of those differences, with a normal 95 % interval
  whose variance adds the comparators' sampling error. The relative effect divides by the mean
  counterfactual (what the treated would have had after, had they changed as their comparators did).

Limits, said with every result: it is observational (people may be chosen for the virtual ward for
reasons the lake does not hold); matching on prior use addresses regression to the mean only as far as
prior use is measured; need band, eFI and risk come from the lake's as-of date, not the index date; and
people who died or left before as-of are not in ``patient_insights`` (treated or not).

The rules are pure over Ibis tables (any engine); only per-stratum sums reach Python.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis

if TYPE_CHECKING:
    import ibis.expr.types as ir

#: Encounter types an evaluation can count, with their plain names.
OUTCOMES = {"emergency_admission": "emergency admissions", "ae": "A&E attendances"}
#: Prior use is matched in these classes: 0, 1, 2, 3 or more in the 12 months before the index date.
PRIOR_CAP = 3
PRIOR_DAYS = 365
STRATUM = ("index_month", "sex", "age_band", "band", "efi_category", "risk_group", "prior_adm", "prior_ae")
Z95 = 1.959964
LIMITS = (
    "Observational: people are chosen for the virtual ward for reasons the data may not hold, so this "
    "is an association, not proof. Matching on prior emergency use reduces, but may not remove, "
    "regression to the mean. Need, frailty and risk are taken at the data's as-of date, not the "
    "admission date; people who died or moved away are not counted."
)


@dataclass(frozen=True)
class Design:
    """What to evaluate: an intervention in ``care_records``, an outcome encounter type, a window."""

    intervention: str = "virtual_ward"
    outcome: str = "emergency_admission"
    window_days: int = 182
    risk_groups: int = 5

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, not {self.outcome!r}")
        if self.window_days < 1 or self.risk_groups < 1:
            raise ValueError("window_days and risk_groups must be at least 1")


@dataclass(frozen=True)
class Effect:
    """The estimate per treated person per window (counts of the outcome), with its 95 % interval."""

    design: Design
    treated: int  # people with the intervention and a full follow-up window
    matched: int  # of them, with at least one comparator
    comparators: int
    before: float  # mean count in the window before, matched treated
    after: float  # mean count in the window after, matched treated
    counterfactual_after: float
    difference: float  # the difference in differences (after - counterfactual)
    low: float
    high: float
    limits: str = LIMITS

    @property
    def relative(self) -> float | None:
        """The effect as a share of the counterfactual (-0.2 is 20 % fewer), if that is positive."""
        return self.difference / self.counterfactual_after if self.counterfactual_after > 0 else None

    @property
    def relative_interval(self) -> tuple[float, float] | None:
        if self.counterfactual_after <= 0:
            return None
        return self.low / self.counterfactual_after, self.high / self.counterfactual_after

    def as_dict(self) -> dict[str, Any]:
        rel, interval = self.relative, self.relative_interval
        return {
            "intervention": self.design.intervention,
            "outcome": self.design.outcome,
            "window_days": self.design.window_days,
            "treated": self.treated,
            "matched": self.matched,
            "comparators": self.comparators,
            "before": round(self.before, 4),
            "after": round(self.after, 4),
            "counterfactual_after": round(self.counterfactual_after, 4),
            "difference": round(self.difference, 4),
            "ci_95": [round(self.low, 4), round(self.high, 4)],
            "relative": None if rel is None else round(rel, 4),
            "relative_ci_95": None if interval is None else [round(x, 4) for x in interval],
            "limits": self.limits,
        }


def treated_people(care_records: ir.Table, design: Design, as_of: dt.date) -> ir.Table:
    """``patient_id, index_date``: each person's first record of the intervention whose whole
    follow-up window ends by ``as_of``."""
    r = care_records.filter(care_records.record_type == design.intervention)
    first = r.group_by("patient_id").aggregate(index_date=r.start_date.min())
    last_start = as_of - dt.timedelta(days=design.window_days)
    return first.filter(first.index_date <= last_start)


def _features(insights: ir.Table, design: Design) -> ir.Table:
    i = insights
    group = ibis.ntile(design.risk_groups).over(order_by=[i.risk, i.patient_id])
    return i.select(
        "patient_id",
        "sex",
        "age_band",
        "band",
        efi_category=i.efi_category.fill_null("unknown"),
        risk_group=group,
    )


def cohort(insights: ir.Table, care_records: ir.Table, design: Design, as_of: dt.date) -> ir.Table:
    """Treated people (``treated`` 1) on their index dates and comparators (0) on pseudo index dates,
    each with their matching features. Anyone ever given the intervention is never a comparator."""
    treated = treated_people(care_records, design, as_of)
    month = treated.index_date.truncate("M")
    treated = treated.mutate(index_month=month)
    people = _features(insights, design)
    t = people.join(treated, "patient_id").mutate(treated=ibis.literal(1))
    ever = (
        care_records.filter(care_records.record_type == design.intervention).select("patient_id").distinct()
    )
    pool = people.anti_join(ever, "patient_id")
    months = treated.select("index_month").distinct()
    c = pool.cross_join(months).mutate(
        index_date=(months.index_month + ibis.interval(days=14)).cast("date"), treated=ibis.literal(0)
    )
    c = c.filter(c.index_date <= as_of - dt.timedelta(days=design.window_days))
    columns = ["patient_id", "index_date", "treated", *STRATUM[:6]]
    return t.select(columns).union(c.select(columns))


def _counted(cohort: ir.Table, encounters: ir.Table, design: Design) -> ir.Table:
    """The cohort with counts of the outcome in the windows before and after the index date, and prior
    emergency admissions and A&E attendances (capped) for matching."""
    e = encounters.filter(encounters.type.isin(list(OUTCOMES))).select("patient_id", "type", "start_date")
    j = cohort.left_join(e, cohort.patient_id == e.patient_id)
    days = j.start_date.delta(j.index_date, unit="day")

    def count(condition: ir.BooleanValue) -> ir.IntegerScalar:
        return ibis.cases((condition, 1), else_=0).sum()

    is_outcome = j.type == design.outcome
    w = design.window_days
    keys = ["patient_id", "index_date", "treated", *STRATUM[:6]]
    counted = j.group_by([j[k] for k in keys]).aggregate(
        before=count(is_outcome & (days >= -w) & (days < 0)),
        after=count(is_outcome & (days >= 0) & (days < w)),
        prior_adm=count((j.type == "emergency_admission") & (days >= -PRIOR_DAYS) & (days < 0)),
        prior_ae=count((j.type == "ae") & (days >= -PRIOR_DAYS) & (days < 0)),
    )
    return counted.mutate(
        prior_adm=ibis.least(counted.prior_adm, PRIOR_CAP), prior_ae=ibis.least(counted.prior_ae, PRIOR_CAP)
    )


def stratum_sums(
    insights: ir.Table, care_records: ir.Table, encounters: ir.Table, design: Design, as_of: dt.date
) -> ir.Table:
    """Per stratum and arm: people, sums of before, after, change and change squared."""
    c = _counted(cohort(insights, care_records, design, as_of), encounters, design)
    change = (c.after - c.before).cast("float64")
    return c.group_by([*STRATUM, "treated"]).aggregate(
        n=c.count(),
        before=c.before.sum().cast("float64"),
        after=c.after.sum().cast("float64"),
        change=change.sum(),
        change_sq=(change * change).sum(),
    )


def estimate(rows: list[dict[str, Any]], design: Design) -> Effect:
    """The matched difference in differences from :func:`stratum_sums` rows (a few per stratum)."""
    strata: dict[tuple, dict[int, dict[str, Any]]] = {}
    for r in rows:
        strata.setdefault(tuple(r[k] for k in STRATUM), {})[int(r["treated"])] = r
    treated_total = sum(int(arms[1]["n"]) for arms in strata.values() if 1 in arms)
    n = s_d = s_d2 = before = after = cf = comp_var = 0.0
    comparators = 0
    for arms in strata.values():
        t, c = arms.get(1), arms.get(0)
        if t is None or c is None:
            continue
        nt, m = float(t["n"]), float(c["n"])
        mean_c = c["change"] / m
        var_c = (c["change_sq"] - c["change"] ** 2 / m) / (m - 1) if m > 1 else 0.0
        n += nt
        comparators += int(m)
        s_d += t["change"] - nt * mean_c
        s_d2 += t["change_sq"] - 2 * mean_c * t["change"] + nt * mean_c**2
        before, after = before + t["before"], after + t["after"]
        cf += t["before"] + nt * mean_c
        comp_var += nt**2 * var_c / m
    if n < 2:
        return Effect(
            design,
            treated_total,
            int(n),
            comparators,
            math.nan,
            math.nan,
            math.nan,
            math.nan,
            math.nan,
            math.nan,
        )
    did = s_d / n
    var_d = max(0.0, (s_d2 - s_d**2 / n) / (n - 1))
    se = math.sqrt(var_d / n + comp_var / n**2)
    return Effect(
        design,
        treated_total,
        int(n),
        comparators,
        before / n,
        after / n,
        cf / n,
        did,
        did - Z95 * se,
        did + Z95 * se,
    )
