"""From cells to published monthly series: the breakdowns, then disclosure control.

:func:`breakdowns` sums the cells (:mod:`nhc.outcomes.measures`) into one series per indicator,
breakdown (:data:`BREAKDOWNS`) and group: practice, neighbourhood and locality (from the practice),
the county, IMD quintile (``0``: small area not known), sex, age band and ethnicity — true counts.

:func:`published` applies the project's one disclosure rule
(:func:`nhc.analytics.rules.disclosure.safe_count_column`: 7 or fewer suppressed, the rest rounded to
the nearest 5) to every numerator and denominator, and computes each value from the *published* counts
(nothing when either is suppressed), so every figure that leaves is a function of controlled counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import ibis

from nhc.analytics.rules.disclosure import safe_count_column
from nhc.analytics.rules.inputs import require_columns

if TYPE_CHECKING:
    import ibis.expr.types as ir

#: Breakdown name -> the column it groups on (``county``: one group, "All").
BREAKDOWNS: dict[str, str | None] = {
    "county": None,
    "locality": "locality",
    "neighbourhood": "neighbourhood",
    "practice": "practice_code",
    "imd_quintile": "imd_quintile",
    "sex": "sex",
    "age_band": "age_band",
    "ethnicity": "ethnicity",
}
COUNTY = "All"
UNKNOWN_AREA = "Unknown"


def breakdowns(cells: ir.Table, practices: ir.Table, by: tuple[str, ...] = tuple(BREAKDOWNS)) -> ir.Table:
    """indicator, by, group, month (first day), numerator, denominator: the cells summed per breakdown."""
    pr = require_columns(practices, "practices").select("practice_code", "neighbourhood", "locality")
    c = cells.left_join(pr, "practice_code").drop("practice_code_right")
    c = c.mutate(
        neighbourhood=c.neighbourhood.fill_null(UNKNOWN_AREA), locality=c.locality.fill_null(UNKNOWN_AREA)
    )
    parts = []
    for name in by:
        column = BREAKDOWNS[name]
        group = ibis.literal(COUNTY) if column is None else c[column].cast("string")
        g = c.mutate(group=group).group_by(["indicator", "month", "group"])
        agg = g.aggregate(numerator=c.numerator.sum(), denominator=c.denominator.sum())
        parts.append(
            agg.select(
                "indicator",
                by=ibis.literal(name),
                group=agg.group,
                month=agg.month,
                numerator=agg.numerator.cast("int64"),
                denominator=agg.denominator.cast("int64"),
            )
        )
    out = parts[0]
    for p in parts[1:]:
        out = out.union(p)
    return out


def published(series: ir.Table, scales: Mapping[str, float]) -> ir.Table:
    """``series`` disclosure-controlled: numerator and denominator published by the project's rule,
    ``value`` = numerator / denominator x the indicator's scale from the published counts.
    ``scales``: indicator id -> 100 (%) or 1,000 (per 1,000)."""
    num = safe_count_column(series.numerator)
    den = safe_count_column(series.denominator)
    scale = series.indicator.cases(*scales.items(), else_=ibis.null("float64"))
    value = num.cast("float64") * scale / den.cast("float64")
    return series.select(
        "indicator",
        "by",
        "group",
        "month",
        numerator=num,
        denominator=den,
        value=(num.isnull() | den.isnull()).ifelse(ibis.null("float64"), value),
    )
