"""What the care service returns: frozen views of its records, and the functions that build them
from stored rows (so no caller ever holds a row outside its transaction)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nhc.care import domain as d
from nhc.care.models import (
    AgendaItem,
    AllocationItem,
    AllocationRun,
    Assignment,
    CareEvent,
    CarePlan,
    CarePlanVersion,
    Episode,
    Staff,
    Task,
)


@dataclass(frozen=True)
class PersonLabel:
    """Who a record is about, as the team knows them: name, age and NHS number (from the insight
    tables); ``None`` fields when the analytics do not know them."""

    patient_id: int
    name: str | None
    age: int | None
    nhs_number: str | None


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
class TeamAccess:
    """What a user may do on a neighbourhood team's pages, so a page offers only what will work:
    ``member`` (a clinical member: the team's lists and patients), ``lead`` (team decisions:
    allocation, absences) and ``manage_staff`` (add and change staff: the lead, or an administrator)."""

    member: bool = False
    lead: bool = False
    manage_staff: bool = False


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
    person: PersonLabel | None = None


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
    person: PersonLabel | None = None

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
    person: PersonLabel | None = None


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
    person: PersonLabel | None = None


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
    person: PersonLabel | None = None


@dataclass(frozen=True)
class PlanVersionView:
    plan_id: int
    version: int
    saved_by: str
    saved_at: dt.datetime
    content: dict[str, Any] = field(default_factory=dict)


def staff_view(st: Staff, load: int, absent_until: dt.date | None) -> StaffView:
    return StaffView(
        st.id,
        st.name,
        st.role,
        d.ROLE_LABELS.get(st.role, st.role),
        tuple(sorted(st.skill_set)),
        st.neighbourhood,
        st.locality,
        st.capacity,
        st.working_pattern,
        st.is_lead,
        st.user_id,
        load,
        absent_until,
    )


def episode_view(ep: Episode, names: Mapping[int, str], today: dt.date) -> EpisodeView:
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
        tuple(sorted(ep.need_set)),
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
        ep.length_of_stay(today),
        ep.review_overdue(today),
    )


def assignment_view(a: Assignment, names: Mapping[int, str]) -> AssignmentView:
    return AssignmentView(
        a.staff_id,
        names.get(a.staff_id, "?"),
        a.source,
        a.reason,
        a.decided_by,
        a.why,
        a.started_at,
        a.ended_at,
    )


def event_view(e: CareEvent) -> EventView:
    return EventView(e.id, e.kind, e.occurred_on, e.detail, e.recorded_by)


def task_view(t: Task, names: Mapping[int, str], today: dt.date) -> TaskView:
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
        d.statuses_for(t.kind).get(t.status, t.status),
        t.created_by,
        t.version,
        t.overdue(today),
    )


def item_view(i: AgendaItem, tasks: Sequence[TaskView] = ()) -> AgendaItemView:
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


def plan_view(p: CarePlan) -> PlanView:
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


def plan_version_view(v: CarePlanVersion) -> PlanVersionView:
    return PlanVersionView(v.plan_id, v.version, v.saved_by, v.saved_at, json.loads(v.content))


def proposal_view(
    run: AllocationRun, items: Sequence[AllocationItem], names: Mapping[int, str], patients: Mapping[int, int]
) -> ProposalView:
    """A proposal with its items; ``patients`` maps episode id to patient id."""
    return ProposalView(
        run.id,
        run.neighbourhood,
        run.kind,
        run.method,
        run.solver_status,
        run.objective,
        run.bound,
        d.optimality_gap(run.objective, run.bound),
        run.seconds,
        run.status,
        run.created_by,
        run.created_at,
        run.decided_by,
        tuple(
            ProposalItem(
                i.episode_id,
                patients.get(i.episode_id, 0),
                i.staff_id,
                names.get(i.staff_id) if i.staff_id else None,
                i.previous_staff_id,
                names.get(i.previous_staff_id) if i.previous_staff_id else None,
                i.cost,
                i.reason,
            )
            for i in items
        ),
        run.note,
    )
