"""Staff and absences: who is on the team, what they can do, how much they carry, when they are away."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from nhc.care import domain as d
from nhc.care.models import Absence, Staff
from nhc.care.services.base import Care, by, check_neighbourhood
from nhc.care.services.views import AbsenceView, StaffView, staff_view
from nhc.care.unit_of_work import require_team
from nhc.security.roles import Principal, Role
from nhc.security.service import AccessDenied


def add_staff(
    care: Care,
    principal: Principal | None,
    name: str,
    role: str,
    neighbourhood: str,
    *,
    skills: str | Iterable[str] | None = None,
    capacity: int | str = 20,
    working_pattern: str = "Mon-Fri",
    user_id: int | None = None,
    is_lead: bool = False,
) -> StaffView:
    """A new team member (the team lead, a clinician or an administrator); skills default to the role's."""
    nb, locality = check_neighbourhood(neighbourhood)
    with care.uow() as uow:
        uow.require_lead(principal, nb, "manage staff")
        role = d.parse_staff_role(role)
        skill_set = d.parse_skills(skills) if skills else d.ROLE_SKILLS[role]
        points = d.check_capacity(capacity)
        st = Staff(
            name=d.check_text(name, "name", max_len=200),
            role=role,
            skills=d.join_skills(skill_set),
            neighbourhood=nb,
            locality=locality,
            capacity=points,
            working_pattern=d.check_text(working_pattern, "working pattern", max_len=200),
            is_lead=bool(is_lead),
            user_id=user_id,
            active=True,
            created_at=care.clock(),
        )
        uow.repo.add(st)
        detail = f"{role}; {nb}; capacity={points}"
        uow.audit(principal, "care_staff_added", resource=f"care_staff:{st.id}", detail=detail)
        return staff_view(st, 0, None)


def list_staff(
    care: Care,
    neighbourhood: str | None = None,
    *,
    on: dt.date | None = None,
    locality: str | None = None,
    principal: Principal | None = None,
) -> list[StaffView]:
    """The team's staff with their caseload loads. Named loads are the team's own business: with a
    ``principal``, only members of ``neighbourhood`` (or an administrator) may list them."""
    if principal is not None and principal.role is not Role.ADMIN:
        if neighbourhood is None:
            raise AccessDenied("Say which neighbourhood team's staff to list.")
        require_team(principal, neighbourhood)
    on = on or care.today()
    with care.uow() as uow:
        staff = uow.repo.staff(neighbourhood=neighbourhood, locality=locality)
        loads, absent = uow.repo.loads(), uow.repo.absent_until(on)
        return [staff_view(x, loads.get(x.id, 0), absent.get(x.id)) for x in staff]


def get_staff(care: Care, staff_id: int) -> StaffView:
    with care.uow() as uow:
        st = uow.repo.get(Staff, staff_id, "staff member")
        load = uow.repo.loads().get(st.id, 0)
        return staff_view(st, load, uow.repo.absent_until(care.today()).get(st.id))


def add_absence(
    care: Care,
    principal: Principal | None,
    staff_id: int,
    starts_on: dt.date | str,
    ends_on: dt.date | str,
    reason: str = "",
) -> AbsenceView:
    """Record leave or sickness (the team lead or a clinician of the staff member's team)."""
    starts, ends = d.check_due(starts_on, "start date"), d.check_due(ends_on, "end date")
    if ends < starts:
        raise d.InvalidCareInput(f"an absence cannot end ({ends}) before it starts ({starts})")
    with care.uow() as uow:
        st = uow.repo.get(Staff, staff_id, "staff member")
        uow.require_lead(principal, st.neighbourhood, "record absences")
        a = Absence(
            staff_id=staff_id,
            starts_on=starts,
            ends_on=ends,
            reason=d.check_text(reason, "reason", max_len=200, required=False),
            recorded_by=by(principal),
            recorded_at=care.clock(),
        )
        uow.repo.add(a)
        uow.audit(
            principal, "care_absence_added", resource=f"care_staff:{staff_id}", detail=f"{starts}..{ends}"
        )
        return AbsenceView(a.id, staff_id, starts, ends, a.reason)
