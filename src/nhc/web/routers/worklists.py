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
from nhc.web.deps import check_csrf, client_ip, current_user, insights, plain_label, render
from nhc.web.tables import Col, by, table

router = APIRouter(include_in_schema=False)


@router.get("/worklists")
def worklists(request: Request, user: Principal = Depends(current_user)):
    svc = insights(request)
    defs = svc.worklist_definitions()
    rows = svc.worklist_counts()
    cols = [Col("neighbourhood", by("neighbourhood"))]
    cols += [Col(name, lambda r, name=name: r["counts"][name]) for name in defs]
    return render(
        request,
        "worklists.html",
        {
            "table": table(request.query_params, rows, cols, path="/worklists"),
            "defs": defs,
            "page_title": "Worklists",
        },
    )


PAGE = 100


def short_title(name: str) -> str:
    """A worklist's short name from its key ("Frailty no care plan", "High admission risk"), for
    a column where the full title would wrap every row."""
    return plain_label(name).replace("hba1c", "HbA1c")


def person_columns(on_caseload: dict[int, Any]) -> list[Col]:
    """How the people on a worklist can be sorted (rank within the list is the list's own order)."""
    return [
        Col("worklist", by("worklist")),
        Col("rank", by("rank")),
        Col("person", lambda r: f"{r.get('family_name') or ''} {r.get('given_name') or ''}".strip() or None),
        Col("age", by("age")),
        Col("practice", by("practice_code")),
        Col("png", by("png")),
        Col("caseload", lambda r: r["patient_id"] in on_caseload),
    ]


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
    # every row, so that the list sorts as a whole; only the page shown is read out (and audited)
    everyone = svc.worklist_page(neighbourhood, worklist or None, 5000, 0)[0] if can_see else []
    # Who is already looked after: their open episode, so the list links to it (team members only).
    on_caseload = request.app.state.care.on_caseload(user, neighbourhood) if everyone else {}
    t = table(
        request.query_params,
        everyone,
        person_columns(on_caseload),
        path=f"/worklists/{neighbourhood}",
        keep={"worklist": worklist or ""},
        paginate=True,
        page_size=PAGE,
    )
    sec.audit_list_view(
        user,
        neighbourhood,
        f"worklist:{neighbourhood}:{worklist or 'all'}:page{t.page}",
        client_ip(request),
        len(t.rows),
    )
    defs = svc.worklist_definitions()
    return render(
        request,
        "worklist.html",
        {
            "neighbourhood": neighbourhood,
            "worklist": worklist or None,
            "table": t,
            "rows": t.rows,
            "on_caseload": on_caseload,
            "total": t.count,
            "page": t.page,
            "pages": t.pages,
            "defs": defs,
            "short": {name: short_title(name) for name in defs},
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
    break-glass may open the episode only. Every clinical role may refer them to social prescribing
    (the same access decision as this page, taken again on the referral form)."""
    if not user.is_clinical:
        return {}
    team = neighbourhood in user.neighbourhoods
    episode_id = request.app.state.care.open_episode(user, patient_id)
    return {
        "neighbourhood": neighbourhood,
        "episode_id": episode_id,
        "can_admit": team and episode_id is None,
        "can_plan": team and episode_id is not None,
        "can_refer_sp": True,
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
