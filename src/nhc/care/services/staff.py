"""Staff and absences: who is on the team, what they can do, how much they carry, when they are away."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from nhc.care import domain as d
from nhc.care.models import Absence, Staff
from nhc.care.services.base import Care, by, check_neighbourhood
from nhc.care.services.views import AbsenceView, StaffView, TeamAccess, staff_view
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
    working_pattern: str | d.WorkingPattern = "Mon-Fri",
    user_id: int | None = None,
    is_lead: bool = False,
) -> StaffView:
    """A new team member (the team lead, a clinician or an administrator); skills default to the role's.
    Refused (:class:`~nhc.care.domain.DuplicateStaff`, 409) when the team already has an active
    record with the same name. A person setting up the team gives a capacity above 0
    (:func:`~nhc.care.domain.check_team_capacity`); the system (``principal=None``: seeds, imports)
    may load a member who carries no points."""
    nb, locality = check_neighbourhood(neighbourhood)
    with care.uow() as uow:
        uow.require_lead(principal, nb, "manage staff")
        role = d.parse_staff_role(role)
        skill_set = d.parse_skills(skills) if skills else d.ROLE_SKILLS[role]
        points = d.check_capacity(capacity) if principal is None else d.check_team_capacity(capacity)
        name = d.check_text(name, "name", max_len=200)
        for other in uow.repo.staff(neighbourhood=nb):
            if d.same_person(other.name, name):
                raise d.DuplicateStaff(other.name, nb)
        st = Staff(
            name=name,
            role=role,
            skills=d.join_skills(skill_set),
            neighbourhood=nb,
            locality=locality,
            capacity=points,
            working_pattern=d.check_text(str(working_pattern), "working pattern", max_len=200),
            is_lead=bool(is_lead),
            user_id=user_id,
            active=True,
            created_at=care.clock(),
        )
        uow.repo.add(st)
        detail = f"{role}; {nb}; capacity={points}"
        uow.audit(principal, "care_staff_added", resource=f"care_staff:{st.id}", detail=detail)
        return staff_view(st, 0, None)


def update_staff(
    care: Care,
    principal: Principal | None,
    staff_id: int,
    *,
    skills: str | Iterable[str],
    capacity: int | str,
    working_pattern: str | d.WorkingPattern,
) -> StaffView:
    """Change a team member's skills, capacity (above 0) and working pattern (the lead of their
    team, or an administrator), audited with what changed. Lowering a capacity below the load
    someone carries is allowed: the allocation page then shows them over, for a re-balance."""
    skill_set = d.parse_skills(skills)
    if not skill_set:
        raise d.InvalidCareInput("choose at least one skill")
    points = d.check_team_capacity(capacity)
    pattern = d.check_text(str(working_pattern), "working pattern", max_len=200)
    with care.uow() as uow:
        st = uow.repo.get(Staff, staff_id, "staff member")
        uow.require_lead(principal, st.neighbourhood, "manage staff")
        before = (st.skills, st.capacity, st.working_pattern)
        st.skills, st.capacity, st.working_pattern = d.join_skills(skill_set), points, pattern
        changes = [
            f"{what}: {old} -> {new}"
            for what, old, new in zip(
                ("skills", "capacity", "working pattern"),
                before,
                (st.skills, st.capacity, st.working_pattern),
                strict=True,
            )
            if old != new
        ]
        uow.audit(
            principal,
            "care_staff_changed",
            resource=f"care_staff:{st.id}",
            detail="; ".join(changes) or "no change",
        )
        uow.repo.flush()
        load = uow.repo.loads().get(st.id, 0)
        return staff_view(st, load, uow.repo.absent_until(care.today()).get(st.id))


def team_access(care: Care, principal: Principal | None, neighbourhood: str) -> TeamAccess:
    """What ``principal`` may do on the team pages of ``neighbourhood`` (the same rules the use cases
    enforce, asked beforehand so a page does not offer a link or button that would be refused)."""
    if principal is None:
        return TeamAccess(member=True, lead=True, manage_staff=True)
    member = principal.is_clinical and neighbourhood in principal.neighbourhoods
    lead = member and principal.role is Role.CLINICIAN
    if member and not lead and principal.user_id is not None:
        with care.uow() as uow:
            lead = uow.repo.is_lead(principal.user_id, neighbourhood)
    return TeamAccess(member=member, lead=lead, manage_staff=lead or principal.role is Role.ADMIN)


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
    starts, ends = d.check_absence(starts_on, ends_on)
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


def absences(
    care: Care, principal: Principal | None, neighbourhood: str, *, on: dt.date | None = None
) -> list[AbsenceView]:
    """The team's absences now and to come (ending on or after ``on``, today), by start date: the
    team's own business, like its staff list."""
    nb, _ = check_neighbourhood(neighbourhood)
    if principal is not None and principal.role is not Role.ADMIN:
        require_team(principal, nb)
    with care.uow() as uow:
        ids = [st.id for st in uow.repo.staff(neighbourhood=nb)]
        rows = uow.repo.absences(ids, ending_from=on or care.today())
        return [AbsenceView(a.id, a.staff_id, a.starts_on, a.ends_on, a.reason) for a in rows]
