"""The care service: what the integrated neighbourhood team does, as one transaction per call.

Staff and absences; the caseload / virtual ward (admit, review, step down, discharge, events);
allocation (propose with :func:`nhc.care.matching.optimise`, accept, override, re-balance for
absence); MDT meetings (agenda built from new admissions, deterioration and overdue reviews;
decisions become tasks); personalised care plans (optimistic locking, one version row per save,
sharing with the patient); tasks and referrals (team board).

Every read or change of a person's data is authorised by :class:`nhc.security.SecurityService`
(role plus a legitimate relationship: neighbourhood, caseload or break-glass) and written to the
audit log; changes write their own audit line in the same transaction as the change, so a change
and its audit line are committed (or rolled back) together. ``principal=None`` means the system
(the CLI): no permission check, audited as ``system``.

The service knows nothing about HTTP: it takes plain values and returns frozen views.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from nhc.care import domain as d
from nhc.care.directory import PatientDirectory, StaticDirectory, locality_of
from nhc.care.matching import CasePatient, StaffMember, greedy, optimise
from nhc.care.models import (
    Absence,
    AgendaItem,
    AllocationItem,
    AllocationRun,
    Assignment,
    CareEvent,
    CarePlan,
    CarePlanVersion,
    Episode,
    Meeting,
    Staff,
    Task,
)
from nhc.db import Database
from nhc.identifiers import InvalidIdentifier, parse_patient_id, parse_whole_number
from nhc.security.models import CareRelationship
from nhc.security.roles import Principal, Role
from nhc.security.service import AccessDenied, SecurityService

RELATIONSHIP_KIND = "virtual_ward"
RELATIONSHIP_AFTER_DISCHARGE = dt.timedelta(days=30)


# ---------------------------------------------------------------------------------------------- views


@dataclass(frozen=True)
class StaffView:
    id: int
    name: str
    role: str
    role_label: str
    skills: tuple[str, ...]
    neighbourhood: str
    locality: str
    capacity: int
    working_pattern: str
    is_lead: bool
    user_id: int | None
    load: int = 0
    absent_until: dt.date | None = None

    @property
    def absent(self) -> bool:
        return self.absent_until is not None

    @property
    def room(self) -> int:
        return self.capacity - self.load


@dataclass(frozen=True)
class AbsenceView:
    id: int
    staff_id: int
    starts_on: dt.date
    ends_on: dt.date
    reason: str


@dataclass(frozen=True)
class EpisodeView:
    id: int
    patient_id: int
    neighbourhood: str
    locality: str
    source: str
    worklist: str | None
    referral_id: int | None
    reason: str
    risk_at_admission: float | None
    band_at_admission: str | None
    needs: tuple[str, ...]
    points: int
    status: str
    admitted_on: dt.date
    review_due: dt.date
    discharged_on: dt.date | None
    outcome: str | None
    staff_id: int | None
    staff_name: str | None
    admitted_by: str
    version: int
    length_of_stay: int
    review_overdue: bool


@dataclass(frozen=True)
class AssignmentView:
    staff_id: int
    staff_name: str
    source: str
    reason: str
    decided_by: str
    why: str | None
    started_at: dt.datetime
    ended_at: dt.datetime | None


@dataclass(frozen=True)
class EventView:
    id: int
    kind: str
    occurred_on: dt.date
    detail: str
    recorded_by: str


@dataclass(frozen=True)
class EpisodeDetail:
    episode: EpisodeView
    assignments: tuple[AssignmentView, ...]
    events: tuple[EventView, ...]
    plan_id: int | None
    tasks: tuple[TaskView, ...]


@dataclass(frozen=True)
class ProposalItem:
    episode_id: int
    patient_id: int
    staff_id: int | None
    staff_name: str | None
    previous_staff_id: int | None
    previous_staff_name: str | None
    cost: int
    reason: str

    @property
    def changed(self) -> bool:
        return self.staff_id != self.previous_staff_id


@dataclass(frozen=True)
class ProposalView:
    id: int
    neighbourhood: str
    kind: str
    method: str
    solver_status: str
    objective: int
    bound: float
    gap: float
    seconds: float
    status: str
    created_by: str
    created_at: dt.datetime
    decided_by: str | None
    items: tuple[ProposalItem, ...]
    note: str | None = None

    @property
    def assigned(self) -> tuple[ProposalItem, ...]:
        return tuple(i for i in self.items if i.staff_id is not None)

    @property
    def unassigned(self) -> tuple[ProposalItem, ...]:
        return tuple(i for i in self.items if i.staff_id is None)


@dataclass(frozen=True)
class TaskView:
    id: int
    kind: str
    neighbourhood: str
    patient_id: int | None
    episode_id: int | None
    agenda_item_id: int | None
    title: str
    detail: str
    from_service: str | None
    to_service: str | None
    owner_staff_id: int | None
    owner_name: str | None
    due_on: dt.date
    status: str
    status_label: str
    created_by: str
    version: int
    overdue: bool


@dataclass(frozen=True)
class AgendaItemView:
    id: int
    episode_id: int
    patient_id: int
    reasons: tuple[str, ...]
    reason_labels: tuple[str, ...]
    detail: str
    position: int
    decision: str | None
    decided_by: str | None
    tasks: tuple[TaskView, ...] = ()


@dataclass(frozen=True)
class MeetingView:
    id: int
    neighbourhood: str
    held_on: dt.date
    title: str
    created_by: str
    items: tuple[AgendaItemView, ...] = ()


@dataclass(frozen=True)
class PlanView:
    id: int
    patient_id: int
    episode_id: int | None
    neighbourhood: str
    what_matters: str
    goals: tuple[str, ...]
    actions: tuple[dict[str, Any], ...]
    review_date: dt.date
    shared_with_patient: bool
    share_token: str | None
    version: int
    updated_by: str
    updated_at: dt.datetime


@dataclass(frozen=True)
class PlanVersionView:
    plan_id: int
    version: int
    saved_by: str
    saved_at: dt.datetime
    content: dict[str, Any] = field(default_factory=dict)


# -------------------------------------------------------------------------------------------- service


class CareService:
    def __init__(
        self,
        db: Database,
        security: SecurityService,
        directory: PatientDirectory | None = None,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        time_limit: float = 10.0,
    ) -> None:
        self.db = db
        self.security = security
        self.directory: PatientDirectory = directory if directory is not None else StaticDirectory()
        self.clock = clock or security.clock
        self.time_limit = time_limit

    def today(self) -> dt.date:
        return self.clock().date()

    # ----------------------------------------------------------------------------- access and audit
    def _audit(
        self,
        s: Session,
        principal: Principal | None,
        action: str,
        *,
        patient_id: int | None = None,
        resource: str | None = None,
        detail: str | None = None,
        outcome: str = "success",
        reason: str | None = None,
        username: str | None = None,
    ) -> None:
        """One audit line in the caller's transaction (committed with the change it describes)."""
        self.security.record_in(
            s,
            principal,
            action,
            outcome=outcome,
            at=self.clock(),
            patient_id=patient_id,
            resource=resource,
            detail=detail,
            reason=reason,
            username=username,
        )

    def _authorise(
        self,
        principal: Principal | None,
        patient_id: int,
        neighbourhood: str | None,
        action: str,
        resource: str,
    ) -> None:
        """Role + legitimate relationship, audited whatever the outcome (raises AccessDenied)."""
        if principal is None:
            return
        self.security.authorise_patient_read(
            principal, patient_id, neighbourhood, action=action, resource=resource
        )

    def _authorise_write(
        self,
        principal: Principal | None,
        patient_id: int | None,
        patient_neighbourhood: str | None,
        team: str,
        action: str,
        resource: str,
    ) -> None:
        """Every write: the user belongs to ``team``, whose records change, AND has a legitimate
        relationship with the patient — judged on where the patient is registered
        (``patient_neighbourhood``), never on the team the record is filed under. Both checks are
        audited whatever the outcome (raises AccessDenied)."""
        if principal is None:
            return
        if patient_id is not None:
            self._authorise(principal, patient_id, patient_neighbourhood, action, resource)
        if not (principal.is_clinical and team in principal.neighbourhoods):
            self.security.record(
                principal,
                action,
                outcome="denied",
                patient_id=patient_id,
                resource=resource,
                detail=f"not a member of the {team} team, whose records would change",
            )
            self._require_team(principal, team)  # raises with the message users see

    def _conflict(
        self, principal: Principal | None, action: str, patient_id: int, resource: str, detail: str
    ) -> None:
        """Audit a write refused because a simultaneous one won (the caller then raises 409)."""
        self.security.record(
            principal, action, outcome="conflict", patient_id=patient_id, resource=resource, detail=detail
        )

    def _registered_neighbourhood(self, patient_id: int) -> str | None:
        person = self.directory.lookup(patient_id)
        return person["neighbourhood"] if person else None

    def _authorise_list(
        self, principal: Principal | None, neighbourhood: str, resource: str, rows: int
    ) -> None:
        if principal is None:
            return
        self.security.audit_list_view(principal, neighbourhood, resource, None, rows)

    def _require_team(self, principal: Principal | None, neighbourhood: str) -> None:
        if principal is None:
            return
        if not principal.is_clinical:
            raise AccessDenied(
                f"Your role ({principal.role_label}) cannot work with the neighbourhood team's patients."
            )
        if neighbourhood not in principal.neighbourhoods:
            raise AccessDenied(f"You are not a member of the {neighbourhood} neighbourhood team.")

    def _require_lead(self, principal: Principal | None, neighbourhood: str, what: str) -> None:
        """Team decisions (allocation, absences, staff) are for clinicians or staff marked as team lead."""
        if principal is None or (principal.role is Role.ADMIN and what == "manage staff"):
            return
        self._require_team(principal, neighbourhood)
        if principal.role is Role.CLINICIAN:
            return
        with self.db.unit_of_work() as s:
            lead = s.scalar(
                select(Staff.id)
                .where(
                    Staff.user_id == principal.user_id,
                    Staff.is_lead.is_(True),
                    Staff.neighbourhood == neighbourhood,
                )
                .limit(1)
            )
        if lead is None:
            raise AccessDenied(f"Only the {neighbourhood} team lead or a clinician can {what}.")

    @staticmethod
    def _by(principal: Principal | None) -> str:
        return principal.username if principal else "system"

    def _check_neighbourhood(self, neighbourhood: str) -> tuple[str, str]:
        name = str(neighbourhood or "").strip()
        locality = locality_of(name)
        if locality is None:
            raise d.NotFoundError(f"there is no neighbourhood called {name!r}")
        return name, locality

    # --------------------------------------------------------------------------------------- staff
    def add_staff(
        self,
        principal: Principal | None,
        name: str,
        role: str,
        neighbourhood: str,
        *,
        skills: Any = None,
        capacity: int = 20,
        working_pattern: str = "Mon-Fri",
        user_id: int | None = None,
        is_lead: bool = False,
    ) -> StaffView:
        nb, locality = self._check_neighbourhood(neighbourhood)
        self._require_lead(principal, nb, "manage staff")
        role = d.parse_staff_role(role)
        skill_set = d.parse_skills(skills) if skills else d.ROLE_SKILLS[role]
        name = d.check_text(name, "name", max_len=200)
        try:
            capacity = int(capacity)
        except (TypeError, ValueError):
            raise d.InvalidCareInput(f"capacity must be a whole number of points, not {capacity!r}") from None
        if not 0 <= capacity <= 200:
            raise d.InvalidCareInput(f"capacity must be 0-200 points a week (got {capacity})")
        with self.db.unit_of_work() as s:
            st = Staff(
                name=name,
                role=role,
                skills=d.join_skills(skill_set),
                neighbourhood=nb,
                locality=locality,
                capacity=capacity,
                working_pattern=d.check_text(working_pattern, "working pattern", max_len=200),
                is_lead=bool(is_lead),
                user_id=user_id,
                active=True,
                created_at=self.clock(),
            )
            s.add(st)
            s.flush()
            self._audit(
                s,
                principal,
                "care_staff_added",
                resource=f"care_staff:{st.id}",
                detail=f"{role}; {nb}; capacity={capacity}",
            )
            return self._staff_view(st, 0, None)

    def list_staff(
        self,
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
            self._require_team(principal, neighbourhood)
        on = on or self.today()
        with self.db.unit_of_work() as s:
            q = select(Staff).where(Staff.active.is_(True))
            if neighbourhood:
                q = q.where(Staff.neighbourhood == neighbourhood)
            if locality:
                q = q.where(Staff.locality == locality)
            staff = list(s.scalars(q.order_by(Staff.neighbourhood, Staff.name)))
            loads = self._loads(s)
            absent = self._absent_until(s, on)
            return [self._staff_view(x, loads.get(x.id, 0), absent.get(x.id)) for x in staff]

    def get_staff(self, staff_id: int) -> StaffView:
        with self.db.unit_of_work() as s:
            st = s.get(Staff, staff_id)
            if st is None:
                raise d.NotFoundError(f"there is no staff member with id {staff_id}")
            return self._staff_view(
                st, self._loads(s).get(st.id, 0), self._absent_until(s, self.today()).get(st.id)
            )

    def staff_for_user(self, user_id: int) -> StaffView | None:
        with self.db.unit_of_work() as s:
            st = s.scalar(select(Staff).where(Staff.user_id == user_id).limit(1))
            return self._staff_view(st, self._loads(s).get(st.id, 0), None) if st else None

    def add_absence(
        self, principal: Principal | None, staff_id: int, starts_on: Any, ends_on: Any, reason: str = ""
    ) -> AbsenceView:
        starts, ends = d.check_due(starts_on, "start date"), d.check_due(ends_on, "end date")
        if ends < starts:
            raise d.InvalidCareInput(f"an absence cannot end ({ends}) before it starts ({starts})")
        staff = self.get_staff(staff_id)
        self._require_lead(principal, staff.neighbourhood, "record absences")
        with self.db.unit_of_work() as s:
            a = Absence(
                staff_id=staff_id,
                starts_on=starts,
                ends_on=ends,
                reason=d.check_text(reason, "reason", max_len=200, required=False),
                recorded_by=self._by(principal),
                recorded_at=self.clock(),
            )
            s.add(a)
            s.flush()
            self._audit(
                s,
                principal,
                "care_absence_added",
                resource=f"care_staff:{staff_id}",
                detail=f"{starts}..{ends}",
            )
            return AbsenceView(a.id, staff_id, starts, ends, a.reason)

    @staticmethod
    def _staff_view(st: Staff, load: int, absent_until: dt.date | None) -> StaffView:
        return StaffView(
            st.id,
            st.name,
            st.role,
            d.ROLE_LABELS.get(st.role, st.role),
            tuple(sorted(d.split_skills(st.skills))),
            st.neighbourhood,
            st.locality,
            st.capacity,
            st.working_pattern,
            st.is_lead,
            st.user_id,
            load,
            absent_until,
        )

    @staticmethod
    def _loads(s: Session, exclude_episode: int | None = None) -> dict[int, int]:
        q = select(Episode.staff_id, Episode.status, Episode.points).where(
            Episode.staff_id.is_not(None), Episode.status.in_(d.OPEN_STATUSES)
        )
        if exclude_episode is not None:
            q = q.where(Episode.id != exclude_episode)
        out: dict[int, int] = {}
        for sid, status, points in s.execute(q):
            out[sid] = out.get(sid, 0) + d.episode_points(status, points)
        return out

    @staticmethod
    def _absent_until(s: Session, on: dt.date) -> dict[int, dt.date]:
        rows = s.execute(
            select(Absence.staff_id, func.max(Absence.ends_on))
            .where(Absence.starts_on <= on, Absence.ends_on >= on)
            .group_by(Absence.staff_id)
        )
        return {sid: until for sid, until in rows}

    # ------------------------------------------------------------------------------------ caseload
    def worklist_candidates(
        self, principal: Principal | None, neighbourhood: str, worklist: str | None = None, limit: int = 50
    ) -> list[dict[str, Any]]:
        """PERSON-LEVEL: people on the neighbourhood's worklists who are not on the caseload yet."""
        nb, _ = self._check_neighbourhood(neighbourhood)
        rows = self.directory.worklist(nb, worklist)
        with self.db.unit_of_work() as s:
            open_ids = set(
                s.scalars(
                    select(Episode.patient_id).where(
                        Episode.neighbourhood == nb, Episode.status.in_(d.OPEN_STATUSES)
                    )
                )
            )
        rows = [r for r in rows if r["patient_id"] not in open_ids][:limit]
        self._authorise_list(principal, nb, f"care:worklist:{worklist or 'all'}", len(rows))
        return rows

    def admit(
        self,
        principal: Principal | None,
        patient_id: Any,
        *,
        source: str = "worklist",
        reason: str | None = None,
        worklist: str | None = None,
        referral_id: int | None = None,
        needs: Any = None,
        points: Any = None,
        review_in_days: int = d.DEFAULT_REVIEW_DAYS,
    ) -> EpisodeView:
        """Admit a person to the virtual ward, from a worklist or a referral, with reason and risk."""
        try:
            pid = parse_patient_id(patient_id)
        except InvalidIdentifier as exc:
            raise d.InvalidCareInput(f"a patient id is a whole number: {exc.message}") from None
        if source not in d.SOURCES:
            raise d.InvalidCareInput(f"unknown admission source {source!r}", hint="worklist or referral")
        person = self.directory.lookup(pid)
        if person is None:
            if principal is not None:
                self.security.authorise_patient_read(
                    principal, pid, None, action="care_admit", resource=f"patient:{pid}", found=False
                )
            raise d.UnknownPatient(pid)
        nb = person["neighbourhood"]
        self._authorise_write(principal, pid, nb, nb, "care_admit", f"patient:{pid}")
        if source == "worklist":
            lists = person.get("worklists") or {}
            if not worklist:
                raise d.InvalidCareInput("say which worklist the person was found on")
            if worklist not in lists:
                raise d.InvalidCareInput(
                    f"person {pid} is not on the {worklist!r} worklist",
                    hint=f"their worklists: {', '.join(sorted(lists)) or 'none'}",
                )
            reason = (reason or "").strip() or lists[worklist]
        elif referral_id is None:
            raise d.InvalidCareInput("an admission by referral needs the referral")
        reason = d.check_text(reason, "reason for admission", max_len=2000)
        need_set = d.parse_skills(needs) if needs else d.suggest_needs(person)
        risk = person.get("risk")
        pts = d.default_points(risk, person.get("band")) if points in (None, "") else _int(points, "points")
        if not 1 <= pts <= 20:
            raise d.InvalidCareInput(f"workload points must be 1-20 (got {pts})")
        if not 1 <= int(review_in_days) <= 90:
            raise d.InvalidCareInput("the first review must be within 1-90 days")
        try:
            return self._insert_episode(
                principal,
                pid,
                nb,
                person,
                source,
                worklist,
                referral_id,
                reason,
                need_set,
                pts,
                review_in_days,
            )
        except d.ConflictError as exc:
            self._conflict(principal, "care_admit", pid, f"patient:{pid}", exc.message)
            raise
        except IntegrityError:  # a simultaneous admission won: the database's unique index decides
            message = f"person {pid} is already on the caseload (admitted at the same moment by someone else)"
            self._conflict(principal, "care_admit", pid, f"patient:{pid}", message)
            raise d.ConflictError(message, hint="open their existing episode instead") from None

    def _insert_episode(
        self,
        principal: Principal | None,
        pid: int,
        nb: str,
        person: dict,
        source: str,
        worklist: str | None,
        referral_id: int | None,
        reason: str,
        need_set: Any,
        pts: int,
        review_in_days: int,
    ) -> EpisodeView:
        risk, today = person.get("risk"), self.today()
        with self.db.unit_of_work() as s:
            existing = s.scalar(
                select(Episode.id)
                .where(Episode.patient_id == pid, Episode.status.in_(d.OPEN_STATUSES))
                .limit(1)
            )
            if existing:
                raise d.ConflictError(f"person {pid} is already on the caseload (episode {existing})")
            if referral_id is not None:
                ref = s.get(Task, referral_id)
                if ref is None or ref.kind != "referral":
                    raise d.NotFoundError(f"there is no referral with id {referral_id}")
                if ref.patient_id not in (None, pid):
                    raise d.InvalidCareInput(f"referral {referral_id} is for another person")
                if ref.neighbourhood != nb:  # accepting it changes another team's record
                    raise d.InvalidCareInput(f"referral {referral_id} is held by another team")
                if ref.status == "requested":
                    ref.status, ref.updated_at = "accepted", self.clock()
                    self._audit(
                        s,
                        principal,
                        "care_referral_updated",
                        patient_id=pid,
                        resource=f"care_task:{referral_id}",
                        detail="status=accepted; by admission",
                    )
            ep = Episode(
                patient_id=pid,
                neighbourhood=nb,
                locality=person.get("locality") or locality_of(nb) or "",
                source=source,
                worklist=worklist if source == "worklist" else None,
                referral_id=referral_id,
                reason=reason,
                risk_at_admission=float(risk) if risk is not None else None,
                band_at_admission=person.get("band"),
                ae_at_admission=_opt_int(person.get("ae_12m")),
                needs=d.join_skills(need_set),
                points=pts,
                status=d.ACTIVE,
                admitted_on=today,
                review_due=today + dt.timedelta(days=int(review_in_days)),
                admitted_by=self._by(principal),
            )
            s.add(ep)
            s.flush()
            if referral_id is not None:
                s.get(Task, referral_id).episode_id = ep.id
            self._audit(
                s,
                principal,
                "care_admitted",
                patient_id=pid,
                resource=f"care_episode:{ep.id}",
                detail=f"source={source}; worklist={worklist or ''}; risk={risk}",
            )
            return self._episode_view(s, ep)

    def caseload(
        self, principal: Principal | None, neighbourhood: str, *, status: str = "open"
    ) -> list[EpisodeView]:
        nb, _ = self._check_neighbourhood(neighbourhood)
        statuses = d.OPEN_STATUSES if status == "open" else (status,)
        if status != "open" and status not in d.EPISODE_STATUSES:
            raise d.InvalidCareInput(f"unknown status {status!r}")
        with self.db.unit_of_work() as s:
            eps = list(
                s.scalars(
                    select(Episode)
                    .where(Episode.neighbourhood == nb, Episode.status.in_(statuses))
                    .order_by(Episode.admitted_on, Episode.id)
                )
            )
            views = [self._episode_view(s, e) for e in eps]
        self._authorise_list(principal, nb, f"care:caseload:{status}", len(views))
        return views

    def _owner(self, model: type[Episode] | type[CarePlan], record_id: int, what: str) -> tuple[int, str]:
        """(patient_id, neighbourhood) of a patient record, for the permission check before reading it."""
        with self.db.unit_of_work() as s:
            row = s.get(model, record_id)
            if row is None:
                raise d.NotFoundError(f"there is no {what} with id {record_id}")
            return row.patient_id, row.neighbourhood

    def _episode_meta(self, episode_id: int) -> tuple[int, str]:
        return self._owner(Episode, episode_id, "caseload episode")

    def episode(self, principal: Principal | None, episode_id: int) -> EpisodeDetail:
        pid, nb = self._episode_meta(episode_id)
        self._authorise(principal, pid, nb, "care_view_episode", f"care_episode:{episode_id}")
        with self.db.unit_of_work() as s:
            ep = s.get(Episode, episode_id)
            names = self._staff_names(s)
            assigns = s.scalars(
                select(Assignment)
                .where(Assignment.episode_id == episode_id)
                .order_by(Assignment.started_at.desc(), Assignment.id.desc())
            )
            events = s.scalars(
                select(CareEvent)
                .where(CareEvent.episode_id == episode_id)
                .order_by(CareEvent.occurred_on.desc(), CareEvent.id.desc())
            )
            plan_id = s.scalar(
                select(CarePlan.id)
                .where(CarePlan.episode_id == episode_id, CarePlan.status == "active")
                .limit(1)
            )
            tasks = s.scalars(
                select(Task).where(Task.episode_id == episode_id).order_by(Task.due_on, Task.id)
            )
            return EpisodeDetail(
                self._episode_view(s, ep),
                tuple(
                    AssignmentView(
                        a.staff_id,
                        names.get(a.staff_id, "?"),
                        a.source,
                        a.reason,
                        a.decided_by,
                        a.why,
                        a.started_at,
                        a.ended_at,
                    )
                    for a in assigns
                ),
                tuple(EventView(e.id, e.kind, e.occurred_on, e.detail, e.recorded_by) for e in events),
                plan_id,
                tuple(self._task_view(t, names) for t in tasks),
            )

    def change_status(
        self,
        principal: Principal | None,
        episode_id: int,
        status: str,
        *,
        outcome: str | None = None,
        expected_version: int | None = None,
    ) -> EpisodeView:
        """Step down, step back up or discharge (with an outcome)."""
        pid, nb = self._episode_meta(episode_id)
        self._authorise_write(principal, pid, nb, nb, "care_change_status", f"care_episode:{episode_id}")
        with self.db.unit_of_work() as s:
            ep = s.get(Episode, episode_id)
            self._check_version(ep.version, expected_version, f"caseload episode {episode_id}")
            d.check_transition(ep.status, status, outcome)
            ep.status = status
            if status == d.DISCHARGED:
                ep.discharged_on, ep.outcome = self.today(), outcome
                now = self.clock()
                for a in s.scalars(
                    select(Assignment).where(Assignment.episode_id == ep.id, Assignment.ended_at.is_(None))
                ):
                    a.ended_at = now
                self._end_relationships(s, ep)
            self._flush_versioned(s, f"caseload episode {episode_id}", Episode, episode_id, expected_version)
            self._audit(
                s,
                principal,
                "care_status_changed",
                patient_id=pid,
                resource=f"care_episode:{ep.id}",
                detail=f"status={status}; outcome={outcome or ''}",
            )
            return self._episode_view(s, ep)

    def set_review(self, principal: Principal | None, episode_id: int, review_due: Any) -> EpisodeView:
        due = d.check_due(review_due, "review date")
        pid, nb = self._episode_meta(episode_id)
        self._authorise_write(principal, pid, nb, nb, "care_set_review", f"care_episode:{episode_id}")
        with self.db.unit_of_work() as s:
            ep = s.get(Episode, episode_id)
            if ep.status == d.DISCHARGED:
                raise d.ConflictError(f"episode {episode_id} is discharged")
            ep.review_due = due
            self._audit(
                s,
                principal,
                "care_review_set",
                patient_id=pid,
                resource=f"care_episode:{ep.id}",
                detail=f"review_due={due}",
            )
            s.flush()
            return self._episode_view(s, ep)

    def record_event(
        self,
        principal: Principal | None,
        episode_id: int,
        kind: str,
        occurred_on: Any = None,
        detail: str = "",
    ) -> EventView:
        """Record something that happened (A&E attendance, admission, fall...): it puts the patient on
        the next MDT agenda as deteriorated."""
        if kind not in d.DETERIORATION_EVENTS:
            raise d.InvalidCareInput(
                f"unknown event {kind!r}", hint=f"one of: {', '.join(d.DETERIORATION_EVENTS)}"
            )
        on = d.check_due(occurred_on, "date") if occurred_on else self.today()
        pid, nb = self._episode_meta(episode_id)
        self._authorise_write(principal, pid, nb, nb, "care_record_event", f"care_episode:{episode_id}")
        with self.db.unit_of_work() as s:
            ev = CareEvent(
                episode_id=episode_id,
                patient_id=pid,
                kind=kind,
                occurred_on=on,
                detail=d.check_text(detail, "detail", required=False),
                recorded_by=self._by(principal),
                recorded_at=self.clock(),
            )
            s.add(ev)
            s.flush()
            self._audit(
                s,
                principal,
                "care_event_recorded",
                patient_id=pid,
                resource=f"care_episode:{episode_id}",
                detail=kind,
            )
            return EventView(ev.id, ev.kind, ev.occurred_on, ev.detail, ev.recorded_by)

    def _episode_view(self, s: Session, ep: Episode, names: dict[int, str] | None = None) -> EpisodeView:
        today = self.today()
        if names is None:
            names = self._staff_names(s) if ep.staff_id else {}
        return EpisodeView(
            ep.id,
            ep.patient_id,
            ep.neighbourhood,
            ep.locality,
            ep.source,
            ep.worklist,
            ep.referral_id,
            ep.reason,
            ep.risk_at_admission,
            ep.band_at_admission,
            tuple(sorted(d.split_skills(ep.needs))),
            ep.points,
            ep.status,
            ep.admitted_on,
            ep.review_due,
            ep.discharged_on,
            ep.outcome,
            ep.staff_id,
            names.get(ep.staff_id) if ep.staff_id else None,
            ep.admitted_by,
            ep.version,
            d.length_of_stay(ep.admitted_on, ep.discharged_on, today),
            ep.status != d.DISCHARGED and ep.review_due < today,
        )

    @staticmethod
    def _staff_names(s: Session) -> dict[int, str]:
        return dict(s.execute(select(Staff.id, Staff.name)).all())

    def _end_relationships(self, s: Session, ep: Episode) -> None:
        ends = self.clock() + RELATIONSHIP_AFTER_DISCHARGE
        s.execute(
            update(CareRelationship)
            .where(
                CareRelationship.patient_id == ep.patient_id,
                CareRelationship.kind == RELATIONSHIP_KIND,
                CareRelationship.ends_at.is_(None),
            )
            .values(ends_at=ends)
        )

    # ---------------------------------------------------------------------------------- allocation
    def propose_allocation(
        self,
        principal: Principal | None,
        neighbourhood: str,
        *,
        rebalance: bool = False,
        on: dt.date | None = None,
        time_limit: float | None = None,
    ) -> ProposalView:
        """Propose who looks after each patient on the neighbourhood's caseload (persisted as a proposal
        for the lead to accept). ``rebalance=True``: only the patients of staff absent ``on`` (today)
        are re-proposed, to the room others have left."""
        nb, locality = self._check_neighbourhood(neighbourhood)
        self._require_lead(principal, nb, "allocate the caseload")
        on = on or self.today()
        with self.db.unit_of_work() as s:
            eps = list(
                s.scalars(
                    select(Episode)
                    .where(Episode.neighbourhood == nb, Episode.status.in_(d.OPEN_STATUSES))
                    .order_by(Episode.id)
                )
            )
            staff = list(
                s.scalars(
                    select(Staff).where(Staff.active.is_(True), Staff.locality == locality).order_by(Staff.id)
                )
            )
            absent = self._absent_until(s, on)
            names = {st.id: st.name for st in staff} | self._staff_names(s)
            capacity = {st.id: st.capacity for st in staff}
            if rebalance:
                moving = [e for e in eps if e.staff_id is not None and e.staff_id in absent]
                moving_ids = {e.id for e in moving}
                loads = self._loads(s)
                for e in eps:
                    if e.staff_id in absent and e.id in moving_ids:
                        loads[e.staff_id] = loads.get(e.staff_id, 0) - d.episode_points(e.status, e.points)
                # Other neighbourhoods' patients of the same staff also use their capacity.
                capacity = {sid: max(0, c - loads.get(sid, 0)) for sid, c in capacity.items()}
                eps = moving
            else:
                # Staff of this locality also carry other neighbourhoods' patients: only their room counts.
                other = self._loads_outside(s, nb)
                capacity = {sid: max(0, c - other.get(sid, 0)) for sid, c in capacity.items()}
            patients = [
                CasePatient(
                    e.id,
                    e.neighbourhood,
                    e.locality,
                    d.split_skills(e.needs),
                    d.episode_points(e.status, e.points) or 1,
                    str(e.staff_id) if e.staff_id else None,
                )
                for e in eps
            ]
            members = [
                StaffMember(
                    str(st.id),
                    st.name,
                    st.neighbourhood,
                    st.locality,
                    d.split_skills(st.skills),
                    capacity[st.id],
                    st.id in absent,
                )
                for st in staff
            ]
            if not members:
                raise d.ConflictError(
                    f"there are no staff in {locality} to allocate to",
                    hint="add staff first (nhc care seed-team or the team page)",
                )
            try:
                result = optimise(patients, members, time_limit=time_limit or self.time_limit)
            except Exception as exc:  # the solver failing must not stop the team working
                if isinstance(exc, d.CareError):
                    raise
                result = greedy(patients, members)
                result.method = f"greedy (optimiser failed: {type(exc).__name__})"
            for old in s.scalars(
                select(AllocationRun).where(
                    AllocationRun.neighbourhood == nb, AllocationRun.status == "proposed"
                )
            ):
                old.status = "superseded"
            run = AllocationRun(
                neighbourhood=nb,
                kind="rebalance" if rebalance else "allocate",
                method=result.method,
                solver_status=result.status,
                objective=int(result.objective),
                bound=float(result.bound),
                seconds=float(result.seconds),
                status="proposed",
                created_by=self._by(principal),
                created_at=self.clock(),
                note=(f"absent on {on}: " + ", ".join(names[x] for x in sorted(absent) if x in names))
                if absent
                else None,
            )
            s.add(run)
            s.flush()
            by_ep = {e.id: e for e in eps}
            for a in result.assignments:
                sid = int(a.staff_id)
                prev = by_ep[a.patient_id].staff_id
                reason = a.reason
                if prev is not None:
                    reason = reason.replace(f"previous {prev} ", f"previous {names.get(prev, prev)} ")
                if prev in absent and prev != sid:
                    reason = f"{names.get(prev, prev)} absent until {absent[prev]:%d %b}; " + reason
                s.add(
                    AllocationItem(
                        run_id=run.id,
                        episode_id=a.patient_id,
                        staff_id=sid,
                        previous_staff_id=prev,
                        cost=a.cost,
                        reason=reason,
                    )
                )
            for u in result.unassigned:
                s.add(
                    AllocationItem(
                        run_id=run.id,
                        episode_id=u.patient_id,
                        staff_id=None,
                        previous_staff_id=by_ep[u.patient_id].staff_id,
                        cost=d_unassigned_cost(),
                        reason=f"not assigned: {u.reason}",
                    )
                )
            self._audit(
                s,
                principal,
                "care_allocation_proposed",
                resource=f"care_allocation:{run.id}",
                detail=f"neighbourhood={nb}; patients={len(eps)}; method={result.method}; "
                f"objective={result.objective}; unassigned={len(result.unassigned)}",
            )
            s.flush()
            return self._proposal_view(s, run)

    def proposal(self, principal: Principal | None, run_id: int) -> ProposalView:
        with self.db.unit_of_work() as s:
            run = s.get(AllocationRun, run_id)
            if run is None:
                raise d.NotFoundError(f"there is no allocation proposal with id {run_id}")
            view = self._proposal_view(s, run)
        self._authorise_list(principal, view.neighbourhood, f"care_allocation:{run_id}", len(view.items))
        return view

    def latest_proposal(self, principal: Principal | None, neighbourhood: str) -> ProposalView | None:
        nb, _ = self._check_neighbourhood(neighbourhood)
        with self.db.unit_of_work() as s:
            run_id = s.scalar(
                select(AllocationRun.id)
                .where(AllocationRun.neighbourhood == nb)
                .order_by(AllocationRun.id.desc())
                .limit(1)
            )
        return self.proposal(principal, run_id) if run_id else None

    def accept_allocation(self, principal: Principal | None, run_id: int) -> ProposalView:
        """The lead accepts a proposal: every assignment in it is persisted (all or nothing)."""
        with self.db.unit_of_work() as s:
            run = s.get(AllocationRun, run_id)
            if run is None:
                raise d.NotFoundError(f"there is no allocation proposal with id {run_id}")
            nb = run.neighbourhood
        self._require_lead(principal, nb, "accept an allocation")
        now = self.clock()
        with self.db.unit_of_work() as s:
            # Claim the proposal first (a concurrent accept of the same proposal finds it taken).
            claimed = s.execute(
                update(AllocationRun)
                .where(AllocationRun.id == run_id, AllocationRun.status == "proposed")
                .values(status="accepted", decided_by=self._by(principal), decided_at=now)
            )
            if claimed.rowcount != 1:
                status = s.scalar(select(AllocationRun.status).where(AllocationRun.id == run_id))
                raise d.ConflictError(
                    f"allocation proposal {run_id} is {status}, not waiting for a decision",
                    hint="propose again to allocate the current caseload",
                )
            staff = {st.id: st for st in s.scalars(select(Staff))}
            changed: set[int] = set()
            for item in s.scalars(select(AllocationItem).where(AllocationItem.run_id == run_id)):
                ep = s.get(Episode, item.episode_id)
                if item.staff_id is None or ep is None or ep.status not in d.OPEN_STATUSES:
                    continue
                if ep.staff_id != item.staff_id:
                    self._assign(
                        s,
                        principal,
                        ep,
                        staff[item.staff_id],
                        source="proposal",
                        run_id=run_id,
                        reason=item.reason,
                        why=None,
                    )
                    changed.add(item.staff_id)
            s.flush()
            loads = self._loads(s)
            for sid in sorted(changed):
                st = staff[sid]
                if loads.get(sid, 0) > st.capacity:  # the caseload changed since the proposal was made
                    raise d.ConflictError(
                        f"accepting proposal {run_id} would put {st.name} over capacity "
                        f"({loads[sid]} > {st.capacity} points a week); nothing was changed",
                        hint="propose again to allocate the current caseload",
                    )
            self._audit(
                s,
                principal,
                "care_allocation_accepted",
                resource=f"care_allocation:{run_id}",
                detail=f"neighbourhood={nb}",
            )
            s.flush()
            return self._proposal_view(s, s.get(AllocationRun, run_id))

    def override_assignment(
        self, principal: Principal | None, episode_id: int, staff_id: int, why: str
    ) -> EpisodeView:
        """The lead gives one patient to a named person instead (persisted with who and why). Refused
        with a clear message when the person lacks a needed skill, is absent or has no room."""
        why = d.check_text(why, "the reason for the override", max_len=1000)
        pid, nb = self._episode_meta(episode_id)
        self._require_lead(principal, nb, "override an allocation")
        self._authorise_write(
            principal, pid, nb, nb, "care_override_allocation", f"care_episode:{episode_id}"
        )
        with self.db.unit_of_work() as s:
            ep = s.get(Episode, episode_id)
            if ep.status not in d.OPEN_STATUSES:
                raise d.ConflictError(f"episode {episode_id} is discharged")
            st = s.get(Staff, _int(staff_id, "staff id"))
            if st is None or not st.active:
                raise d.NotFoundError(f"there is no active staff member with id {staff_id}")
            missing = set(d.split_skills(ep.needs) - d.split_skills(st.skills))
            if missing:
                raise d.MissingSkills(st.name, missing)
            until = self._absent_until(s, self.today()).get(st.id)
            if until is not None:
                raise d.StaffAbsent(st.name, until)
            load = self._loads(s, exclude_episode=ep.id).get(st.id, 0)
            pts = d.episode_points(ep.status, ep.points)
            if load + pts > st.capacity:
                raise d.OverCapacity(st.name, load, pts, st.capacity)
            if ep.staff_id != st.id:
                self._assign(
                    s,
                    principal,
                    ep,
                    st,
                    source="override",
                    run_id=None,
                    reason=f"override by {self._by(principal)}",
                    why=why,
                )
            # A pending proposal must not undo the override when accepted.
            for item in s.scalars(
                select(AllocationItem)
                .join(AllocationRun)
                .where(AllocationItem.episode_id == ep.id, AllocationRun.status == "proposed")
            ):
                item.staff_id, item.reason = st.id, f"override by {self._by(principal)}: {why}"
            self._audit(
                s,
                principal,
                "care_allocation_override",
                patient_id=pid,
                resource=f"care_episode:{ep.id}",
                reason=why,
                detail=f"staff={st.id}",
            )
            s.flush()
            return self._episode_view(s, ep)

    def _assign(
        self,
        s: Session,
        principal: Principal | None,
        ep: Episode,
        st: Staff,
        *,
        source: str,
        run_id: int | None,
        reason: str,
        why: str | None,
    ) -> None:
        now = self.clock()
        for a in s.scalars(
            select(Assignment).where(Assignment.episode_id == ep.id, Assignment.ended_at.is_(None))
        ):
            a.ended_at = now
        s.add(
            Assignment(
                episode_id=ep.id,
                staff_id=st.id,
                source=source,
                run_id=run_id,
                reason=reason,
                decided_by=self._by(principal),
                why=why,
                started_at=now,
            )
        )
        ep.staff_id = st.id
        if st.user_id is not None:
            has = s.scalar(
                select(CareRelationship.id)
                .where(
                    CareRelationship.user_id == st.user_id,
                    CareRelationship.patient_id == ep.patient_id,
                    CareRelationship.kind == RELATIONSHIP_KIND,
                    CareRelationship.ends_at.is_(None),
                )
                .limit(1)
            )
            if not has:
                s.add(
                    CareRelationship(
                        user_id=st.user_id, patient_id=ep.patient_id, kind=RELATIONSHIP_KIND, started_at=now
                    )
                )
        self._audit(
            s,
            principal,
            "care_assigned",
            patient_id=ep.patient_id,
            resource=f"care_episode:{ep.id}",
            detail=f"staff={st.id}; source={source}; run={run_id or ''}",
            reason=why,
        )

    @staticmethod
    def _loads_outside(s: Session, neighbourhood: str) -> dict[int, int]:
        out: dict[int, int] = {}
        for sid, status, points in s.execute(
            select(Episode.staff_id, Episode.status, Episode.points).where(
                Episode.staff_id.is_not(None),
                Episode.status.in_(d.OPEN_STATUSES),
                Episode.neighbourhood != neighbourhood,
            )
        ):
            out[sid] = out.get(sid, 0) + d.episode_points(status, points)
        return out

    def _proposal_view(self, s: Session, run: AllocationRun) -> ProposalView:
        names = self._staff_names(s)
        pids = dict(
            s.execute(
                select(Episode.id, Episode.patient_id)
                .join(AllocationItem, AllocationItem.episode_id == Episode.id)
                .where(AllocationItem.run_id == run.id)
            ).all()
        )
        items = tuple(
            ProposalItem(
                i.episode_id,
                pids.get(i.episode_id, 0),
                i.staff_id,
                names.get(i.staff_id) if i.staff_id else None,
                i.previous_staff_id,
                names.get(i.previous_staff_id) if i.previous_staff_id else None,
                i.cost,
                i.reason,
            )
            for i in s.scalars(
                select(AllocationItem)
                .where(AllocationItem.run_id == run.id)
                .order_by(AllocationItem.staff_id.is_(None).desc(), AllocationItem.id)
            )
        )
        gap = 0.0 if run.objective == 0 else max(0.0, (run.objective - run.bound) / run.objective)
        return ProposalView(
            run.id,
            run.neighbourhood,
            run.kind,
            run.method,
            run.solver_status,
            run.objective,
            run.bound,
            gap,
            run.seconds,
            run.status,
            run.created_by,
            run.created_at,
            run.decided_by,
            items,
            run.note,
        )

    # ------------------------------------------------------------------------------------------ MDT
    def create_meeting(
        self, principal: Principal | None, neighbourhood: str, held_on: Any, *, title: str | None = None
    ) -> MeetingView:
        """A meeting with its agenda: patients deteriorated (events, rising risk), reviews overdue and
        new admissions since the previous meeting (or the last 14 days)."""
        nb, _ = self._check_neighbourhood(neighbourhood)
        self._require_team(principal, nb)
        on = d.check_due(held_on, "meeting date")
        with self.db.unit_of_work() as s:
            prev = s.scalar(
                select(func.max(Meeting.held_on)).where(Meeting.neighbourhood == nb, Meeting.held_on < on)
            )
            since = prev or on - dt.timedelta(days=d.DEFAULT_LOOKBACK_DAYS)
            eps = list(
                s.scalars(
                    select(Episode)
                    .where(Episode.neighbourhood == nb, Episode.status.in_(d.OPEN_STATUSES))
                    .order_by(Episode.id)
                )
            )
            events: dict[int, list[CareEvent]] = {}
            for ev in s.scalars(
                select(CareEvent).where(
                    CareEvent.episode_id.in_([e.id for e in eps]),
                    CareEvent.occurred_on > since,
                    CareEvent.occurred_on <= on,
                )
            ):
                events.setdefault(ev.episode_id, []).append(ev)
            items: list[tuple[int, Episode, list[str], list[str]]] = []
            for ep in eps:
                reasons, details = [], []
                evs = events.get(ep.id, [])
                risk_now, ae_now = self._current_insight(ep.patient_id)
                signals = d.deterioration_signals(ep.risk_at_admission, risk_now, ep.ae_at_admission, ae_now)
                if evs or signals:
                    reasons.append("deteriorated")
                    details += [f"{d.DETERIORATION_EVENTS[e.kind]} on {e.occurred_on:%d %b}" for e in evs]
                    details += signals
                if ep.review_due < on:
                    reasons.append("overdue_review")
                    details.append(f"review was due {ep.review_due:%d %b}")
                if since < ep.admitted_on <= on:
                    reasons.append("new_admission")
                    details.append(f"admitted {ep.admitted_on:%d %b}: {ep.reason[:200]}")
                if reasons:
                    order = min(list(d.AGENDA_REASONS).index(r) for r in reasons)
                    items.append((order, ep, reasons, details))
            items.sort(key=lambda t: (t[0], -(t[1].risk_at_admission or 0.0), t[1].id))
            m = Meeting(
                neighbourhood=nb,
                held_on=on,
                created_by=self._by(principal),
                created_at=self.clock(),
                title=d.check_text(title, "title", max_len=200, required=False) or f"{nb} MDT {on:%d %b %Y}",
            )
            s.add(m)
            s.flush()
            for pos, (_, ep, reasons, details) in enumerate(items, 1):
                s.add(
                    AgendaItem(
                        meeting_id=m.id,
                        episode_id=ep.id,
                        patient_id=ep.patient_id,
                        reasons=",".join(reasons),
                        detail="; ".join(details),
                        position=pos,
                    )
                )
            self._audit(
                s,
                principal,
                "care_mdt_created",
                resource=f"care_mdt:{m.id}",
                detail=f"neighbourhood={nb}; items={len(items)}",
            )
            s.flush()
            meeting_id = m.id
        return self.meeting(principal, meeting_id)

    def _current_insight(self, patient_id: int) -> tuple[float | None, int | None]:
        """Today's predicted risk and A&E attendances (12 months) from the insight tables."""
        try:
            person = self.directory.lookup(patient_id)
        except Exception:  # the lake being unavailable must not stop the meeting
            return None, None
        if not person:
            return None, None
        risk = person.get("risk")
        return (float(risk) if risk is not None else None), _opt_int(person.get("ae_12m"))

    def meetings(self, principal: Principal | None, neighbourhood: str) -> list[MeetingView]:
        nb, _ = self._check_neighbourhood(neighbourhood)
        self._require_team(principal, nb)
        with self.db.unit_of_work() as s:
            return [
                MeetingView(m.id, m.neighbourhood, m.held_on, m.title, m.created_by)
                for m in s.scalars(
                    select(Meeting)
                    .where(Meeting.neighbourhood == nb)
                    .order_by(Meeting.held_on.desc(), Meeting.id.desc())
                )
            ]

    def meeting(self, principal: Principal | None, meeting_id: int) -> MeetingView:
        with self.db.unit_of_work() as s:
            m = s.get(Meeting, meeting_id)
            if m is None:
                raise d.NotFoundError(f"there is no MDT meeting with id {meeting_id}")
            names = self._staff_names(s)
            tasks: dict[int, list[TaskView]] = {}
            item_rows = list(
                s.scalars(
                    select(AgendaItem).where(AgendaItem.meeting_id == m.id).order_by(AgendaItem.position)
                )
            )
            for t in s.scalars(
                select(Task).where(Task.agenda_item_id.in_([i.id for i in item_rows])).order_by(Task.id)
            ):
                tasks.setdefault(t.agenda_item_id, []).append(self._task_view(t, names))
            items = tuple(self._item_view(i, tasks.get(i.id, [])) for i in item_rows)
            view = MeetingView(m.id, m.neighbourhood, m.held_on, m.title, m.created_by, items)
        self._authorise_list(principal, view.neighbourhood, f"care_mdt:{meeting_id}", len(items))
        return view

    @staticmethod
    def _item_view(i: AgendaItem, tasks: Sequence[TaskView] = ()) -> AgendaItemView:
        reasons = tuple(r for r in i.reasons.split(",") if r)
        return AgendaItemView(
            i.id,
            i.episode_id,
            i.patient_id,
            reasons,
            tuple(d.AGENDA_REASONS.get(r, r) for r in reasons),
            i.detail,
            i.position,
            i.decision,
            i.decided_by,
            tuple(tasks),
        )

    def record_decision(
        self,
        principal: Principal | None,
        item_id: int,
        decision: str,
        actions: Iterable[dict[str, Any]] = (),
        *,
        review_due: Any = None,
    ) -> AgendaItemView:
        """Record the MDT's decision for one patient; each action becomes a task with owner and due date."""
        decision = d.check_text(decision, "the decision", max_len=4000)
        with self.db.unit_of_work() as s:
            item = s.get(AgendaItem, item_id)
            if item is None:
                raise d.NotFoundError(f"there is no MDT agenda item with id {item_id}")
            pid, ep_id = item.patient_id, item.episode_id
            nb = s.get(Meeting, item.meeting_id).neighbourhood
        self._authorise_write(
            principal,
            pid,
            self._registered_neighbourhood(pid) or nb,
            nb,
            "care_mdt_decision",
            f"care_mdt_item:{item_id}",
        )
        parsed = []
        for i, a in enumerate(actions, 1):
            title = str(a.get("title") or "").strip()
            if not title:
                continue
            if not a.get("owner_staff_id"):
                raise d.InvalidCareInput(f"action {i} ({title[:40]}) needs an owner")
            if not a.get("due_on"):
                raise d.InvalidCareInput(f"action {i} ({title[:40]}) needs a due date")
            parsed.append(
                (
                    d.check_text(title, f"action {i}", max_len=300),
                    _int(a["owner_staff_id"], "owner"),
                    d.check_due(a["due_on"], f"action {i} due date"),
                )
            )
        due = d.check_due(review_due, "next review date") if review_due else None
        with self.db.unit_of_work() as s:
            item = s.get(AgendaItem, item_id)
            item.decision, item.decided_by, item.decided_at = decision, self._by(principal), self.clock()
            names = self._staff_names(s)
            for title, owner, due_on in parsed:
                if owner not in names:
                    raise d.NotFoundError(f"there is no staff member with id {owner}")
                s.add(
                    Task(
                        kind="task",
                        neighbourhood=nb,
                        patient_id=pid,
                        episode_id=ep_id,
                        agenda_item_id=item_id,
                        title=title,
                        detail=f"MDT decision: {decision[:500]}",
                        owner_staff_id=owner,
                        due_on=due_on,
                        status="todo",
                        created_by=self._by(principal),
                        created_at=self.clock(),
                        updated_at=self.clock(),
                    )
                )
            if due is not None:
                s.get(Episode, ep_id).review_due = due
            self._audit(
                s,
                principal,
                "care_mdt_decision",
                patient_id=pid,
                resource=f"care_mdt_item:{item_id}",
                detail=f"actions={len(parsed)}",
            )
            s.flush()
            tasks = [
                self._task_view(t, names)
                for t in s.scalars(select(Task).where(Task.agenda_item_id == item_id))
            ]
            return self._item_view(item, tasks)

    # ----------------------------------------------------------------------------------- care plans
    def create_care_plan(
        self,
        principal: Principal | None,
        episode_id: int,
        *,
        what_matters: str,
        goals: Any,
        actions: Any = (),
        review_date: Any,
        shared_with_patient: bool = False,
    ) -> PlanView:
        pid, nb = self._episode_meta(episode_id)
        self._authorise_write(principal, pid, nb, nb, "care_plan_create", f"care_episode:{episode_id}")
        wm, goal_list, action_list = d.check_plan(what_matters, goals, actions)
        review = d.check_due(review_date, "review date")
        try:
            with self.db.unit_of_work() as s:
                existing = s.scalar(
                    select(CarePlan.id)
                    .where(CarePlan.episode_id == episode_id, CarePlan.status == "active")
                    .limit(1)
                )
                if existing:
                    raise d.ConflictError(
                        f"episode {episode_id} already has care plan {existing}",
                        hint="edit that plan instead",
                    )
                plan = CarePlan(
                    patient_id=pid,
                    episode_id=episode_id,
                    neighbourhood=nb,
                    what_matters=wm,
                    goals=json.dumps(goal_list),
                    actions=json.dumps([a.as_dict() for a in action_list]),
                    review_date=review,
                    shared_with_patient=bool(shared_with_patient),
                    share_token=secrets.token_urlsafe(24) if shared_with_patient else None,
                    updated_by=self._by(principal),
                    updated_at=self.clock(),
                )
                s.add(plan)
                s.flush()
                self._snapshot(s, plan, principal)
                self._audit(
                    s,
                    principal,
                    "care_plan_saved",
                    patient_id=pid,
                    resource=f"care_plan:{plan.id}",
                    detail=f"version={plan.version}",
                )
                return self._plan_view(plan)
        except d.ConflictError as exc:
            self._conflict(principal, "care_plan_create", pid, f"care_episode:{episode_id}", exc.message)
            raise
        except IntegrityError:  # a simultaneous first save won: the database's unique index decides
            message = (
                f"episode {episode_id} already has a care plan (saved at the same moment by someone else)"
            )
            self._conflict(principal, "care_plan_create", pid, f"care_episode:{episode_id}", message)
            raise d.ConflictError(message, hint="open that plan and edit it instead") from None

    def update_care_plan(
        self,
        principal: Principal | None,
        plan_id: int,
        expected_version: Any,
        *,
        what_matters: str,
        goals: Any,
        actions: Any = (),
        review_date: Any,
        shared_with_patient: bool = False,
    ) -> PlanView:
        """Save a new version. ``expected_version`` is the version the editor started from: if someone
        saved since, :class:`StaleVersion` names the current version and nothing is written."""
        if expected_version in (None, ""):
            raise d.InvalidCareInput("say which version of the care plan you edited", hint="send its version")
        expected = _int(expected_version, "version")
        pid, nb = self._plan_meta(plan_id)
        self._authorise_write(principal, pid, nb, nb, "care_plan_update", f"care_plan:{plan_id}")
        wm, goal_list, action_list = d.check_plan(what_matters, goals, actions)
        review = d.check_due(review_date, "review date")
        try:
            with self.db.unit_of_work() as s:
                plan = s.get(CarePlan, plan_id)
                self._check_version(plan.version, expected, f"care plan {plan_id}")
                plan.what_matters, plan.goals = wm, json.dumps(goal_list)
                plan.actions = json.dumps([a.as_dict() for a in action_list])
                plan.review_date, plan.updated_by, plan.updated_at = review, self._by(principal), self.clock()
                if shared_with_patient and not plan.share_token:
                    plan.share_token = secrets.token_urlsafe(24)
                elif not shared_with_patient:
                    plan.share_token = None
                plan.shared_with_patient = bool(shared_with_patient)
                s.flush()  # UPDATE ... WHERE version = expected: another writer makes this fail
                self._snapshot(s, plan, principal)
                self._audit(
                    s,
                    principal,
                    "care_plan_saved",
                    patient_id=pid,
                    resource=f"care_plan:{plan.id}",
                    detail=f"version={plan.version}",
                )
                s.flush()
                return self._plan_view(plan)
        except (StaleDataError, IntegrityError):
            raise d.StaleVersion(
                f"care plan {plan_id}", expected, self._current_version(CarePlan, plan_id)
            ) from None

    def _snapshot(self, s: Session, plan: CarePlan, principal: Principal | None) -> None:
        content = {
            "what_matters": plan.what_matters,
            "goals": json.loads(plan.goals),
            "actions": json.loads(plan.actions),
            "review_date": plan.review_date.isoformat(),
            "shared_with_patient": plan.shared_with_patient,
        }
        s.add(
            CarePlanVersion(
                plan_id=plan.id,
                version=plan.version,
                content=json.dumps(content),
                saved_by=self._by(principal),
                saved_at=self.clock(),
            )
        )

    def _plan_meta(self, plan_id: int) -> tuple[int, str]:
        return self._owner(CarePlan, plan_id, "care plan")

    def care_plan(self, principal: Principal | None, plan_id: int) -> PlanView:
        pid, nb = self._plan_meta(plan_id)
        self._authorise(principal, pid, nb, "care_plan_view", f"care_plan:{plan_id}")
        with self.db.unit_of_work() as s:
            return self._plan_view(s.get(CarePlan, plan_id))

    def plan_versions(self, principal: Principal | None, plan_id: int) -> list[PlanVersionView]:
        pid, nb = self._plan_meta(plan_id)
        self._authorise(principal, pid, nb, "care_plan_history", f"care_plan:{plan_id}")
        with self.db.unit_of_work() as s:
            return [
                PlanVersionView(v.plan_id, v.version, v.saved_by, v.saved_at, json.loads(v.content))
                for v in s.scalars(
                    select(CarePlanVersion)
                    .where(CarePlanVersion.plan_id == plan_id)
                    .order_by(CarePlanVersion.version.desc())
                )
            ]

    def plan_version(self, principal: Principal | None, plan_id: int, version: int) -> PlanVersionView:
        pid, nb = self._plan_meta(plan_id)
        self._authorise(principal, pid, nb, "care_plan_history", f"care_plan:{plan_id}:v{version}")
        with self.db.unit_of_work() as s:
            v = s.scalar(
                select(CarePlanVersion).where(
                    CarePlanVersion.plan_id == plan_id, CarePlanVersion.version == version
                )
            )
            if v is None:
                raise d.NotFoundError(f"care plan {plan_id} has no version {version}")
            return PlanVersionView(v.plan_id, v.version, v.saved_by, v.saved_at, json.loads(v.content))

    def shared_plan(self, token: str) -> PlanView:
        """The patient-facing read of a plan shared with the patient (by its secret link)."""
        if not token or len(token) > 64:
            raise d.NotFoundError("this care plan link is not valid")
        with self.db.unit_of_work() as s:
            plan = s.scalar(
                select(CarePlan).where(CarePlan.share_token == token, CarePlan.shared_with_patient.is_(True))
            )
            if plan is None:
                raise d.NotFoundError("this care plan link is not valid or is no longer shared")
            self._audit(
                s,
                None,
                "care_plan_patient_view",
                patient_id=plan.patient_id,
                resource=f"care_plan:{plan.id}",
                username="patient-link",
            )
            return self._plan_view(plan)

    def plan_for_episode(self, principal: Principal | None, episode_id: int) -> PlanView | None:
        with self.db.unit_of_work() as s:
            plan_id = s.scalar(
                select(CarePlan.id)
                .where(CarePlan.episode_id == episode_id, CarePlan.status == "active")
                .limit(1)
            )
        return self.care_plan(principal, plan_id) if plan_id else None

    @staticmethod
    def _plan_view(p: CarePlan) -> PlanView:
        return PlanView(
            p.id,
            p.patient_id,
            p.episode_id,
            p.neighbourhood,
            p.what_matters,
            tuple(json.loads(p.goals)),
            tuple(json.loads(p.actions)),
            p.review_date,
            p.shared_with_patient,
            p.share_token,
            p.version,
            p.updated_by,
            p.updated_at,
        )

    # ---------------------------------------------------------------------------- tasks, referrals
    def create_task(
        self,
        principal: Principal | None,
        neighbourhood: str,
        title: str,
        due_on: Any,
        *,
        kind: str = "task",
        owner_staff_id: Any = None,
        patient_id: Any = None,
        episode_id: Any = None,
        detail: str = "",
        from_service: str | None = None,
        to_service: str | None = None,
    ) -> TaskView:
        nb, _ = self._check_neighbourhood(neighbourhood)
        if kind not in d.TASK_KINDS:
            raise d.InvalidCareInput(f"unknown kind {kind!r}", hint="task or referral")
        title = d.check_text(title, "title", max_len=300)
        due = d.check_due(due_on)
        owner = _int(owner_staff_id, "owner") if owner_staff_id not in (None, "") else None
        if kind == "task" and owner is None:
            raise d.InvalidCareInput("a task needs an owner")
        for svc, label in ((from_service, "from service"), (to_service, "to service")):
            if svc and svc not in d.SERVICES:
                raise d.InvalidCareInput(f"unknown {label} {svc!r}", hint=f"one of: {', '.join(d.SERVICES)}")
        if kind == "referral" and not to_service:
            raise d.InvalidCareInput("a referral needs the service it is to")
        ep_id = _int(episode_id, "episode") if episode_id not in (None, "") else None
        pid = _int(patient_id, "patient id") if patient_id not in (None, "") else None
        patient_nb: str | None = None
        if ep_id is not None:
            ep_pid, patient_nb = self._episode_meta(ep_id)
            if pid is not None and pid != ep_pid:
                raise d.InvalidCareInput(f"episode {ep_id} is for another person")
            if patient_nb != nb:
                raise d.InvalidCareInput(f"episode {ep_id} belongs to the {patient_nb} team, not {nb}")
            pid = ep_pid
        elif pid is not None:
            person = self.directory.lookup(pid)
            if person is None:
                raise d.UnknownPatient(pid)
            patient_nb = person["neighbourhood"]
        self._authorise_write(principal, pid, patient_nb, nb, "care_task_create", f"patient:{pid}")
        with self.db.unit_of_work() as s:
            names = self._staff_names(s)
            if owner is not None and owner not in names:
                raise d.NotFoundError(f"there is no staff member with id {owner}")
            t = Task(
                kind=kind,
                neighbourhood=nb,
                patient_id=pid,
                episode_id=ep_id,
                title=title,
                detail=d.check_text(detail, "detail", max_len=4000, required=False),
                from_service=from_service,
                to_service=to_service,
                owner_staff_id=owner,
                due_on=due,
                status="todo" if kind == "task" else "requested",
                created_by=self._by(principal),
                created_at=self.clock(),
                updated_at=self.clock(),
            )
            s.add(t)
            s.flush()
            self._audit(
                s,
                principal,
                f"care_{kind}_created",
                patient_id=pid,
                resource=f"care_task:{t.id}",
                detail=f"to={to_service or ''}; owner={owner or ''}",
            )
            return self._task_view(t, names)

    def update_task(
        self, principal: Principal | None, task_id: int, status: str, *, expected_version: Any = None
    ) -> TaskView:
        with self.db.unit_of_work() as s:
            t = s.get(Task, task_id)
            if t is None:
                raise d.NotFoundError(f"there is no task with id {task_id}")
            pid, nb, kind, ep_id = t.patient_id, t.neighbourhood, t.kind, t.episode_id
            ep = s.get(Episode, ep_id) if ep_id is not None else None
            # the patient's own registration (or their episode's team), never the task's team
            patient_nb = ep.neighbourhood if ep is not None else None
        d.check_task_status(kind, status)
        if pid is not None and patient_nb is None:
            patient_nb = self._registered_neighbourhood(pid)
        self._authorise_write(principal, pid, patient_nb, nb, "care_task_update", f"care_task:{task_id}")
        expected = _int(expected_version, "version") if expected_version not in (None, "") else None
        try:
            with self.db.unit_of_work() as s:
                t = s.get(Task, task_id)
                self._check_version(t.version, expected, f"task {task_id}")
                t.status, t.updated_at = status, self.clock()
                s.flush()
                self._audit(
                    s,
                    principal,
                    "care_task_updated",
                    patient_id=pid,
                    resource=f"care_task:{task_id}",
                    detail=f"status={status}",
                )
                return self._task_view(t, self._staff_names(s))
        except StaleDataError:
            raise d.StaleVersion(
                f"task {task_id}", expected or 0, self._current_version(Task, task_id)
            ) from None

    def board(
        self,
        principal: Principal | None,
        neighbourhood: str,
        *,
        owner_staff_id: int | None = None,
        kind: str | None = None,
    ) -> dict[str, list[TaskView]]:
        """The team board: tasks and referrals grouped by status (in workflow order)."""
        nb, _ = self._check_neighbourhood(neighbourhood)
        with self.db.unit_of_work() as s:
            q = select(Task).where(Task.neighbourhood == nb)
            if owner_staff_id is not None:
                q = q.where(Task.owner_staff_id == owner_staff_id)
            if kind:
                q = q.where(Task.kind == kind)
            names = self._staff_names(s)
            tasks = [self._task_view(t, names) for t in s.scalars(q.order_by(Task.due_on, Task.id))]
        self._authorise_list(principal, nb, "care:board", len(tasks))
        order = list(d.TASK_STATUSES) + [k for k in d.REFERRAL_STATUSES if k not in d.TASK_STATUSES]
        board: dict[str, list[TaskView]] = {k: [] for k in order}
        for t in tasks:
            board.setdefault(t.status, []).append(t)
        return board

    def _task_view(self, t: Task, names: dict[int, str]) -> TaskView:
        labels = d.TASK_STATUSES if t.kind == "task" else d.REFERRAL_STATUSES
        return TaskView(
            t.id,
            t.kind,
            t.neighbourhood,
            t.patient_id,
            t.episode_id,
            t.agenda_item_id,
            t.title,
            t.detail,
            t.from_service,
            t.to_service,
            t.owner_staff_id,
            names.get(t.owner_staff_id) if t.owner_staff_id else None,
            t.due_on,
            t.status,
            labels.get(t.status, t.status),
            t.created_by,
            t.version,
            t.status in ("todo", "in_progress", "requested", "accepted") and t.due_on < self.today(),
        )

    # ---------------------------------------------------------------------------------- versioning
    @staticmethod
    def _check_version(current: int, expected: int | None, what: str) -> None:
        if expected is not None and current != expected:
            raise d.StaleVersion(what, expected, current)

    def _flush_versioned(self, s: Session, what: str, model: type, pk: int, expected: int | None) -> None:
        try:
            s.flush()
        except StaleDataError:
            raise d.StaleVersion(what, expected or 0, self._current_version(model, pk)) from None

    def _current_version(self, model: type, pk: int) -> int:
        with self.db.unit_of_work() as s:
            return s.scalar(select(model.version).where(model.id == pk)) or 0


def _int(value: Any, field: str) -> int:
    """A whole number from a form or JSON field, by the one parser (ASCII digits, 64-bit range)."""
    try:
        return parse_whole_number(value, field)
    except InvalidIdentifier as exc:
        raise d.InvalidCareInput(exc.message) from None


def _opt_int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def d_unassigned_cost() -> int:
    from nhc.care.matching import COST_UNASSIGNED

    return COST_UNASSIGNED
