"""Worklists (case-finding lists for a neighbourhood) and the patient page, with break-glass."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse

from nhc.errors import NhcError
from nhc.identifiers import parse_patient_id
from nhc.insights.service import NotFound
from nhc.security.roles import Principal
from nhc.security.service import AccessDenied
from nhc.web.access import patient_access
from nhc.web.deps import check_csrf, client_ip, current_user, insights, render

router = APIRouter(include_in_schema=False)


@router.get("/worklists")
def worklists(request: Request, user: Principal = Depends(current_user)):
    svc = insights(request)
    return render(
        request,
        "worklists.html",
        {"rows": svc.worklist_counts(), "defs": svc.worklist_definitions(), "page_title": "Worklists"},
    )


PAGE = 100


@router.get("/worklists/{neighbourhood}")
def worklist(
    request: Request,
    neighbourhood: str,
    worklist: str | None = None,
    page: int = Query(1, ge=1, le=10_000),
    user: Principal = Depends(current_user),
):
    svc = insights(request)
    svc.check_neighbourhood(neighbourhood)
    svc.check_worklist(worklist or None)
    sec = request.app.state.security
    can_see = sec.can_view_neighbourhood_people(user, neighbourhood)
    rows, total = (
        svc.worklist_page(neighbourhood, worklist or None, PAGE, (page - 1) * PAGE) if can_see else ([], 0)
    )
    sec.audit_list_view(
        user,
        neighbourhood,
        f"worklist:{neighbourhood}:{worklist or 'all'}:page{page}",
        client_ip(request),
        len(rows),
    )
    # Who is already looked after: their open episode, so the list links to it (team members only).
    on_caseload = request.app.state.care.on_caseload(user, neighbourhood) if can_see and rows else {}
    return render(
        request,
        "worklist.html",
        {
            "neighbourhood": neighbourhood,
            "worklist": worklist or None,
            "rows": rows,
            "on_caseload": on_caseload,
            "total": total,
            "page": page,
            "pages": max(1, (total + PAGE - 1) // PAGE),
            "defs": svc.worklist_definitions(),
            "page_title": f"Worklists for {neighbourhood}",
        },
    )


def _patient_id(value: str) -> int:
    return parse_patient_id(value)


@router.get("/patients/{patient_id}")
def patient(request: Request, patient_id: str, user: Principal = Depends(current_user)):
    pid = _patient_id(patient_id)
    svc = insights(request)
    try:  # the one decision, on the id that will be read, audited with it
        decision = patient_access(request).authorise(
            user, frozenset({pid}), action="view_patient", resource=f"patient:{pid}", ip=client_ip(request)
        )[pid]
    except AccessDenied as exc:
        if not user.is_clinical:
            raise
        return render(
            request,
            "patient_denied.html",
            {
                "patient_id": pid,
                "message": exc.message,
                "can_break_glass": exc.can_break_glass,
                "page_title": "Access refused",
            },
            status_code=403,
        )
    nb = svc.patient_neighbourhood(pid)
    if nb is None:
        raise NotFound(f"there is no person with id {pid}")
    found = svc.patient(pid)
    person = found["person"]
    name = " ".join(p for p in (person.get("given_name"), person.get("family_name")) if p) or f"Patient {pid}"
    return render(
        request,
        "patient.html",
        {
            **found,
            "basis": decision.basis,
            "actions": care_actions(request, user, pid, nb),
            "page_title": name,
        },
    )


def care_actions(request: Request, user: Principal, patient_id: int, neighbourhood: str) -> dict[str, Any]:
    """What the user's role can do for this person from their page (nothing is offered that would
    end on a refusal): their neighbourhood team's clinical members admit them to the caseload, or,
    once admitted, open the episode and its care plan; cover with a caseload relationship or
    break-glass may open the episode only."""
    if not user.is_clinical:
        return {}
    team = neighbourhood in user.neighbourhoods
    episode_id = request.app.state.care.open_episode(user, patient_id)
    return {
        "neighbourhood": neighbourhood,
        "episode_id": episode_id,
        "can_admit": team and episode_id is None,
        "can_plan": team and episode_id is not None,
    }


@router.post("/patients/{patient_id}/break-glass")
def break_glass(
    request: Request,
    patient_id: str,
    reason: str = Form("", max_length=4000),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    pid = _patient_id(patient_id)
    if not (csrf_token.isascii() and check_csrf(request, csrf_token)):  # non-ASCII: simply wrong
        return render(
            request,
            "error.html",
            {"status": 400, "title": "Bad request", "detail": "Your form expired. Go back and try again."},
            status_code=400,
        )
    exists = insights(request).patient_neighbourhood(pid) is not None
    try:
        request.app.state.security.break_glass(user, pid, reason, client_ip(request), patient_exists=exists)
    except AccessDenied:
        raise
    except NhcError as exc:
        return render(
            request,
            "patient_denied.html",
            {
                "patient_id": pid,
                "message": "You do not have a legitimate relationship with this person.",
                "can_break_glass": user.can_break_glass,
                "error": exc.message,
                "reason": reason,
                "page_title": "Access refused",
            },
            status_code=400,
        )
    return RedirectResponse(f"/patients/{pid}", status_code=303)
