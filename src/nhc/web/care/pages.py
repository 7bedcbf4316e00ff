"""Pages of the integrated neighbourhood team (server-rendered, NHS.UK frontend). Every route calls
:class:`nhc.care.services.CareService`; the rules live there. Forms carry the app's CSRF token."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from nhc.care import domain as dom
from nhc.care.directory import neighbourhoods
from nhc.care.domain import CareError
from nhc.security.roles import Principal
from nhc.web.care.deps import (
    MAX_RECORD_ID,
    RecordId,
    care,
    neighbourhood,
    page,
    patient_number,
    record_number,
    require_csrf,
)
from nhc.web.deps import current_user

router = APIRouter(prefix="/care", include_in_schema=False)
TEXT = 4000


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _nb_url(nb: str, tail: str = "") -> str:
    return f"/care/{quote(nb, safe='')}{tail}"


def _common(nb: str, active: str) -> dict:
    return {
        "neighbourhood": nb,
        "active": active,
        "roles": dom.ROLE_LABELS,
        "outcomes": dom.OUTCOMES,
        "events": dom.DETERIORATION_EVENTS,
        "skills": sorted(dom.SKILLS),
        "services": dom.SERVICES,
    }


# -------------------------------------------------------------------------------------- caseload


@router.get("")
def home(request: Request, user: Principal = Depends(current_user)):
    mine = sorted(user.neighbourhoods)
    if len(mine) == 1:
        return _see(_nb_url(mine[0]))
    return page(
        request,
        "care/home.html",
        {"mine": mine, "all": sorted(neighbourhoods()), "page_title": "Neighbourhood team"},
    )


def _caseload_page(
    request: Request,
    user: Principal,
    nb: str,
    *,
    error: CareError | None = None,
    form: dict | None = None,
    worklist: str | None = None,
):
    svc = care(request)
    episodes = svc.caseload(user, nb)
    try:
        candidates = svc.worklist_candidates(user, nb, worklist or None, limit=25)
    except CareError:
        raise
    except Exception:  # the lake not being ready must not hide the caseload
        candidates = []
    return page(
        request,
        "care/caseload.html",
        {
            **_common(nb, "caseload"),
            "episodes": episodes,
            "candidates": candidates,
            "error": error,
            "form": form or {},
            "worklist": worklist,
            "page_title": f"Caseload – {nb}",
        },
        status_code=error.http_status if error else 200,
    )


@router.get("/{nb}")
def caseload(request: Request, nb: str, worklist: str | None = None, user: Principal = Depends(current_user)):
    return _caseload_page(request, user, neighbourhood(nb), worklist=worklist)


@router.post("/{nb}/admit")
def admit(
    request: Request,
    nb: str,
    patient_id: str = Form("", max_length=20),
    source: str = Form("worklist", max_length=20),
    worklist: str = Form("", max_length=64),
    reason: str = Form("", max_length=TEXT),
    needs: list[str] = Form([]),
    points: str = Form("", max_length=4),
    referral_id: str = Form("", max_length=20),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    nb = neighbourhood(nb)
    require_csrf(request, csrf_token)
    form = {
        "patient_id": patient_id,
        "source": source,
        "worklist": worklist,
        "reason": reason,
        "needs": needs,
        "points": points,
        "referral_id": referral_id,
    }
    try:
        ep = care(request).admit(
            user,
            patient_number(patient_id),
            source=source,
            worklist=worklist or None,
            reason=reason,
            needs=needs or None,
            points=record_number(points, "workload points"),
            referral_id=record_number(referral_id, "referral id"),
        )
    except CareError as exc:
        return _caseload_page(request, user, nb, error=exc, form=form)
    return _see(f"/care/episodes/{ep.id}")


@router.get("/episodes/{episode_id}")
def episode(request: Request, episode_id: RecordId, user: Principal = Depends(current_user)):
    svc = care(request)
    detail = svc.episode(user, episode_id)
    nb = detail.episode.neighbourhood
    return page(
        request,
        "care/episode.html",
        {
            **_common(nb, "caseload"),
            "d": detail,
            "staff": svc.list_staff(locality=detail.episode.locality),
            "page_title": f"Patient {detail.episode.patient_id} – virtual ward",
        },
    )


@router.post("/episodes/{episode_id}/status")
def change_status(
    request: Request,
    episode_id: RecordId,
    status: str = Form("", max_length=32),
    outcome: str = Form("", max_length=32),
    version: str = Form("", max_length=10),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    require_csrf(request, csrf_token)
    care(request).change_status(
        user,
        episode_id,
        status,
        outcome=outcome or None,
        expected_version=record_number(version, "version"),
    )
    return _see(f"/care/episodes/{episode_id}")


@router.post("/episodes/{episode_id}/review")
def set_review(
    request: Request,
    episode_id: RecordId,
    review_due: str = Form("", max_length=20),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    require_csrf(request, csrf_token)
    care(request).set_review(user, episode_id, review_due)
    return _see(f"/care/episodes/{episode_id}")


@router.post("/episodes/{episode_id}/events")
def record_event(
    request: Request,
    episode_id: RecordId,
    kind: str = Form("", max_length=64),
    occurred_on: str = Form("", max_length=20),
    detail: str = Form("", max_length=TEXT),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    require_csrf(request, csrf_token)
    care(request).record_event(user, episode_id, kind, occurred_on or None, detail)
    return _see(f"/care/episodes/{episode_id}")


# -------------------------------------------------------------------------------- team, allocation


@router.get("/{nb}/team")
def team(request: Request, nb: str, user: Principal = Depends(current_user)):
    nb = neighbourhood(nb)
    return page(
        request,
        "care/team.html",
        {
            **_common(nb, "team"),
            "staff": care(request).list_staff(nb, principal=user),
            "page_title": f"Team – {nb}",
        },
    )


@router.post("/{nb}/absences")
def add_absence(
    request: Request,
    nb: str,
    staff_id: str = Form("", max_length=10),
    starts_on: str = Form("", max_length=20),
    ends_on: str = Form("", max_length=20),
    reason: str = Form("", max_length=200),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    nb = neighbourhood(nb)
    require_csrf(request, csrf_token)
    staff = record_number(staff_id, "staff id")
    if staff is None:
        raise dom.InvalidCareInput("choose who is absent")
    care(request).add_absence(user, staff, starts_on, ends_on, reason)
    return _see(_nb_url(nb, "/team"))


def _allocation_page(request: Request, user: Principal, nb: str, error: CareError | None = None):
    svc = care(request)
    return page(
        request,
        "care/allocation.html",
        {
            **_common(nb, "allocation"),
            "proposal": svc.latest_proposal(user, nb),
            "staff": svc.list_staff(locality=svc.locality_of(nb)),
            "error": error,
            "page_title": f"Allocation – {nb}",
        },
        status_code=error.http_status if error else 200,
    )


@router.get("/{nb}/allocation")
def allocation(request: Request, nb: str, user: Principal = Depends(current_user)):
    return _allocation_page(request, user, neighbourhood(nb))


@router.post("/{nb}/allocation")
def propose(
    request: Request,
    nb: str,
    rebalance: str = Form("", max_length=5),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    nb = neighbourhood(nb)
    require_csrf(request, csrf_token)
    care(request).propose_allocation(user, nb, rebalance=rebalance == "1")
    return _see(_nb_url(nb, "/allocation"))


@router.post("/allocation/{run_id}/accept")
def accept(
    request: Request,
    run_id: RecordId,
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    require_csrf(request, csrf_token)
    svc = care(request)
    try:
        view = svc.accept_allocation(user, run_id)
    except CareError as exc:
        return _allocation_page(request, user, svc.proposal(user, run_id).neighbourhood, exc)
    return _see(_nb_url(view.neighbourhood, "/allocation"))


@router.post("/episodes/{episode_id}/override")
def override(
    request: Request,
    episode_id: RecordId,
    staff_id: str = Form("", max_length=10),
    why: str = Form("", max_length=1000),
    back: str = Form("", max_length=10),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    require_csrf(request, csrf_token)
    svc = care(request)
    try:
        staff = record_number(staff_id, "staff id")
        if staff is None:
            raise dom.InvalidCareInput("choose who should look after this patient")
        ep = svc.override_assignment(user, episode_id, staff, why)
    except CareError as exc:
        if back == "alloc":
            return _allocation_page(request, user, svc.episode(user, episode_id).episode.neighbourhood, exc)
        raise
    if back == "alloc":
        return _see(_nb_url(ep.neighbourhood, "/allocation"))
    return _see(f"/care/episodes/{episode_id}")


# ------------------------------------------------------------------------------------------- MDT


@router.get("/{nb}/mdt")
def meetings(request: Request, nb: str, user: Principal = Depends(current_user)):
    nb = neighbourhood(nb)
    svc = care(request)
    return page(
        request,
        "care/meetings.html",
        {
            **_common(nb, "mdt"),
            "meetings": svc.meetings(user, nb),
            "today": svc.today(),
            "page_title": f"MDT meetings – {nb}",
        },
    )


@router.post("/{nb}/mdt")
def create_meeting(
    request: Request,
    nb: str,
    held_on: str = Form("", max_length=20),
    title: str = Form("", max_length=200),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    nb = neighbourhood(nb)
    require_csrf(request, csrf_token)
    m = care(request).create_meeting(user, nb, held_on, title=title or None)
    return _see(f"/care/mdt/{m.id}")


@router.get("/mdt/{meeting_id}")
def meeting(request: Request, meeting_id: RecordId, user: Principal = Depends(current_user)):
    svc = care(request)
    m = svc.meeting(user, meeting_id)
    return page(
        request,
        "care/meeting.html",
        {
            **_common(m.neighbourhood, "mdt"),
            "m": m,
            "staff": svc.list_staff(m.neighbourhood),
            "page_title": m.title,
        },
    )


@router.post("/mdt/items/{item_id}/decision")
def decision(
    request: Request,
    item_id: RecordId,
    meeting_id: int = Form(..., ge=1, le=MAX_RECORD_ID),
    decision: str = Form("", max_length=TEXT),
    action_title: list[str] = Form([]),
    action_owner: list[str] = Form([]),
    action_due: list[str] = Form([]),
    review_due: str = Form("", max_length=20),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    require_csrf(request, csrf_token)
    actions = [
        {"title": t, "owner_staff_id": record_number(o, "action owner"), "due_on": d or None}
        for t, o, d in zip(action_title[:10], action_owner[:10], action_due[:10], strict=False)
    ]
    care(request).record_decision(user, item_id, decision, actions, review_due=review_due or None)
    return _see(f"/care/mdt/{meeting_id}#item-{item_id}")


# ------------------------------------------------------------------------------------ care plans


def _plan_form(
    request: Request,
    user: Principal,
    episode_id: RecordId,
    *,
    error: CareError | None = None,
    form: dict | None = None,
):
    svc = care(request)
    detail = svc.episode(user, episode_id)
    plan = svc.plan_for_episode(user, episode_id)
    if form is None:
        form = (
            {
                "what_matters": plan.what_matters,
                "goals": "\n".join(plan.goals),
                "actions": list(plan.actions),
                "review_date": plan.review_date.isoformat(),
                "shared": plan.shared_with_patient,
                "version": plan.version,
            }
            if plan
            else {
                "what_matters": "",
                "goals": "",
                "actions": [],
                "review_date": detail.episode.review_due.isoformat(),
                "shared": False,
                "version": "",
            }
        )
    return page(
        request,
        "care/plan_form.html",
        {
            **_common(detail.episode.neighbourhood, "caseload"),
            "d": detail,
            "plan": plan,
            "form": form,
            "error": error,
            "page_title": f"Care plan – patient {detail.episode.patient_id}",
        },
        status_code=error.http_status if error else 200,
    )


@router.get("/episodes/{episode_id}/plan")
def plan_form(request: Request, episode_id: RecordId, user: Principal = Depends(current_user)):
    return _plan_form(request, user, episode_id)


@router.post("/episodes/{episode_id}/plan")
def save_plan(
    request: Request,
    episode_id: RecordId,
    what_matters: str = Form("", max_length=TEXT),
    goals: str = Form("", max_length=TEXT),
    action: list[str] = Form([]),
    owner: list[str] = Form([]),
    due: list[str] = Form([]),
    review_date: str = Form("", max_length=20),
    shared: str = Form("", max_length=5),
    version: str = Form("", max_length=10),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    require_csrf(request, csrf_token)
    actions = [
        {"action": a, "owner": o, "due": d or None}
        for a, o, d in zip(action[:20], owner[:20], due[:20], strict=False)
    ]
    goal_list = [g.strip() for g in goals.splitlines() if g.strip()]
    fields = {
        "what_matters": what_matters,
        "goals": goal_list,
        "actions": actions,
        "review_date": review_date,
        "shared_with_patient": shared == "1",
    }
    svc = care(request)
    try:
        expected = record_number(version, "version")
        if expected is not None:
            plan = svc.plan_for_episode(user, episode_id)
            if plan is None:
                raise dom.NotFoundError(f"episode {episode_id} has no care plan to update")
            svc.update_care_plan(user, plan.id, expected, **fields)
        else:
            svc.create_care_plan(user, episode_id, **fields)
    except CareError as exc:
        form = {
            "what_matters": what_matters,
            "goals": goals,
            "actions": actions,
            "review_date": review_date,
            "shared": shared == "1",
            "version": version,
        }
        return _plan_form(request, user, episode_id, error=exc, form=form)
    return _see(f"/care/episodes/{episode_id}/plan?saved=1")


@router.get("/plans/{plan_id}/versions")
def plan_history(request: Request, plan_id: RecordId, user: Principal = Depends(current_user)):
    svc = care(request)
    plan = svc.care_plan(user, plan_id)
    return page(
        request,
        "care/plan_history.html",
        {
            **_common(plan.neighbourhood, "caseload"),
            "plan": plan,
            "versions": svc.plan_versions(user, plan_id),
            "page_title": f"Care plan {plan_id} – history",
        },
    )


@router.get("/plans/{plan_id}/versions/{version}")
def plan_version(
    request: Request, plan_id: RecordId, version: RecordId, user: Principal = Depends(current_user)
):
    svc = care(request)
    plan = svc.care_plan(user, plan_id)
    v = svc.plan_version(user, plan_id, version)
    return page(
        request,
        "care/plan_version.html",
        {
            **_common(plan.neighbourhood, "caseload"),
            "plan": plan,
            "v": v,
            "page_title": f"Care plan {plan_id} – version {version}",
        },
    )


@router.get("/shared/{token}")
def shared_plan(request: Request, token: str):
    """The patient's own read-only view of a plan shared with them (the link is the secret)."""
    plan = care(request).shared_plan(token)
    return page(request, "care/plan_shared.html", {"plan": plan, "page_title": "My care and support plan"})


# ----------------------------------------------------------------------------------- tasks, board


@router.get("/{nb}/board")
def board(request: Request, nb: str, user: Principal = Depends(current_user)):
    nb = neighbourhood(nb)
    svc = care(request)
    return page(
        request,
        "care/board.html",
        {
            **_common(nb, "board"),
            "board": svc.board(user, nb),
            "staff": svc.list_staff(nb),
            "labels": {**dom.TASK_STATUSES, **dom.REFERRAL_STATUSES},
            "task_statuses": dom.TASK_STATUSES,
            "referral_statuses": dom.REFERRAL_STATUSES,
            "page_title": f"Team board – {nb}",
        },
    )


@router.post("/{nb}/tasks")
def create_task(
    request: Request,
    nb: str,
    title: str = Form("", max_length=300),
    due_on: str = Form("", max_length=20),
    kind: str = Form("task", max_length=16),
    owner_staff_id: str = Form("", max_length=10),
    patient_id: str = Form("", max_length=20),
    detail: str = Form("", max_length=TEXT),
    from_service: str = Form("", max_length=64),
    to_service: str = Form("", max_length=64),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    nb = neighbourhood(nb)
    require_csrf(request, csrf_token)
    care(request).create_task(
        user,
        nb,
        title,
        due_on,
        kind=kind,
        owner_staff_id=record_number(owner_staff_id, "owner"),
        patient_id=patient_number(patient_id) if patient_id.strip() else None,
        detail=detail,
        from_service=from_service or None,
        to_service=to_service or None,
    )
    return _see(_nb_url(nb, "/board"))


@router.post("/tasks/{task_id}/status")
def task_status(
    request: Request,
    task_id: RecordId,
    status: str = Form("", max_length=32),
    version: str = Form("", max_length=10),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    require_csrf(request, csrf_token)
    t = care(request).update_task(user, task_id, status, expected_version=record_number(version, "version"))
    return _see(_nb_url(t.neighbourhood, "/board"))
