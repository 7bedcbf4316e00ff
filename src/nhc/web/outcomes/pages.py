"""The outcomes pages: the summary matrix (``/outcomes``) and one indicator's SPC chart with its
table and a drill-down by breakdown (``/outcomes/{indicator}``), with a CSV of every table.

For analysts, administrators and clinicians (aggregates only). Every figure is the report's published,
disclosure-controlled figure (:mod:`nhc.web.outcomes.views`); the report comes from the cache
(:mod:`nhc.web.outcomes.reports`), computed on the first request after the lake changes, and each page
says when. Sorting is by links (``?sort=&dir=``, :mod:`nhc.web.tables`); nothing needs JavaScript.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from nhc.insights.service import BadParameter, NotFound
from nhc.outcomes.catalogue import BY_ID, Indicator
from nhc.outcomes.report import DISCLOSURE
from nhc.outcomes.series import COUNTY
from nhc.security.roles import Principal, Role, require_role
from nhc.web import tables
from nhc.web.deps import current_user, render
from nhc.web.outcomes import views
from nhc.web.outcomes.reports import Computed, ReportCache, report_cache
from nhc.web.outcomes.spc_chart import legend_marker, spc_chart
from nhc.web.routers.downloads import Columns, csv_response

router = APIRouter(include_in_schema=False)

SUMMARY_COLUMNS = [
    tables.Col("title", tables.by("title")),
    tables.Col("month", tables.by("month")),
    tables.Col("value", tables.by("value")),
    tables.Col("variation", tables.by("variation_order")),
    tables.Col("assurance", tables.by("assurance_order")),
    tables.Col("core20_gap", tables.by("core20_gap")),
    tables.Col("sii", tables.by("sii")),
]
SUMMARY_CSV: Columns = (
    ("id", "Indicator id"), ("title", "Indicator"), ("unit", "Unit"), ("month", "Latest month"),
    ("value", "Latest value"), ("variation_label", "Variation"), ("assurance_label", "Assurance"),
    ("target", "Target"), ("core20_gap", "Core20 gap (Core20 minus the rest)"),
    ("core20_relative", "Core20 relative gap"), ("sii", "Slope index of inequality"),
    ("sii_lower", "SII 95% CI lower"), ("sii_upper", "SII 95% CI upper"),
)  # fmt: skip
POINTS_CSV: Columns = (
    ("month", "Month"), ("value", "Value"), ("numerator", "Numerator"), ("denominator", "Denominator"),
    ("point_type", "SPC point type"),
)  # fmt: skip
GROUPS_CSV: Columns = (
    ("group", "Group"), ("group_label", "Group name"), ("month", "Latest month"), ("value", "Latest value"), ("numerator", "Numerator"),
    ("denominator", "Denominator"), ("variation_label", "Variation"),
)  # fmt: skip


def _reader(request: Request) -> Principal:
    """Analysts, administrators and clinicians: the figures are aggregates."""
    user = current_user(request)
    require_role(user, Role.ANALYST, Role.ADMIN, Role.CLINICIAN, what="the outcomes pages")
    return user


def _about(computed: Computed) -> dict[str, Any]:
    report = computed.report
    return {
        "as_of": report.as_of,
        "computed_at": computed.computed_at,
        "seconds": computed.seconds,
        "first_month": views.month_label(views.month_of(report.span.first)),
        "last_month": views.month_label(views.month_of(report.span.last)),
        "disclosure": DISCLOSURE,
    }


def _summary_table(request: Request, computed: Computed) -> tables.Table:
    rows = views.summary_rows(computed.report)
    return tables.table(request.query_params, rows, SUMMARY_COLUMNS, path="/outcomes", anchor="matrix")


@router.get("/outcomes")
def summary(request: Request, user: Principal = Depends(_reader), cache: ReportCache = Depends(report_cache)):
    """The summary matrix: every indicator's latest county value, icons and inequality gaps."""
    computed = cache.get()
    ctx = {
        "page_title": "Outcomes",
        "table": _summary_table(request, computed),
        "unavailable": views.unavailable_rows(computed.report),
        "variation_icons": views.VARIATION,
        "assurance_icons": views.ASSURANCE,
        **_about(computed),
    }
    return render(request, "outcomes/summary.html", ctx)


def _csv_row(row: dict[str, Any]) -> dict[str, Any]:
    """A summary row for the CSV file: a blank is written "suppressed", so say what each blank
    means (no data, no target, a gap that is not published)."""
    out = {**row, "month": row["month"].isoformat()[:7] if row["month"] else "no data"}
    if row["month"] is None:
        out["value"] = "no data"
    out["target"] = "none" if row["target"] is None else row["target"]
    for key in ("core20_gap", "core20_relative", "sii", "sii_lower", "sii_upper"):
        out[key] = "not published" if row[key] is None else row[key]
    return out


@router.get("/outcomes.csv")
def summary_csv(
    request: Request, user: Principal = Depends(_reader), cache: ReportCache = Depends(report_cache)
):
    """The summary matrix as CSV, in the order the page was sorted."""
    computed = cache.get()
    rows = [_csv_row(r) for r in _summary_table(request, computed).rows]
    return csv_response("outcomes", SUMMARY_CSV, rows, computed.report.as_of.isoformat())


def _indicator(computed: Computed, indicator: str) -> Indicator:
    found = BY_ID.get(indicator)
    if found is None:
        raise NotFound(f"there is no outcome indicator {indicator!r}")
    if indicator in computed.report.unavailable:
        missing = ", ".join(computed.report.unavailable[indicator])
        raise NotFound(f"{found.title} cannot be computed: the codelists lack {missing}")
    return found


def _choice(request: Request) -> tuple[str, str, str]:
    """The drill-down breakdown (default practice) and the chart's breakdown and group (default:
    the county)."""
    by = request.query_params.get("by") or "practice"
    if by not in views.DRILL_DOWNS:
        raise BadParameter(f"by must be one of {', '.join(views.DRILL_DOWNS)}, not {by[:40]!r}")
    group = (request.query_params.get("group") or "")[:80]
    return by, (by if group else "county"), (group or COUNTY)


def _detail(request: Request, computed: Computed, indicator: Indicator) -> dict[str, Any]:
    by, chart_by, group = _choice(request)
    series = views.series_of(computed.report, indicator, chart_by, group)
    if series is None:
        raise NotFound(f"there is no group {group!r} in {views.BREAKDOWN_LABELS[chart_by].lower()}")
    path, keep = f"/outcomes/{indicator.id}", {"by": by, "group": group if chart_by != "county" else ""}
    points = tables.table(
        request.query_params,
        views.point_rows(series),
        views.POINT_COLUMNS,
        path=path,
        name="points",
        keep=keep,
        anchor="points",
    )
    rows = views.group_rows(computed.report, indicator, by, computed.practice_names)
    group_columns = [
        tables.Col("group", tables.position(rows)),
        tables.Col("value", tables.by("value")),
        tables.Col("variation", tables.by("variation_order")),
    ]
    groups = tables.table(
        request.query_params, rows, group_columns, path=path, name="groups", keep=keep, anchor="groups"
    )
    return {
        "by": by,
        "chart_by": chart_by,
        "group": group,
        "series": series,
        "points": points,
        "groups": groups,
    }


@router.get("/outcomes/{indicator}")
def indicator_page(
    request: Request,
    indicator: str,
    user: Principal = Depends(_reader),
    cache: ReportCache = Depends(report_cache),
):
    """One indicator: the SPC chart of the county (or a chosen group) with its table, and each group
    of a breakdown with its latest value and icon."""
    computed = cache.get()
    detail = _detail(request, computed, _indicator(computed, indicator))
    chosen = detail["series"].indicator  # the definition the chart was drawn with (its target)
    where = views.group_label(detail["chart_by"], detail["group"], computed.practice_names)
    if detail["chart_by"] != "county":
        where = f"{views.BREAKDOWN_LABELS[detail['chart_by']]} {where}"
    title = f"SPC chart: {chosen.title}, {where}, by month"
    chart = detail["series"].chart
    ctx = {
        "page_title": chosen.title,
        "indicator": chosen,
        "where": where,
        "chart": spc_chart(detail["series"], title=title, unit=chosen.unit, target=chosen.target),
        "chart_title": title,
        "limits": None if chart is None else chart.limits,
        "icons": views.group_rows(computed.report, chosen, detail["chart_by"], computed.practice_names),
        "point_types": [(k, label, legend_marker(k)) for k, (label, _, _) in views.POINT_TYPES.items()],
        "breakdowns": [(b, views.BREAKDOWN_LABELS[b]) for b in views.DRILL_DOWNS],
        "breakdown_label": views.BREAKDOWN_LABELS,
        **detail,
        **_about(computed),
    }
    ctx["this"] = next((r for r in ctx["icons"] if r["group"] == detail["group"]), None)
    return render(request, "outcomes/indicator.html", ctx)


@router.get("/outcomes/{indicator}/points.csv")
def points_csv(
    request: Request,
    indicator: str,
    user: Principal = Depends(_reader),
    cache: ReportCache = Depends(report_cache),
):
    """The charted series' table as CSV."""
    computed = cache.get()
    chosen = _indicator(computed, indicator)
    detail = _detail(request, computed, chosen)
    name = f"outcomes-{chosen.id}-{detail['chart_by']}-{detail['group']}".replace(" ", "_")
    return csv_response(name[:120], POINTS_CSV, detail["points"].rows, computed.report.as_of.isoformat())


@router.get("/outcomes/{indicator}/groups.csv")
def groups_csv(
    request: Request,
    indicator: str,
    user: Principal = Depends(_reader),
    cache: ReportCache = Depends(report_cache),
) -> Response:
    """The drill-down table as CSV."""
    computed = cache.get()
    chosen = _indicator(computed, indicator)
    detail = _detail(request, computed, chosen)
    rows = detail["groups"].rows
    return csv_response(
        f"outcomes-{chosen.id}-by-{detail['by']}", GROUPS_CSV, rows, computed.report.as_of.isoformat()
    )
