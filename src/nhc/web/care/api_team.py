"""Team set-up in the care JSON API (``/api/care``): add and change staff, record and list absences.
The same use cases and permission checks as the team pages; writes need the ``X-CSRF-Token`` header."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from nhc.care import domain as dom
from nhc.security.roles import Principal
from nhc.web.care.api import ERRORS, NB, _out
from nhc.web.care.deps import MAX_RECORD_ID, RecordId, care, neighbourhood, require_api_csrf
from nhc.web.deps import current_user

router = APIRouter(prefix="/api/care", tags=["care"])


# Values are checked by the care domain (422 with its message); the bounds here only keep a number
# inside the database column's range.
class Pattern(BaseModel):
    """The days worked (``Mon``..``Sun``) and, optionally, the hours (``09:00``, both or neither)."""

    days: list[str] = Field(..., max_length=7)
    starts: str | None = Field(None, max_length=10)
    ends: str | None = Field(None, max_length=10)

    def pattern(self) -> dom.WorkingPattern:
        return dom.working_pattern(self.days, self.starts or "", self.ends or "")


class NewStaff(Pattern):
    name: str = Field(..., max_length=200)
    role: str = Field(..., max_length=64)
    skills: list[str] | None = Field(None, max_length=20, description="Default: the role's usual skills")
    capacity: int = Field(..., ge=0, le=MAX_RECORD_ID, description="Caseload points a week, 1-200")


class StaffChange(Pattern):
    skills: list[str] = Field(..., max_length=20)
    capacity: int = Field(..., ge=0, le=MAX_RECORD_ID)


class NewAbsence(BaseModel):
    starts_on: str = Field(..., max_length=20, description="First day away: 2026-12-31 or 31/12/2026")
    ends_on: str = Field(..., max_length=20, description="Last day away, not before the first")
    reason: str = Field("", max_length=200)


@router.post("/{nb}/staff", responses=ERRORS, status_code=201, summary="Add a staff member (lead or admin)")
def add_staff(request: Request, body: NewStaff, nb: str = NB, user: Principal = Depends(current_user)):
    require_api_csrf(request)
    view = care(request).add_staff(
        user, body.name, body.role, neighbourhood(nb), skills=body.skills,
        capacity=body.capacity, working_pattern=body.pattern(),
    )  # fmt: skip
    return _out(view)


@router.put("/staff/{staff_id}", responses=ERRORS, summary="Change skills, capacity, working pattern")
def change_staff(
    request: Request, staff_id: RecordId, body: StaffChange, user: Principal = Depends(current_user)
):
    require_api_csrf(request)
    view = care(request).update_staff(
        user, staff_id, skills=body.skills, capacity=body.capacity, working_pattern=body.pattern()
    )
    return _out(view)


@router.post("/staff/{staff_id}/absences", responses=ERRORS, status_code=201, summary="Record an absence")
def add_absence(
    request: Request, staff_id: RecordId, body: NewAbsence, user: Principal = Depends(current_user)
):
    require_api_csrf(request)
    return _out(care(request).add_absence(user, staff_id, body.starts_on, body.ends_on, body.reason))


@router.get("/{nb}/absences", responses=ERRORS, summary="The team's absences now and to come")
def absences(request: Request, nb: str = NB, user: Principal = Depends(current_user)):
    return _out(care(request).absences(user, neighbourhood(nb)))
