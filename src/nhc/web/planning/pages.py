"""The planning pages: a scenario (``/planning``), two side by side (``/planning/compare``), CSV.

For planners, commissioners, workforce leads and finance: the analyst role (and administrators,
who see aggregates); clinical roles are refused, as the pages are no care tool. Everything shown is
aggregate: modelled county totals and disclosure-controlled baseline counts, never a person.

The forms use ``GET``: running the model changes nothing, so a result is a link (sorting a table or
downloading it as CSV asks for the same link again, and the service keeps recent results). Every
page works without JavaScript; a bad value shows the form again with an error summary naming the
field and its allowed range (status 400).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from nhc.planning.choices import (
    GROUPS,
    HORIZON,
    LEVERS,
    PERCENT,
    RUNS,
    BadChoice,
    Choices,
    default_choices,
    parse_choices,
)
from nhc.planning.montecarlo import Result
from nhc.planning.service import PlanningService
from nhc.security.roles import Principal, Role, require_role
from nhc.web.deps import current_user, render
from nhc.web.planning import views
from nhc.web.planning.charts import fan_chart, waterfall_chart
from nhc.web.planning.deps import planning_service
from nhc.web.planning.numbers import sig, signed

router = APIRouter(include_in_schema=False)
TABLES = ("summary", "workforce", "waterfall")
NAMES = ("Scenario A", "Scenario B")


def _planner(request: Request) -> Principal:
    """Analysts (planners, commissioners, workforce leads, finance) and administrators."""
    user = current_user(request)
    require_role(user, Role.ANALYST, Role.ADMIN, what="the planning pages")
    return user


def _query(request: Request, prefix: str = "") -> dict[str, str]:
    """The query's values whose names start with ``prefix`` (prefix removed), trimmed."""
    return {
        k.removeprefix(prefix): v.strip()[:40]
        for k, v in request.query_params.items()
        if k.startswith(prefix)
    }


def _form(values: dict[str, str], error: BadChoice | None = None, prefix: str = "") -> dict[str, Any]:
    return {
        "prefix": prefix,
        "values": values,
        "error": error,
        "groups": [(g, [c for c in LEVERS if c.group == g]) for g in GROUPS],
        "horizon": HORIZON,
        "runs": RUNS,
        "percent": PERCENT,
    }


def _sorted(request: Request, table: views.Table) -> views.Table:
    key = request.query_params.get(f"sort_{table.name}")
    return table.sorted_by(key, request.query_params.get(f"order_{table.name}") == "desc")


def _about(service: PlanningService) -> dict[str, Any]:
    """What every planning page says about its data: as-of date, inputs, staff and moves."""
    b = service.baseline
    return {
        "as_of": b.as_of,
        "costs": service.costs,
        "rates": service.rates,
        "staff": service.staff(),
        "moves": service.moves_report(),
        "notes": views.notes(b.left_out),
        "sig": sig,
        "signed": signed,
    }


def _fan(result: Result, yearly: list[dict[str, dict[str, float]]], measure: str) -> list[tuple]:
    first = result.summary[measure]["baseline"]
    points = [(0, first, first, first)]
    points += [(y + 1, s[measure]["p10"], s[measure]["p50"], s[measure]["p90"]) for y, s in enumerate(yearly)]
    return points


def _results(request: Request, service: PlanningService, choices: Choices) -> dict[str, Any]:
    result = service.run_choices(choices)
    fans = [*views.FAN_MEASURES, *(f"wte.{w['role']}" for w in result.workforce)]
    measure = request.query_params.get("fan", "beds")
    measure = measure if measure in fans else "beds"
    points = _fan(result, service.yearly(choices), measure)
    steps = [(views.STEP_LABELS.get(w["step"], w["step"]), w["cost"]) for w in result.waterfall]
    link = urlencode({**choices.values(), "run": "1"})
    label = views.measure_label(measure)
    return {
        "result": result,
        "link": link,
        "tables": {t.name: _sorted(request, t) for t in _tables(result)},
        "fan_measures": [(m, views.measure_label(m)) for m in fans],
        "fan_measure": measure,
        "fan_label": label,
        "fan_points": points,
        "fan_chart": fan_chart(points, title=f"Fan chart: {label}, P10 to P90 shaded, P50 line, by year"),
        "waterfall_chart": waterfall_chart(
            result.summary["cost"]["baseline"],
            steps,
            title="Waterfall: what drives the change in cost a year (the axis does not start at zero)",
        ),
    }


def _tables(result: Result) -> list[views.Table]:
    return [views.summary_table(result), views.workforce_table(result), views.waterfall_table(result)]


@router.get("/planning")
def scenario(
    request: Request,
    user: Principal = Depends(_planner),
    service: PlanningService = Depends(planning_service),
):
    """The form; with ``run`` in the query, the chosen scenario's results below it."""
    query = _query(request)
    ctx: dict[str, Any] = {"page_title": "Plan a scenario", **_about(service)}
    if "run" not in query:
        ctx["form"] = _form(default_choices().values())
        return render(request, "planning/scenario.html", ctx)
    try:
        choices = parse_choices(query)
    except BadChoice as exc:
        ctx["form"] = _form(query, exc)
        ctx["page_title"] = "Error: plan a scenario"
        return render(request, "planning/scenario.html", ctx, status_code=400)
    ctx["form"] = _form(choices.values())
    ctx.update(_results(request, service, choices))
    return render(request, "planning/scenario.html", ctx)


def _csv(table: views.Table, filename: str) -> Response:
    return Response(
        table.csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/planning/download/{name}.csv")
def download(
    request: Request,
    name: str,
    user: Principal = Depends(_planner),
    service: PlanningService = Depends(planning_service),
):
    """One table of the scenario page as CSV (the same rounded, disclosure-controlled figures)."""
    if name not in TABLES:
        raise BadChoice(f"there is no table {name!r} (allowed: {', '.join(TABLES)})", field="table")
    result = service.run_choices(parse_choices(_query(request)))
    table = {t.name: t for t in _tables(result)}[name]
    return _csv(_sorted(request, table), f"planning-{name}.csv")


def _two(request: Request) -> tuple[list[dict[str, str]], list[Choices] | None, BadChoice | None]:
    """Both scenarios' form values and choices (defaults: the example's levers, then none)."""
    given = [_query(request, "a_"), _query(request, "b_")]
    defaults = [default_choices().values(), default_choices(levers=False).values()]
    if "run" not in request.query_params:
        return defaults, None, None
    out = []
    for prefix, values in zip(("a_", "b_"), given, strict=True):
        try:
            out.append(parse_choices(values))
        except BadChoice as exc:
            return given, None, exc.prefixed(prefix)
    return [c.values() for c in out], out, None


@router.get("/planning/compare")
def compare(
    request: Request,
    user: Principal = Depends(_planner),
    service: PlanningService = Depends(planning_service),
):
    """Two scenarios' forms; with ``run``, their results side by side."""
    values, choices, error = _two(request)
    ctx: dict[str, Any] = {"page_title": "Compare two scenarios", **_about(service), "error": error}
    ctx["forms"] = [_form(v, error, p) for v, p in zip(values, ("a_", "b_"), strict=True)]
    ctx["names"] = NAMES
    if error is not None:
        ctx["page_title"] = "Error: compare two scenarios"
        return render(request, "planning/compare.html", ctx, status_code=400)
    if choices is not None:
        a, b = (service.run_choices(c, n) for c, n in zip(choices, NAMES, strict=True))
        query = {
            f"{p}{k}": v for p, c in zip(("a_", "b_"), choices, strict=True) for k, v in c.values().items()
        }
        ctx.update(results=(a, b), link=urlencode({**query, "run": "1"}))
        ctx["table"] = _sorted(request, views.compare_table(a, b, NAMES))
    return render(request, "planning/compare.html", ctx, status_code=200)


@router.get("/planning/compare/download.csv")
def compare_download(
    request: Request,
    user: Principal = Depends(_planner),
    service: PlanningService = Depends(planning_service),
):
    """The comparison table as CSV."""
    _, choices, error = _two(request)
    if error is not None:
        raise error
    if choices is None:
        raise BadChoice("choose the two scenarios first", field="run")
    a, b = (service.run_choices(c, n) for c, n in zip(choices, NAMES, strict=True))
    return _csv(_sorted(request, views.compare_table(a, b, NAMES)), "planning-compare.csv")
