"""Team set-up in the browser: add a staff member, and change one's skills, capacity and working pattern
(the neighbourhood's lead or an administrator; :func:`nhc.care.services.staff.add_staff` and
:func:`~nhc.care.services.staff.update_staff` hold the rules and the audit)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request

from nhc.care import domain as dom
from nhc.care.domain import CareError
from nhc.care.services import StaffView
from nhc.security.roles import Principal
from nhc.security.service import AccessDenied
from nhc.web.care.deps import RecordId, care, neighbourhood, page, require_csrf
from nhc.web.care.pages.common import common, nb_url, see
from nhc.web.care.pages.forms import error_field
from nhc.web.deps import current_user

router = APIRouter(prefix="/care", include_in_schema=False)

#: Words of a care error's message → the box of the staff form it is about (first match wins).
STAFF_FIELDS = {
    "already on the": "name",
    "team role": "role",
    "skill": "skills",
    "capacity": "capacity",
    "finish time": "ends",
    "start time": "starts",
    "day": "days",
    "name": "name",
}


def _require_manager(request: Request, user: Principal, nb: str) -> None:
    if not care(request).team_access(user, nb).manage_staff:
        raise AccessDenied(f"Only the {nb} team lead or an administrator can set up the team's staff.")


def _form_page(
    request: Request,
    nb: str,
    form: dict[str, Any],
    *,
    member: StaffView | None = None,
    error: CareError | None = None,
):
    """The add form (``member`` None) or the change form for ``member``, with what was typed."""
    title = f"Change {member.name}'s details" if member else "Add a staff member"
    return page(
        request,
        "care/staff_form.html",
        {
            **common(nb, "team"),
            "member": member,
            "form": form,
            "days": dom.DAY_NAMES,
            "error": error,
            "field": error_field(error, STAFF_FIELDS),
            "page_title": f"{title} – {nb}",
        },
        status_code=error.http_status if error else 200,
    )


def _pattern_form(pattern_text: str) -> dict[str, Any]:
    """The working-pattern boxes for a stored pattern (blank when it was written some other way)."""
    p = dom.read_pattern(pattern_text)
    if p is None:
        return {"days": [], "starts": "", "ends": "", "pattern_text": pattern_text}
    return {
        "days": list(p.days),
        "starts": f"{p.starts:%H:%M}" if p.starts else "",
        "ends": f"{p.ends:%H:%M}" if p.ends else "",
        "pattern_text": pattern_text,
    }


@router.get("/{nb}/team/new")
def new_staff_form(request: Request, nb: str, user: Principal = Depends(current_user)):
    nb = neighbourhood(nb)
    _require_manager(request, user, nb)
    form = {"role": "", "skills": [], "capacity": "", **_pattern_form("Mon-Fri"), "pattern_text": ""}
    return _form_page(request, nb, form)


@router.post("/{nb}/team/new")
def add_staff(
    request: Request,
    nb: str,
    name: str = Form("", max_length=200),
    role: str = Form("", max_length=64),
    skills: list[str] = Form([], max_length=50),
    capacity: str = Form("", max_length=10),
    days: list[str] = Form([], max_length=7),
    starts: str = Form("", max_length=10),
    ends: str = Form("", max_length=10),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    """Add a team member; skills left unticked are the role's usual ones."""
    nb = neighbourhood(nb)
    require_csrf(request, csrf_token)
    form = {"name": name, "role": role, "skills": skills, "capacity": capacity, "days": days}
    form |= {"starts": starts, "ends": ends}
    try:
        pattern = dom.working_pattern(days, starts, ends)
        care(request).add_staff(
            user, name, role, nb, skills=skills or None, capacity=capacity, working_pattern=pattern
        )
    except CareError as exc:
        return _form_page(request, nb, form, error=exc)
    return see(nb_url(nb, "/team"))


def _member(request: Request, nb: str, staff_id: int) -> StaffView:
    member = care(request).get_staff(staff_id)
    if member.neighbourhood != nb:
        raise dom.NotFoundError(f"there is no staff member {staff_id} in the {nb} team")
    return member


@router.get("/{nb}/team/{staff_id}")
def change_staff_form(request: Request, nb: str, staff_id: RecordId, user: Principal = Depends(current_user)):
    nb = neighbourhood(nb)
    _require_manager(request, user, nb)
    member = _member(request, nb, staff_id)
    form = {"skills": list(member.skills), "capacity": str(member.capacity)}
    return _form_page(request, nb, form | _pattern_form(member.working_pattern), member=member)


@router.post("/{nb}/team/{staff_id}")
def change_staff(
    request: Request,
    nb: str,
    staff_id: RecordId,
    skills: list[str] = Form([], max_length=50),
    capacity: str = Form("", max_length=10),
    days: list[str] = Form([], max_length=7),
    starts: str = Form("", max_length=10),
    ends: str = Form("", max_length=10),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    """Change a member's skills, capacity and working pattern."""
    nb = neighbourhood(nb)
    require_csrf(request, csrf_token)
    member = _member(request, nb, staff_id)
    form = {"skills": skills, "capacity": capacity, "days": days, "starts": starts, "ends": ends}
    form["pattern_text"] = member.working_pattern
    try:
        pattern = dom.working_pattern(days, starts, ends)
        care(request).update_staff(user, staff_id, skills=skills, capacity=capacity, working_pattern=pattern)
    except CareError as exc:
        return _form_page(request, nb, form, member=member, error=exc)
    return see(nb_url(nb, "/team"))
