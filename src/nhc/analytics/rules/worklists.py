"""Case finding: ranked worklists, defined as data, per neighbourhood and practice.

A worklist is a set of criteria on the per-patient insights (all must hold) and a ranking. Every
row carries the reasons the person is on it, with their own values, so a clinician can see why
without opening another tool. Definitions are in :data:`WORKLISTS`; adding one is adding data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nhc.analytics.rules.coded import nullable

if TYPE_CHECKING:
    import ibis.expr.types as ir

OPS = {
    ">=": lambda c, v: c >= v,
    ">": lambda c, v: c > v,
    "<=": lambda c, v: c <= v,
    "<": lambda c, v: c < v,
    "==": lambda c, v: c == v,
    "in": lambda c, v: c.isin(list(v)),
    "is_true": lambda c, v: c,
    "is_false": lambda c, v: ~c,
}


@dataclass(frozen=True)
class Criterion:
    column: str
    op: str
    value: Any
    reason: str  # "{v}" is replaced by the person's value

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def holds(self, t: ir.Table) -> ir.BooleanValue:
        """Whether the row meets it (a missing value does not)."""
        return OPS[self.op](t[self.column], self.value).fill_null(False)

    def reason_of(self, t: ir.Table) -> ir.StringValue:
        """The reason, with the row's value."""
        if "{v}" not in self.reason:
            return ibis.literal(self.reason)
        before, after = self.reason.split("{v}", 1)
        col = t[self.column]
        if col.type().is_floating():
            col = col.round(2)
        return ibis.literal(before) + col.cast("string") + ibis.literal(after)


@dataclass(frozen=True)
class AnyOf:
    """Criteria of which one at least must hold ("frail or lonely"); the reasons are those that
    hold, joined by " and "."""

    criteria: tuple[Criterion, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c.column for c in self.criteria)

    def holds(self, t: ir.Table) -> ir.BooleanValue:
        held = self.criteria[0].holds(t)
        for c in self.criteria[1:]:
            held = held | c.holds(t)
        return held

    def reason_of(self, t: ir.Table) -> ir.StringValue:
        sep = " and "
        parts = [ibis.ifelse(c.holds(t), c.reason_of(t) + ibis.literal(sep), "") for c in self.criteria]
        joined = parts[0]
        for p in parts[1:]:
            joined = joined + p
        return joined.substr(0, joined.length() - len(sep))  # without the last separator


@dataclass(frozen=True)
class Worklist:
    name: str
    title: str
    criteria: tuple[Criterion | AnyOf, ...]
    rank_by: tuple[str, ...]  # descending
    rationale: str


WORKLISTS: tuple[Worklist, ...] = (
    Worklist(
        "frailty_no_care_plan",
        "Moderate or severe frailty, no care plan, 2+ emergency admissions",
        (
            Criterion("efi_category", "in", ("moderate", "severe"), "eFI {v}"),
            Criterion("care_plan_12m", "is_false", None, "no care plan or MDT review in 12 months"),
            Criterion("emergency_admissions_12m", ">=", 2, "{v} emergency admissions in 12 months"),
        ),
        ("emergency_admissions_12m", "efi_score"),
        "NHS England frailty guidance: people with moderate/severe frailty and repeated admissions "
        "should have a personalised care and support plan (Enhanced Health in Care Homes / "
        "proactive care framework 2023).",
    ),
    Worklist(
        "diabetes_unreviewed_high_hba1c",
        "Diabetes, latest HbA1c above 58 mmol/mol, no review in 12 months",
        (
            Criterion("reg_diabetes", "is_true", None, "on the diabetes register"),
            Criterion("hba1c_last_value", ">", 58.0, "latest HbA1c {v} mmol/mol"),
            Criterion("hba1c_12m", "is_false", None, "no HbA1c in 12 months"),
            Criterion("medication_review_12m", "is_false", None, "no medication review in 12 months"),
        ),
        ("hba1c_last_value",),
        "NICE NG28: HbA1c target 48-58 mmol/mol; HbA1c every 3-6 months until stable, then 6-monthly.",
    ),
    Worklist(
        "high_admission_risk",
        "High risk of emergency admission: top 2% in the neighbourhood",
        (
            Criterion(
                "risk_centile_in_neighbourhood",
                ">=",
                0.98,
                "risk in the top 2% of the neighbourhood (percent rank {v})",
            ),
        ),
        ("risk",),
        "Proactive care: NHS England proactive care framework (2023) - risk stratification to find "
        "people who would benefit from proactive, personalised care.",
    ),
    Worklist(
        "frail_or_isolated_no_social_prescribing",
        "Frail or socially isolated, no social prescribing referral in 12 months",
        (
            AnyOf(
                (
                    Criterion("efi_category", "in", ("moderate", "severe"), "eFI {v}"),
                    Criterion(
                        "social_vulnerability_12m",
                        "is_true",
                        None,
                        "lives alone, lonely or socially vulnerable (coded in 12 months)",
                    ),
                )
            ),
            Criterion(
                "social_prescribing_12m", "is_false", None, "no social prescribing referral in 12 months"
            ),
        ),
        ("efi_score",),
        "NHS England social prescribing and the Fuller stocktake (2022): link workers reach people "
        "who are frail, lonely or isolated, for what matters to them; the neighbourhood model asks "
        "for the most appropriate person or service, not always a GP.",
    ),
)


def worklist(t: ir.Table, wl: Worklist) -> ir.Table:
    """One worklist over the insights table ``t``: ranked within neighbourhood."""
    cond = ibis.literal(True)
    for c in wl.criteria:
        cond = cond & c.holds(t)
    sel = t.filter(cond)
    reasons = None
    for c in wl.criteria:
        r = c.reason_of(sel)
        reasons = r if reasons is None else reasons + ibis.literal("; ") + r
    order = [ibis.desc(sel[k]) for k in wl.rank_by] + [ibis.asc(sel.patient_id)]
    rank = ibis.row_number().over(group_by=sel.neighbourhood, order_by=order) + 1
    return sel.select(
        worklist=ibis.literal(wl.name),
        neighbourhood=sel.neighbourhood,
        practice_code=sel.practice_code,
        patient_id=sel.patient_id,
        rank=rank.cast("int64"),
        score=sel[wl.rank_by[0]].cast("float64"),
        reasons=reasons,
    )


def with_risk_centile(t: ir.Table) -> ir.Table:
    """Add risk_centile_in_neighbourhood: percent rank of risk within the neighbourhood (0 lowest,
    1 highest). One row per patient_id in ``t``.

    The window runs over three columns and is joined back by patient_id: a window over ``t``
    itself would sort every column of everyone's insights (most of a county run's scoring time).
    """
    narrow = t.select("patient_id", "neighbourhood", "risk")
    # a missing risk ranks last on every engine (Spark puts nulls first by default)
    order = [narrow.risk.isnull(), narrow.risk]
    ranked = narrow.select(
        "patient_id",
        risk_centile_in_neighbourhood=ibis.percent_rank().over(group_by=narrow.neighbourhood, order_by=order),
    )
    return t.join(ranked, "patient_id")


#: Risk bins for :func:`with_top_risk_centile`: a risk is a probability, so the bins are equal
#: thousandths of [0, 1] (a missing risk in a bin of its own above them, as it ranks last).
_BINS = 1000


def with_top_risk_centile(t: ir.Table, at_least: float) -> ir.Table:
    """:func:`with_risk_centile` for the people whose centile might be ``at_least`` or more only:
    the same centiles for them, without ranking everyone.

    Everyone is counted by neighbourhood and bin of risk (an aggregate, not a sort); a bin is kept
    only if its highest risk could be ranked above ``at_least - 0.01`` of the neighbourhood, and
    only the people of the bins kept are ranked. A person's centile is then the people of the
    lower bins plus those ranked below them in their own bin, over the neighbourhood's people less
    one: the integers the engine's percent rank divides, so the same value. The rows it leaves out
    all rank below ``at_least``."""
    narrow = t.select("patient_id", "neighbourhood", "risk")
    top = ibis.literal(_BINS, "int64")
    scaled = (narrow.risk * _BINS).floor().clip(lower=0, upper=_BINS - 1).cast("int64")
    narrow = narrow.mutate(bin=ibis.ifelse(narrow.risk.isnull(), top, scaled))
    counts = narrow.group_by(["neighbourhood", "bin"]).aggregate(k=narrow.count())
    lower = ibis.window(group_by=counts.neighbourhood, order_by=counts.bin, rows=(None, -1))
    counts = counts.mutate(
        below=counts.k.sum().over(lower).fill_null(0),
        n=counts.k.sum().over(group_by=counts.neighbourhood),
    )
    # the margin keeps rounding in the bound from ever leaving out someone on the list
    kept = counts.filter(counts.below + counts.k - 1 >= (at_least - 0.01) * (counts.n - 1))
    near = narrow.join(
        kept,
        [narrow.neighbourhood.identical_to(kept.neighbourhood), narrow.bin == kept.bin],
    ).select(narrow.patient_id, narrow.neighbourhood, narrow.bin, narrow.risk, kept.below, kept.n)
    in_bin = ibis.rank().over(group_by=[near.neighbourhood, near.bin], order_by=near.risk)
    centile = ibis.ifelse(
        near.n > 1, (near.below + in_bin).cast("float64") / (near.n - 1).cast("float64"), 0.0
    )
    return t.join(near.select("patient_id", risk_centile_in_neighbourhood=centile), "patient_id")


def risk_centiles(neighbourhood: pa.ChunkedArray | pa.Array, risk: pa.ChunkedArray | pa.Array) -> pa.Array:
    """:func:`with_risk_centile`'s column computed in numpy from Arrow arrays (same values).

    A reference for the engine's window (the run ranks in the engine). Percent rank = (people in the neighbourhood with a lower risk) / (people in it - 1),
    0 when alone; equal risks share a rank; a missing risk sorts last (as DuckDB orders it).
    """
    groups = pc.dictionary_encode(neighbourhood)
    if isinstance(groups, pa.ChunkedArray):
        groups = groups.combine_chunks()
    n = len(groups)
    if n == 0:
        return pa.array([], type=pa.float64())
    # neighbourhoods as small ints (nulls as one more), so the second sort is numpy's radix sort
    n_groups = len(groups.dictionary) + 1
    g = pc.fill_null(groups.indices, n_groups - 1).to_numpy(zero_copy_only=False)
    g = g.astype(np.int16 if n_groups < 2**15 else np.int64)
    missing = pc.is_null(risk).to_numpy(zero_copy_only=False)
    v = np.where(missing, np.inf, pc.fill_null(risk, 0.0).to_numpy(zero_copy_only=False))
    by_risk = np.argsort(v)  # risks are probabilities: a missing one (inf) sorts last
    order = by_risk[np.argsort(g[by_risk], kind="stable")]
    gs, vs = g[order], v[order]
    idx = np.arange(n)
    new_group = np.r_[True, gs[1:] != gs[:-1]]
    new_run = new_group | np.r_[True, vs[1:] != vs[:-1]]
    group_start = np.maximum.accumulate(np.where(new_group, idx, 0))
    run_start = np.maximum.accumulate(np.where(new_run, idx, 0))
    sizes = np.diff(np.r_[np.flatnonzero(new_group), n])
    size = np.repeat(sizes, sizes)
    lower = (run_start - group_start).astype(np.float64)
    ranked = np.where(size > 1, lower / np.maximum(size - 1, 1), 0.0)
    out = np.empty(n, dtype=np.float64)
    out[order] = ranked
    return pa.array(out, type=pa.float64())


def _with_centile(insights: ir.Table, wl: Worklist) -> ir.Table:
    """``insights`` with the risk centile when ``wl`` reads it: for the people who might be on it
    only, when a criterion keeps centiles at or above a value (:func:`with_top_risk_centile`)."""
    centile = "risk_centile_in_neighbourhood"
    on = [c for c in wl.criteria if isinstance(c, Criterion) and c.column == centile]
    if not on or centile in insights.columns:
        return insights
    floors = [float(c.value) for c in on if c.op in (">=", ">")]
    return with_top_risk_centile(insights, max(floors)) if floors else with_risk_centile(insights)


def input_columns(definitions: tuple[Worklist, ...] = WORKLISTS) -> set[str]:
    """The insights columns the worklists read (``risk_centile_in_neighbourhood`` is derived here)."""
    cols = {"patient_id", "neighbourhood", "practice_code", "risk"}
    for wl in definitions:
        cols |= {col for c in wl.criteria for col in c.columns} | set(wl.rank_by)
    return cols - {"risk_centile_in_neighbourhood"}


def worklists(insights: ir.Table, definitions: tuple[Worklist, ...] = WORKLISTS) -> ir.Table:
    """All worklists stacked: worklist, neighbourhood, practice_code, patient_id, rank, score, reasons."""
    # only the worklists on the centile read it: the others filter everyone's insights directly
    parts = [nullable(worklist(_with_centile(insights, wl), wl)) for wl in definitions]
    out = parts[0]
    for p in parts[1:]:
        out = out.union(p)
    return out
