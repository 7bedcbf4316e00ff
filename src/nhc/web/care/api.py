"""The care JSON API (``/api/care``): the same service calls and permission checks as the pages.

Writes need the session's CSRF token in the ``X-CSRF-Token`` header (``GET /api/care/csrf``).
Errors are problem documents: 404 unknown ids or patients, 409 stale versions, over capacity or a
missing skill, 422 bad values, 403 refused access.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from nhc.identifiers import MAX_ID
from nhc.security.roles import Principal
from nhc.web.care.deps import MAX_RECORD_ID, RecordId, care, neighbourhood, require_api_csrf
from nhc.web.deps import csrf_token, current_user

router = APIRouter(prefix="/api/care", tags=["care"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed parameter or missing CSRF token"},
    401: {"description": "Not signed in"},
    403: {"description": "Role or relationship does not allow this"},
    404: {"description": "Unknown id or patient"},
    409: {"description": "Stale version, over capacity, missing skill, or already decided"},
    422: {"description": "Bad value"},
}
NB = Path(..., max_length=200, description="Neighbourhood name")


def _out(view: Any) -> Any:
    if isinstance(view, list):
        return [_out(v) for v in view]
    if isinstance(view, dict):
        return {k: _out(v) for k, v in view.items()}
    return dataclasses.asdict(view) if dataclasses.is_dataclass(view) else view


class Admission(BaseModel):
    # Numbers are bounded like the path ids: a patient id fits a 64-bit column, care record ids and
    # versions a 32-bit one; a larger number is refused here, not overflowed in the database.
    patient_id: int = Field(..., ge=0, le=MAX_ID)
    source: str = Field("worklist", max_length=20)
    worklist: str | None = Field(None, max_length=64)
    reason: str | None = Field(None, max_length=4000)
    needs: list[str] | None = Field(None, max_length=10)
    points: int | None = Field(None, ge=0, le=MAX_RECORD_ID)
    referral_id: int | None = Field(None, ge=1, le=MAX_RECORD_ID)


class Override(BaseModel):
    staff_id: int = Field(..., ge=1, le=MAX_RECORD_ID)
    why: str = Field(..., max_length=1000)


class PlanAction(BaseModel):
    action: str = Field(..., max_length=500)
    owner: str = Field(..., max_length=200)
    due: str | None = Field(None, max_length=20)


class PlanBody(BaseModel):
    what_matters: str = Field(..., max_length=4000)
    goals: list[str] = Field(..., max_length=20)
    actions: list[PlanAction] = Field(default_factory=list, max_length=20)
    review_date: str = Field(..., max_length=20)
    shared_with_patient: bool = False
    version: int | None = Field(
        None, ge=1, le=MAX_RECORD_ID, description="The version you edited (required to update)"
    )


class TaskStatus(BaseModel):
    status: str = Field(..., max_length=32)
    version: int | None = Field(None, ge=1, le=MAX_RECORD_ID)


@router.get("/csrf", summary="The CSRF token to send as X-CSRF-Token with writes")
def csrf(request: Request, user: Principal = Depends(current_user)) -> dict[str, str]:
    return {"csrf_token": csrf_token(request)}


@router.get("/{nb}/caseload", responses=ERRORS, summary="PERSON-LEVEL: open virtual-ward episodes (audited)")
def caseload(request: Request, nb: str = NB, status: str = "open", user: Principal = Depends(current_user)):
    return _out(care(request).caseload(user, neighbourhood(nb), status=status))


@router.post("/{nb}/admissions", responses=ERRORS, status_code=201, summary="Admit to the virtual ward")
def admit(request: Request, body: Admission, nb: str = NB, user: Principal = Depends(current_user)):
    require_api_csrf(request)
    neighbourhood(nb)
    return _out(
        care(request).admit(
            user,
            body.patient_id,
            source=body.source,
            worklist=body.worklist,
            reason=body.reason,
            needs=body.needs,
            points=body.points,
            referral_id=body.referral_id,
        )
    )


@router.get("/episodes/{episode_id}", responses=ERRORS, summary="PERSON-LEVEL: one episode with its history")
def episode(request: Request, episode_id: RecordId, user: Principal = Depends(current_user)):
    return _out(care(request).episode(user, episode_id))


@router.get("/{nb}/staff", responses=ERRORS, summary="The team: roles, skills, capacity, load, absence")
def staff(request: Request, nb: str = NB, user: Principal = Depends(current_user)):
    return _out(care(request).list_staff(neighbourhood(nb), principal=user))


@router.post("/{nb}/allocations", responses=ERRORS, status_code=201, summary="Propose an allocation")
def propose(request: Request, nb: str = NB, rebalance: bool = False, user: Principal = Depends(current_user)):
    require_api_csrf(request)
    return _out(care(request).propose_allocation(user, neighbourhood(nb), rebalance=rebalance))


@router.get("/allocations/{run_id}", responses=ERRORS, summary="An allocation proposal")
def proposal(request: Request, run_id: RecordId, user: Principal = Depends(current_user)):
    return _out(care(request).proposal(user, run_id))


@router.post("/allocations/{run_id}/accept", responses=ERRORS, summary="Accept a proposal (all or nothing)")
def accept(request: Request, run_id: RecordId, user: Principal = Depends(current_user)):
    require_api_csrf(request)
    return _out(care(request).accept_allocation(user, run_id))


@router.put("/episodes/{episode_id}/assignment", responses=ERRORS, summary="Override one assignment")
def override(request: Request, episode_id: RecordId, body: Override, user: Principal = Depends(current_user)):
    require_api_csrf(request)
    return _out(care(request).override_assignment(user, episode_id, body.staff_id, body.why))


@router.post("/episodes/{episode_id}/plan", responses=ERRORS, status_code=201, summary="Create the care plan")
def create_plan(
    request: Request, episode_id: RecordId, body: PlanBody, user: Principal = Depends(current_user)
):
    require_api_csrf(request)
    return _out(
        care(request).create_care_plan(
            user,
            episode_id,
            what_matters=body.what_matters,
            goals=body.goals,
            actions=[a.model_dump() for a in body.actions],
            review_date=body.review_date,
            shared_with_patient=body.shared_with_patient,
        )
    )


@router.get("/plans/{plan_id}", responses=ERRORS, summary="PERSON-LEVEL: the current care plan")
def get_plan(request: Request, plan_id: RecordId, user: Principal = Depends(current_user)):
    return _out(care(request).care_plan(user, plan_id))


@router.put("/plans/{plan_id}", responses=ERRORS, summary="Save a new version (409 if someone saved first)")
def update_plan(request: Request, plan_id: RecordId, body: PlanBody, user: Principal = Depends(current_user)):
    require_api_csrf(request)
    return _out(
        care(request).update_care_plan(
            user,
            plan_id,
            body.version,
            what_matters=body.what_matters,
            goals=body.goals,
            actions=[a.model_dump() for a in body.actions],
            review_date=body.review_date,
            shared_with_patient=body.shared_with_patient,
        )
    )


@router.get("/plans/{plan_id}/versions", responses=ERRORS, summary="PERSON-LEVEL: every saved version")
def plan_versions(request: Request, plan_id: RecordId, user: Principal = Depends(current_user)):
    return _out(care(request).plan_versions(user, plan_id))


@router.get("/{nb}/board", responses=ERRORS, summary="Tasks and referrals grouped by status")
def board(request: Request, nb: str = NB, user: Principal = Depends(current_user)):
    return _out(care(request).board(user, neighbourhood(nb)))


@router.post("/tasks/{task_id}/status", responses=ERRORS, summary="Move a task or referral on")
def task_status(
    request: Request, task_id: RecordId, body: TaskStatus, user: Principal = Depends(current_user)
):
    require_api_csrf(request)
    return _out(care(request).update_task(user, task_id, body.status, expected_version=body.version))
