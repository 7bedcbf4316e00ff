"""SQLAlchemy access to the care tables (:mod:`nhc.care.models`), over one session.

The use cases (:mod:`nhc.care.services`) never write a query: they ask this repository for rows
and change them through their domain methods. The session belongs to the unit of work
(:mod:`nhc.care.unit_of_work`), which commits or rolls back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from nhc.care import domain as d
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
from nhc.db import Base
from nhc.security.models import CareRelationship

#: The kind of care relationship a caseload assignment gives (read by the access decision).
RELATIONSHIP_KIND = "virtual_ward"

M = TypeVar("M", bound=Base)


class CareRepository:
    """Queries and inserts for the care tables, in the caller's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # ---------------------------------------------------------------------------------- generic
    def add(self, row: Base) -> None:
        """Insert ``row`` now (so it has its id)."""
        self.session.add(row)
        self.session.flush()

    def get(self, model: type[M], record_id: int, what: str) -> M:
        """The row, or :class:`~nhc.care.domain.NotFoundError` naming ``what``."""
        row = self.session.get(model, record_id)
        if row is None:
            raise d.NotFoundError(f"there is no {what} with id {record_id}")
        return row

    def flush(self) -> None:
        self.session.flush()

    # ------------------------------------------------------------------------------------ staff
    def staff(self, *, neighbourhood: str | None = None, locality: str | None = None) -> list[Staff]:
        q = select(Staff).where(Staff.active.is_(True))
        if neighbourhood:
            q = q.where(Staff.neighbourhood == neighbourhood)
        if locality:
            q = q.where(Staff.locality == locality)
        return list(self.session.scalars(q.order_by(Staff.neighbourhood, Staff.name)))

    def staff_of_locality(self, locality: str) -> list[Staff]:
        """Active staff who can take a locality's patients, by id (the optimiser's input order)."""
        q = select(Staff).where(Staff.active.is_(True), Staff.locality == locality).order_by(Staff.id)
        return list(self.session.scalars(q))

    def staff_by_id(self) -> dict[int, Staff]:
        return {st.id: st for st in self.session.scalars(select(Staff))}

    def staff_names(self) -> dict[int, str]:
        return dict(self.session.execute(select(Staff.id, Staff.name)).all())

    def is_lead(self, user_id: int, neighbourhood: str) -> bool:
        q = select(Staff.id).where(
            Staff.user_id == user_id, Staff.is_lead.is_(True), Staff.neighbourhood == neighbourhood
        )
        return self.session.scalar(q.limit(1)) is not None

    def absent_until(self, on: dt.date) -> dict[int, dt.date]:
        """Staff absent ``on`` a day, with the last day of their absence."""
        rows = self.session.execute(
            select(Absence.staff_id, func.max(Absence.ends_on))
            .where(Absence.starts_on <= on, Absence.ends_on >= on)
            .group_by(Absence.staff_id)
        )
        return {sid: until for sid, until in rows}

    def absences(self, staff_ids: Sequence[int], *, ending_from: dt.date) -> list[Absence]:
        """The absences of ``staff_ids`` that end on or after ``ending_from`` (now and to come), by start."""
        if not staff_ids:
            return []
        q = select(Absence).where(Absence.staff_id.in_(list(staff_ids)), Absence.ends_on >= ending_from)
        return list(self.session.scalars(q.order_by(Absence.starts_on, Absence.id)))

    def loads(self, *, exclude_episode: int | None = None, outside: str | None = None) -> dict[int, int]:
        """Weekly points each clinician carries (open episodes), optionally leaving one episode out,
        or counting only episodes of neighbourhoods other than ``outside``."""
        q = select(Episode.staff_id, Episode.status, Episode.points).where(
            Episode.staff_id.is_not(None), Episode.status.in_(d.OPEN_STATUSES)
        )
        if exclude_episode is not None:
            q = q.where(Episode.id != exclude_episode)
        if outside is not None:
            q = q.where(Episode.neighbourhood != outside)
        out: dict[int, int] = {}
        for sid, status, points in self.session.execute(q):
            out[sid] = out.get(sid, 0) + d.episode_points(status, points)
        return out

    # --------------------------------------------------------------------------------- episodes
    def open_episode_id(self, patient_id: int) -> int | None:
        q = select(Episode.id).where(Episode.patient_id == patient_id, Episode.status.in_(d.OPEN_STATUSES))
        return self.session.scalar(q.limit(1))

    def open_patient_ids(self, neighbourhood: str) -> set[int]:
        q = select(Episode.patient_id).where(
            Episode.neighbourhood == neighbourhood, Episode.status.in_(d.OPEN_STATUSES)
        )
        return set(self.session.scalars(q))

    def open_episode_ids(self, neighbourhood: str) -> dict[int, int]:
        """Patient id → open episode id, for a neighbourhood's caseload."""
        q = select(Episode.patient_id, Episode.id).where(
            Episode.neighbourhood == neighbourhood, Episode.status.in_(d.OPEN_STATUSES)
        )
        return {int(pid): int(eid) for pid, eid in self.session.execute(q)}

    def episodes(self, neighbourhood: str, statuses: Sequence[str], *, by_id: bool = False) -> list[Episode]:
        """A neighbourhood's episodes in ``statuses``, by admission date (or by id)."""
        order = (Episode.id,) if by_id else (Episode.admitted_on, Episode.id)
        q = select(Episode).where(Episode.neighbourhood == neighbourhood, Episode.status.in_(statuses))
        return list(self.session.scalars(q.order_by(*order)))

    def open_assignments(self, episode_id: int) -> list[Assignment]:
        q = select(Assignment).where(Assignment.episode_id == episode_id, Assignment.ended_at.is_(None))
        return list(self.session.scalars(q))

    def assignments(self, episode_id: int) -> list[Assignment]:
        q = select(Assignment).where(Assignment.episode_id == episode_id)
        return list(self.session.scalars(q.order_by(Assignment.started_at.desc(), Assignment.id.desc())))

    def events(self, episode_id: int) -> list[CareEvent]:
        q = select(CareEvent).where(CareEvent.episode_id == episode_id)
        return list(self.session.scalars(q.order_by(CareEvent.occurred_on.desc(), CareEvent.id.desc())))

    def events_between(
        self, episode_ids: Sequence[int], since: dt.date, on: dt.date
    ) -> dict[int, list[CareEvent]]:
        """Events after ``since`` up to ``on``, by episode."""
        out: dict[int, list[CareEvent]] = {}
        q = select(CareEvent).where(
            CareEvent.episode_id.in_(list(episode_ids)),
            CareEvent.occurred_on > since,
            CareEvent.occurred_on <= on,
        )
        for ev in self.session.scalars(q):
            out.setdefault(ev.episode_id, []).append(ev)
        return out

    # ---------------------------------------------------------------------------- relationships
    def has_relationship(self, user_id: int, patient_id: int) -> bool:
        q = select(CareRelationship.id).where(
            CareRelationship.user_id == user_id,
            CareRelationship.patient_id == patient_id,
            CareRelationship.kind == RELATIONSHIP_KIND,
            CareRelationship.ends_at.is_(None),
        )
        return self.session.scalar(q.limit(1)) is not None

    def start_relationship(self, user_id: int, patient_id: int, at: dt.datetime) -> None:
        self.session.add(
            CareRelationship(user_id=user_id, patient_id=patient_id, kind=RELATIONSHIP_KIND, started_at=at)
        )

    def end_relationships(self, patient_id: int, ends: dt.datetime) -> None:
        """Caseload relationships with the patient end at ``ends`` (a while after discharge)."""
        self.session.execute(
            update(CareRelationship)
            .where(
                CareRelationship.patient_id == patient_id,
                CareRelationship.kind == RELATIONSHIP_KIND,
                CareRelationship.ends_at.is_(None),
            )
            .values(ends_at=ends)
        )

    # ------------------------------------------------------------------------------- allocation
    def supersede_proposals(self, neighbourhood: str) -> None:
        q = select(AllocationRun).where(
            AllocationRun.neighbourhood == neighbourhood, AllocationRun.status == d.RunStatus.PROPOSED.value
        )
        for old in self.session.scalars(q):
            old.status = d.RunStatus.SUPERSEDED.value

    def claim_proposal(self, run_id: int, by: str, at: dt.datetime) -> bool:
        """Mark a proposal accepted if it still waits for a decision (a concurrent accept finds it taken)."""
        claimed = self.session.execute(
            update(AllocationRun)
            .where(AllocationRun.id == run_id, AllocationRun.status == d.RunStatus.PROPOSED.value)
            .values(status=d.RunStatus.ACCEPTED.value, decided_by=by, decided_at=at)
        )
        return claimed.rowcount == 1  # type: ignore[attr-defined]

    def run_status(self, run_id: int) -> str | None:
        return self.session.scalar(select(AllocationRun.status).where(AllocationRun.id == run_id))

    def latest_run_id(self, neighbourhood: str) -> int | None:
        q = select(AllocationRun.id).where(AllocationRun.neighbourhood == neighbourhood)
        return self.session.scalar(q.order_by(AllocationRun.id.desc()).limit(1))

    def run_items(self, run_id: int) -> list[AllocationItem]:
        """A proposal's items, unassigned patients first."""
        q = select(AllocationItem).where(AllocationItem.run_id == run_id)
        return list(
            self.session.scalars(q.order_by(AllocationItem.staff_id.is_(None).desc(), AllocationItem.id))
        )

    def run_patient_ids(self, run_id: int) -> dict[int, int]:
        """episode id -> patient id for a proposal's items."""
        q = (
            select(Episode.id, Episode.patient_id)
            .join(AllocationItem, AllocationItem.episode_id == Episode.id)
            .where(AllocationItem.run_id == run_id)
        )
        return dict(self.session.execute(q).all())

    def pending_items(self, episode_id: int) -> list[AllocationItem]:
        """Items about an episode in proposals still waiting for a decision."""
        q = (
            select(AllocationItem)
            .join(AllocationRun)
            .where(
                AllocationItem.episode_id == episode_id, AllocationRun.status == d.RunStatus.PROPOSED.value
            )
        )
        return list(self.session.scalars(q))

    # -------------------------------------------------------------------------------------- MDT
    def previous_meeting_day(self, neighbourhood: str, before: dt.date) -> dt.date | None:
        q = select(func.max(Meeting.held_on)).where(
            Meeting.neighbourhood == neighbourhood, Meeting.held_on < before
        )
        return self.session.scalar(q)

    def meetings(self, neighbourhood: str) -> list[Meeting]:
        q = select(Meeting).where(Meeting.neighbourhood == neighbourhood)
        return list(self.session.scalars(q.order_by(Meeting.held_on.desc(), Meeting.id.desc())))

    def agenda(self, meeting_id: int) -> list[AgendaItem]:
        q = select(AgendaItem).where(AgendaItem.meeting_id == meeting_id).order_by(AgendaItem.position)
        return list(self.session.scalars(q))

    # ------------------------------------------------------------------------------------ plans
    def current_plan_id(self, episode_id: int) -> int | None:
        q = select(CarePlan.id).where(
            CarePlan.episode_id == episode_id, CarePlan.status == d.PlanStatus.ACTIVE.value
        )
        return self.session.scalar(q.limit(1))

    def plan_versions(self, plan_id: int) -> list[CarePlanVersion]:
        q = select(CarePlanVersion).where(CarePlanVersion.plan_id == plan_id)
        return list(self.session.scalars(q.order_by(CarePlanVersion.version.desc())))

    def plan_version(self, plan_id: int, version: int) -> CarePlanVersion | None:
        q = select(CarePlanVersion).where(
            CarePlanVersion.plan_id == plan_id, CarePlanVersion.version == version
        )
        return self.session.scalar(q)

    def shared_plan(self, token: str) -> CarePlan | None:
        q = select(CarePlan).where(CarePlan.share_token == token, CarePlan.shared_with_patient.is_(True))
        return self.session.scalar(q)

    # ------------------------------------------------------------------------------------ tasks
    def tasks(
        self,
        *,
        neighbourhood: str | None = None,
        episode_id: int | None = None,
        agenda_item_ids: Sequence[int] | None = None,
        owner_staff_id: int | None = None,
        kind: str | None = None,
    ) -> list[Task]:
        """Tasks and referrals matching every filter given, by due date (agenda items' by id)."""
        q = select(Task)
        if neighbourhood is not None:
            q = q.where(Task.neighbourhood == neighbourhood)
        if episode_id is not None:
            q = q.where(Task.episode_id == episode_id)
        if owner_staff_id is not None:
            q = q.where(Task.owner_staff_id == owner_staff_id)
        if kind:
            q = q.where(Task.kind == kind)
        if agenda_item_ids is not None:
            return list(
                self.session.scalars(
                    q.where(Task.agenda_item_id.in_(list(agenda_item_ids))).order_by(Task.id)
                )
            )
        return list(self.session.scalars(q.order_by(Task.due_on, Task.id)))

    def version_of(self, model: type[Episode] | type[CarePlan] | type[Task], record_id: int) -> int:
        return self.session.scalar(select(model.version).where(model.id == record_id)) or 0
