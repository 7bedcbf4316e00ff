"""The glance pages' two charts of a condition's headline measure (all eight care processes for
diabetes, the annual review for COPD and asthma):

* **where each practice sits**: a funnel plot of every practice's latest published figure against its
  number of people (the register it applies to), around the county figure, with 95% and 99.8%
  binomial control limits (:func:`nhc.insights.funnel.funnel` without the overdispersion allowance,
  drawn by :func:`nhc.web.charts.funnel_chart`, the variation page's chart), with its table;
* **the trend**: the selection's monthly series and SPC chart from the outcomes report the
  ``/outcomes/{indicator}`` pages use (:mod:`nhc.web.outcomes.reports`), drawn by the same
  :func:`nhc.web.outcomes.spc_chart.spc_chart`, with the same table of months.

Every figure is a published (disclosure-controlled) one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nhc.insights.funnel import Funnel, FunnelUnit, funnel
from nhc.outcomes.catalogue import BY_ID
from nhc.outcomes.report import OutcomesReport
from nhc.web import tables
from nhc.web.charts import funnel_chart
from nhc.web.outcomes import views
from nhc.web.outcomes.spc_chart import legend_marker, spc_chart

#: Where a practice sits against the limits, lowest first (how the "Position" column sorts).
POSITIONS = ("low-99.8", "low-95", "within", "high-95", "high-99.8", "suppressed")
POSITION_WORDS = {
    "low-99.8": "Below the 99.8% limit",
    "low-95": "Below the 95% limit",
    "within": "Within the limits",
    "high-95": "Above the 95% limit",
    "high-99.8": "Above the 99.8% limit",
    "suppressed": "Suppressed",
}
FUNNEL_COLUMNS = (
    tables.Col("practice", tables.by("label")),
    tables.Col("n", tables.by("n")),
    tables.Col("y", tables.by("y")),
    tables.Col("value", tables.by("value")),
    tables.Col("position", lambda p: POSITIONS.index(p.flag)),
)


def practice_funnel(report: OutcomesReport, indicator: str, names: Mapping[str, str]) -> Funnel:
    """Every practice's latest published numerator and denominator of ``indicator`` as a funnel
    around their pooled figure (the county's, from the same published counts), binomial limits."""
    units = []
    for (ind, by_, code), series in sorted(report.series.items()):
        if ind != indicator or by_ != "practice":
            continue
        last = series.latest()
        n, y = (None, None) if last is None else (last.denominator, last.numerator)
        units.append(FunnelUnit(code, names.get(code, code), n, y))
    return funnel(units, "proportion", overdispersion=False)


def funnel_view(
    query: Mapping[str, str],
    report: OutcomesReport,
    indicator: str,
    names: Mapping[str, str],
    *,
    path: str,
    keep: Mapping[str, Any],
    practice: str | None,
) -> dict[str, Any]:
    """The funnel plot (the chosen practice ringed) and its sortable table of every practice."""
    f = practice_funnel(report, indicator, names)
    title = f"Funnel plot: {BY_ID[indicator].title}, each practice against the county"
    suppressed = sum(1 for p in f.points if p.value is None)
    here = next((p for p in f.points if p.unit == practice), None)
    return {
        "chart": funnel_chart(f, per=100, title=title, suppressed=suppressed, highlight=practice),
        "title": title,
        "county": f.target * 100,
        "table": tables.table(
            query, f.points, FUNNEL_COLUMNS, path=path, name="funnel", keep=keep, anchor="funnel"
        ),
        "here": here,
        "words": POSITION_WORDS,
    }


def trend_view(
    query: Mapping[str, str],
    report: OutcomesReport,
    indicator: str,
    selection: tuple[str, str, str],
    *,
    path: str,
    keep: Mapping[str, Any],
) -> dict[str, Any] | None:
    """The selection's monthly SPC chart of ``indicator`` and its table of months (None: the report
    has no such series). ``selection``: (breakdown, group, words)."""
    by_, group, words = selection
    ind = BY_ID[indicator]
    series = report.series.get((indicator, by_, group))
    if series is None:
        return None
    title = f"SPC chart: {ind.title}, {words}, by month"
    points: Sequence[dict[str, Any]] = views.point_rows(series)
    return {
        "chart": spc_chart(series, title=title, unit=ind.unit, target=ind.target),
        "title": title,
        "limits": None if series.chart is None else series.chart.limits,
        "target": ind.target,
        "points": tables.table(
            query, points, views.POINT_COLUMNS, path=path, name="trend", keep=keep, anchor="trend"
        ),
        "point_types": [(k, label, legend_marker(k)) for k, (label, _, _) in views.POINT_TYPES.items()],
        "by": by_,
        "group": group,
    }
