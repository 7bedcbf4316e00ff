"""The visiting service's day plan (``/access/visits``) for its coordinator.

* ``GET /access/visits`` -- the plan for a day (NHS.UK date input; today by default): a route per
  clinician with its stops in order, each with the time window, the times and the reason; the
  visits no one could take and why; the day's stored requests (the person shown only when the
  access decision allows it, each decision audited); a form to add a request and one to re-plan.
* ``POST /access/visits/requests`` -- store a request (the use case decides and audits); errors
  re-show the page with an error summary and the form as typed.
* ``POST /access/visits/replan`` -- plan the day again from a time: stops started by then stay.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse

from nhc.access.domain import AccessAreaError
from nhc.access.domain.visit_requests import (
    DAY_END,
    DAY_START,
    DURATIONS,
    PRIORITY_LABELS,
    SKILL_LABELS,
    parse_hhmm,
)
from nhc.access.domain.visits import Priority, Skill, hhmm
from nhc.access.services.visiting import Board, RequestForm, centres
from nhc.security.roles import Principal
from nhc.security.service import AccessDenied
from nhc.web.appointments.pages.common import (
    EXPIRED,
    FormError,
    NotNamed,
    clinical_user,
    csrf_ok,
    day_values,
    form_error,
    form_values,
    page,
    parse_day,
    patient_named,
    person,
    service,
)
from nhc.web.appointments.pages.route_map import colour, route_map

router = APIRouter(prefix="/access", include_in_schema=False)
SOURCE_LABELS = {
    "virtual ward": "Virtual ward",
    "housebound": "Housebound",
    "frail": "Frailty",
    "new request": "New request",
}


def _times(step: int) -> list[str]:
    return [hhmm(m) for m in range(DAY_START, DAY_END + 1, step)]


def _who(request: Request, board: Board, stored: list) -> dict[str, dict[str, Any]]:
    """What each visit of the day is, for the page: stored requests name their person (when the
    decision allowed it) and reason; the synthetic day's visits say where they came from."""
    out: dict[str, dict[str, Any]] = {}
    for v in board.visits:
        out[v.id] = {"visit": v, "label": SOURCE_LABELS.get(v.source, v.source), "person": None, "reason": ""}
    for visit, allowed in stored:
        row = out.setdefault(visit.visit_id, {"visit": visit.as_visit_request(), "label": "New request"})
        row["person"] = person(request, visit.patient_id) if allowed else False
        row["reason"] = visit.reason
    return out


def _plan_context(request: Request, user: Principal, day: dt.date) -> dict[str, Any]:
    """What the day plan and a run sheet show: the plan, who each visit is for, names and colours."""
    visiting = service(request).visiting
    board = visiting.board(day)
    stored = visiting.requests(day, user)
    return {
        "day": day,
        "board": board,
        "stored": stored,
        "visits": _who(request, board, stored),
        "names": {c.id: c.name for c in board.clinicians},
        "skills_of": {c.id: ", ".join(SKILL_LABELS[s] for s in sorted(c.skills)) for c in board.clinicians},
        "colours": {c.id: colour(i) for i, c in enumerate(board.clinicians)},
        "hhmm": hhmm,
        "day_query": urlencode(day_values(day)),
        "skill_labels": SKILL_LABELS,
        "priority_labels": PRIORITY_LABELS,
    }


def _day_page(
    request: Request,
    user: Principal,
    day: dt.date,
    values: dict[str, str] | None = None,
    error: FormError | None = None,
    status: int = 200,
):
    ctx = _plan_context(request, user, day)
    board: Board = ctx["board"]
    visiting = service(request).visiting
    ctx |= {
        "page_title": "Home visits day plan",
        "summary": board.plan.summary(board.visits),
        "route_map": route_map(board.plan, board.visits, board.clinicians, centres(visiting.shape.locality)),
        "waiting": [v for v, _ in ctx["stored"] if v.visit_id not in board.included],
        "neighbourhoods": visiting.neighbourhoods(),
        "skills": list(SKILL_LABELS.items()),
        "priorities": list(PRIORITY_LABELS.items()),
        "durations": DURATIONS,
        "window_times": _times(30),
        "replan_times": _times(15),
        "values": {
            **day_values(day),
            "window_start": "09:00",
            "window_end": "17:00",
            "duration": "30",
            **(values or {}),
        },
        "error": error,
    }
    return page(request, "access/visits.html", ctx, status_code=status)


@router.get("/visits")
def day_plan(request: Request, user: Principal = Depends(clinical_user)):
    values = {k: v.strip()[:20] for k, v in request.query_params.items()}
    day, error = parse_day(values, service(request).clock().date())
    return _day_page(request, user, day, values if error else None, error, 400 if error else 200)


def _request_form(request: Request, values: dict[str, str], day: dt.date) -> RequestForm:
    """The add-request form as typed values; raises :class:`FormError` for a value not offered."""
    try:
        patient_id = patient_named(request, values)
    except NotNamed as exc:
        raise _Invalid(exc.error, exc.status) from None
    if values.get("skill") not in set(Skill):
        raise _Invalid(FormError("skill", "Choose who needs to visit"))
    if values.get("priority") not in set(Priority):
        raise _Invalid(FormError("priority", "Choose how urgent the visit is"))
    duration = values.get("duration", "")
    return RequestForm(
        visit_date=day,
        patient_id=patient_id,
        neighbourhood=values.get("neighbourhood", ""),
        window_start=parse_hhmm(values.get("window_start", ""), "window_start"),
        window_end=parse_hhmm(values.get("window_end", ""), "window_end"),
        duration=int(duration) if duration.isdigit() else 0,
        skill=Skill(values["skill"]),
        priority=Priority(values["priority"]),
        reason=values.get("reason", ""),
    )


class _Invalid(Exception):
    def __init__(self, error: FormError, status: int = 400) -> None:
        self.error, self.status = error, status


@router.get("/visits/run-sheet")
def run_sheet(request: Request, user: Principal = Depends(clinical_user)):
    """One clinician's stops for the day on a page of their own, to print or take out."""
    values = {k: v.strip()[:20] for k, v in request.query_params.items()}
    day, error = parse_day(values, service(request).clock().date())
    if error:
        return _day_page(request, user, day, values, error, 400)
    ctx = _plan_context(request, user, day)
    route = next((r for r in ctx["board"].plan.routes if r.clinician_id == values.get("clinician")), None)
    if route is None:
        raise HTTPException(404, "There is no clinician with that id in this day's plan.")
    ctx |= {"page_title": f"Run sheet: {ctx['names'][route.clinician_id]}", "route": route}
    return page(request, "access/run_sheet.html", ctx)


@router.post("/visits/requests")
async def add_request(request: Request, user: Principal = Depends(clinical_user)):
    """Store a home-visit request for the chosen day; the plan says it is waiting to be planned."""
    values = await form_values(request)
    day, error = parse_day(values, service(request).clock().date())
    if not csrf_ok(request, values.get("csrf_token")):
        error = EXPIRED
    if error:
        return _day_page(request, user, day, values, error, 400)
    try:
        service(request).visiting.add(_request_form(request, values, day), user)
    except _Invalid as exc:
        return _day_page(request, user, day, values, exc.error, exc.status)
    except (AccessAreaError, AccessDenied) as exc:
        status = exc.http_status if isinstance(exc, AccessAreaError) else 403
        return _day_page(request, user, day, values, form_error(exc, "reason"), status)
    return RedirectResponse(f"/access/visits?{urlencode(day_values(day))}#requests", status_code=303)


@router.post("/visits/replan")
async def replan(request: Request, user: Principal = Depends(clinical_user)):
    """Plan the day again from the chosen time (stops started by then stay as they are)."""
    values = await form_values(request)
    day, error = parse_day(values, service(request).clock().date())
    if not csrf_ok(request, values.get("csrf_token")):
        error = EXPIRED
    at = None
    if not error and values.get("from"):
        try:
            at = parse_hhmm(values["from"], "from")
        except AccessAreaError as exc:
            error = form_error(exc)
    if error:
        return _day_page(request, user, day, values, error, 400)
    service(request).visiting.replan(day, at)
    return RedirectResponse(f"/access/visits?{urlencode(day_values(day))}", status_code=303)
