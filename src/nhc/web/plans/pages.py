"""The neighbourhood plan pages: ``/plans`` (every neighbourhood, locality and the county),
``/plans/{name}`` (the plan, read by every signed-in role; sortable tables with CSV files),
``/plans/{name}.pdf`` (the printed plan), and for a neighbourhood's lead ``/plans/{name}/priorities``
(the form that agrees a new version of the priorities: no JavaScript needed, an error summary
naming the field) with the versions agreed before (``/plans/{name}/versions/{n}``).

The routes only translate: the plan is :meth:`nhc.plans.services.PlansService.build`'s, built with
the outcomes report the ``/outcomes`` pages use (:func:`nhc.web.outcomes.report_cache`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from nhc.insights.service import NotFound
from nhc.outcomes.report import OutcomesReport
from nhc.plans.domain import LIMITS, MAX_ROWS, STATUS_LABELS, BadPriority, PlanError, Priority
from nhc.plans.plan import NeighbourhoodPlan
from nhc.plans.services import PlansService
from nhc.security.roles import Principal
from nhc.security.service import AccessDenied
from nhc.vocab import WHAT_PEOPLE_VALUE
from nhc.web.deps import check_csrf, current_user, render
from nhc.web.outcomes import report_cache
from nhc.web.plans.render import csv_rows, pdf_bytes
from nhc.web.routers.downloads import csv_response
from nhc.web.tables import Col, by, table

router = APIRouter(include_in_schema=False)
#: Blank rows the form offers below the agreed ones (a lead adds more by saving and editing again).
BLANK_ROWS = 3


def plans_service(request: Request) -> PlansService:
    return request.app.state.plans


def _outcomes(request: Request):
    """The ``/outcomes`` pages' report, shared with the plans (built once per lake version)."""

    def report(as_of: dt.date) -> OutcomesReport:
        return report_cache(request).get().report

    return report


def build(request: Request, name: str) -> NeighbourhoodPlan:
    svc = plans_service(request)
    return svc.build(svc.scope(name), outcomes=_outcomes(request))


def _as_of(plan: NeighbourhoodPlan) -> dict[str, Any] | None:
    return {"kind": "analytics", "date": plan.as_of} if plan.as_of else None


@router.get("/plans")
def index(request: Request, user: Principal = Depends(current_user)):
    """Every neighbourhood by locality, with its plan, PDF and current priorities' version."""
    svc = plans_service(request)
    neighbourhoods = svc.neighbourhoods()
    localities: dict[str, list[str]] = {}
    for nb, loc in neighbourhoods.items():
        localities.setdefault(loc, []).append(nb)
    versions = {nb: svc.current(nb) for nb in neighbourhoods}
    return render(
        request,
        "plans/index.html",
        {
            "localities": dict(sorted(localities.items())),
            "versions": versions,
            "county": "Oxfordshire",
            "as_of": svc.as_of(),
            "data_as_of": {"kind": "analytics", "date": svc.as_of()} if svc.as_of() else None,
            "page_title": "Neighbourhood health plans",
        },
    )


@router.get("/plans/{name}.pdf")
def plan_pdf(request: Request, name: str, user: Principal = Depends(current_user)):
    """The plan as a PDF (print CSS, page numbers, contents, charts as SVG)."""
    plan = build(request, name)
    filename = f"neighbourhood-plan-{plan.scope.slug}.pdf"
    return Response(
        pdf_bytes(plan),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@router.get("/plans/{name}/tables/{table_id}.csv")
def plan_csv(request: Request, name: str, table_id: str, user: Principal = Depends(current_user)):
    plan = build(request, name)
    try:
        t = plan.table(table_id)
    except KeyError:
        raise NotFound(f"the plan has no table {table_id[:40]!r}") from None
    columns = [(k, heading) for k, heading, _ in t.columns]
    as_of = plan.as_of.isoformat() if plan.as_of else ""
    return csv_response(f"plan-{plan.scope.slug}-{t.id}", columns, csv_rows(t), as_of)


@router.get("/plans/{name}")
def plan_page(request: Request, name: str, user: Principal = Depends(current_user)):
    """The plan: contents, sections, sortable tables with CSV files, the priorities' versions."""
    svc = plans_service(request)
    plan = build(request, name)
    path = f"/plans/{quote(name)}"
    sorts = {
        t.id: table(
            request.query_params,
            list(t.rows),
            [Col(k, by(k)) for k, _, _ in t.columns],
            path=path,
            name=t.id,
            anchor=t.id,
        )
        for s in plan.sections
        for t in s.tables
    }
    is_nb = plan.scope.kind == "neighbourhood"
    return render(
        request,
        "plans/plan.html",
        {
            "plan": plan,
            "sorts": sorts,
            "csv": f"{path}/tables/",
            "path": path,
            "can_edit": is_nb and svc.can_edit(user, name),
            "history": svc.history(name) if is_nb else [],
            "data_as_of": _as_of(plan),
            "page_title": f"Neighbourhood health plan: {plan.scope.title}",
        },
    )


@router.get("/plans/{name}/versions/{number}")
def version_page(request: Request, name: str, number: int, user: Principal = Depends(current_user)):
    """An agreed version of a neighbourhood's priorities (earlier versions stay readable)."""
    svc = plans_service(request)
    svc.insights.check_neighbourhood(name)
    return render(
        request,
        "plans/version.html",
        {
            "name": name,
            "version": svc.version(name, number),
            "newest": svc.history(name)[0].number,
            "data_as_of": {"kind": "operational", "at": svc.clock()},
            "page_title": f"{name} priorities, version {number}",
        },
    )


def _require_lead(request: Request, user: Principal, name: str) -> PlansService:
    svc = plans_service(request)
    svc.insights.check_neighbourhood(name)
    if not svc.can_edit(user, name):
        raise AccessDenied(f"Only the {name} neighbourhood lead can change its priorities.")
    return svc


def _form_rows(rows: list[Priority]) -> list[dict[str, Any]]:
    out = [
        {
            "activity": p.activity,
            "what": p.what,
            "how": p.how,
            "when": p.when,
            "owner": p.owner,
            "status": p.status.value,
            "themes": list(p.themes),
        }
        for p in rows
    ]
    blank = {k: "" for k in LIMITS} | {"status": "planned", "themes": []}
    return out + [dict(blank) for _ in range(BLANK_ROWS)]


def _edit(request: Request, name: str, rows: list[dict[str, Any]], note: str, error=None, status: int = 200):
    svc = plans_service(request)
    return render(
        request,
        "plans/edit.html",
        {
            "name": name,
            "rows": rows,
            "note": note,
            "error": error,
            "statuses": STATUS_LABELS,
            "themes": WHAT_PEOPLE_VALUE,
            "history": svc.history(name),
            "data_as_of": {"kind": "operational", "at": svc.clock()},
            "page_title": f"Agree the {name} priorities",
        },
        status_code=status,
    )


@router.get("/plans/{name}/priorities")
def edit_page(request: Request, name: str, user: Principal = Depends(current_user)):
    svc = _require_lead(request, user, name)
    current = svc.current(name)
    return _edit(request, name, _form_rows(list(current.rows) if current else []), "")


def parse_rows(form: Any) -> tuple[list[dict[str, Any]], list[Priority]]:
    """The form's rows as typed (to show again) and as priorities; a row left wholly blank is
    dropped. Raises :class:`BadPriority` naming the first wrong field."""
    try:
        count = max(0, min(int(str(form.get("row_count") or 0)), MAX_ROWS + BLANK_ROWS))
    except ValueError:
        count = 0
    typed, rows = [], []
    for i in range(count):
        fields: dict[str, Any] = {k: str(form.get(f"rows-{i}-{k}") or "") for k in LIMITS}
        fields["status"] = str(form.get(f"rows-{i}-status") or "planned")
        fields["themes"] = [str(t) for t in form.getlist(f"rows-{i}-themes")][:20]
        typed.append(fields)
    for i, fields in enumerate(typed):
        if any(fields[k].strip() for k in LIMITS):
            rows.append(Priority.parse(i, fields))
    return typed, rows


@router.post("/plans/{name}/priorities")
async def agree(request: Request, name: str, user: Principal = Depends(current_user)):
    """Agree a new version: the lead's rows, checked, stored with who and when (audited)."""
    svc = _require_lead(request, user, name)
    form = await request.form()
    note = str(form.get("note") or "")[:2000]
    typed: list[dict[str, Any]] = []
    try:
        typed, rows = parse_rows(form)
        if not check_csrf(request, str(form.get("csrf_token") or "")):
            raise BadPriority("rows-0-activity", "The form expired: check your changes and agree them again")
        svc.agree(user, name, rows, note)
    except BadPriority as exc:
        return _edit(
            request, name, typed or _form_rows([]), note, {"field": exc.field, "text": exc.message}, 400
        )
    except PlanError as exc:
        return _edit(request, name, typed, note, {"field": "note", "text": exc.message}, 400)
    return RedirectResponse(f"/plans/{quote(name)}#priorities", status_code=303)
