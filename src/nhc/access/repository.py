"""Hubs, schedules, slots and appointments on the operational database: rows to domain objects and back.

A repository works inside the caller's session (one unit of work). :meth:`AccessRepository.claim` is
the booking's guard: one conditional ``UPDATE ... WHERE status = 'free'``, so of two simultaneous
bookings only one changes the row; the partial unique index on appointments is the backstop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from nhc.access.domain import (
    ActorKind,
    Appointment,
    AppointmentStatus,
    Channel,
    Hub,
    NotFound,
    Schedule,
    ServiceType,
    Slot,
    SlotStatus,
)
from nhc.access.domain.utilisation import SlotRecord
from nhc.access.domain.visit_requests import StoredVisit
from nhc.access.domain.visits import Place, Priority, Skill
from nhc.access.models import AppointmentRow, HubRow, ScheduleRow, SlotRow, VisitRequestRow


def _hub(row: HubRow) -> Hub:
    return Hub(
        id=row.id,
        name=row.name,
        neighbourhood=row.neighbourhood,
        locality=row.locality,
        host_practice=row.host_practice,
        practices=tuple(p for p in row.practices.split(",") if p),
        list_size=row.list_size,
        latitude=row.latitude,
        longitude=row.longitude,
    )


def _schedule(row: ScheduleRow) -> Schedule:
    return Schedule(
        id=row.id,
        hub_id=row.hub_id,
        actor_kind=ActorKind(row.actor_kind),
        actor_id=row.actor_id,
        actor_name=row.actor_name,
        service_type=ServiceType(row.service_type),
        active=row.active,
    )


def _slot(row: SlotRow) -> Slot:
    return Slot(
        id=row.id,
        schedule_id=row.schedule_id,
        start=row.start,
        end=row.end,
        service_type=ServiceType(row.service_type),
        channel=Channel(row.channel),
        status=SlotStatus(row.status),
    )


def _appointment(row: AppointmentRow) -> Appointment:
    return Appointment(
        id=row.id,
        slot_id=row.slot_id,
        patient_id=row.patient_id,
        practice_code=row.practice_code,
        booking_organisation=row.booking_organisation,
        booked_by=row.booked_by,
        created=row.created,
        status=AppointmentStatus(row.status),
        cancelled_at=row.cancelled_at,
        cancellation_reason=row.cancellation_reason,
    )


class AccessRepository:
    """Reads and writes of the access tables in one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- hubs and timetables ----------------------------------------------------------------------
    def replace_hubs(self, hubs: Iterable[Hub]) -> None:
        """Replace every hub (and, by cascade, its schedules, slots and appointments)."""
        for table in (AppointmentRow, SlotRow, ScheduleRow, HubRow):
            self.session.execute(delete(table))
        self.session.add_all(HubRow(**{**vars(h), "practices": ",".join(h.practices)}) for h in hubs)
        self.session.flush()

    def add_schedules(self, schedules: Iterable[Schedule]) -> None:
        self.session.add_all(
            ScheduleRow(**{**vars(s), "actor_kind": s.actor_kind.value, "service_type": s.service_type.value})
            for s in schedules
        )
        self.session.flush()

    def add_slots(self, slots: Sequence[Slot]) -> None:
        """Insert slots in bulk (Core insert: eight weeks of a county is tens of thousands of rows)."""
        if slots:
            self.session.execute(
                SlotRow.__table__.insert(),
                [
                    {
                        **vars(s),
                        "service_type": s.service_type.value,
                        "channel": s.channel.value,
                        "status": s.status.value,
                    }
                    for s in slots
                ],
            )

    def hubs(self) -> list[Hub]:
        return [_hub(r) for r in self.session.scalars(select(HubRow).order_by(HubRow.id))]

    def hub(self, hub_id: str) -> Hub:
        row = self.session.get(HubRow, hub_id)
        if row is None:
            raise NotFound(f"there is no hub {hub_id!r}")
        return _hub(row)

    def schedules(self, hub_id: str | None = None) -> list[Schedule]:
        query = select(ScheduleRow).order_by(ScheduleRow.id)
        if hub_id is not None:
            query = query.where(ScheduleRow.hub_id == hub_id)
        return [_schedule(r) for r in self.session.scalars(query)]

    def schedule(self, schedule_id: str) -> Schedule:
        row = self.session.get(ScheduleRow, schedule_id)
        if row is None:
            raise NotFound(f"there is no schedule {schedule_id!r}")
        return _schedule(row)

    # --- slots ------------------------------------------------------------------------------------
    def slot(self, slot_id: str) -> Slot:
        row = self.session.get(SlotRow, slot_id)
        if row is None:
            raise NotFound(f"there is no slot {slot_id!r}", hint="search for free slots again")
        return _slot(row)

    def search_slots(
        self,
        *,
        status: SlotStatus | None = SlotStatus.FREE,
        start_from: dt.datetime | None = None,
        start_to: dt.datetime | None = None,
        service_type: ServiceType | None = None,
        channel: Channel | None = None,
        hub_id: str | None = None,
        actor_id: str | None = None,
        limit: int = 50,
    ) -> list[tuple[Slot, Schedule]]:
        """Slots matching every given filter, earliest first, with their schedules.

        Plain columns, not ORM entities: the search is the hot path (many users, every keystroke
        of a receptionist), and building identity-mapped rows costs more than the query."""
        slot, schedule = SlotRow.__table__.c, ScheduleRow.__table__.c
        query = select(
            slot.id, slot.schedule_id, slot.start, slot.end, slot.service_type, slot.channel, slot.status,
            schedule.hub_id, schedule.actor_kind, schedule.actor_id, schedule.actor_name, schedule.active,
        ).join_from(SlotRow.__table__, ScheduleRow.__table__, slot.schedule_id == schedule.id)  # fmt: skip
        conditions = [
            (status, lambda v: slot.status == v.value),
            (start_from, lambda v: slot.start >= v),
            (start_to, lambda v: slot.start < v),
            (service_type, lambda v: slot.service_type == v.value),
            (channel, lambda v: slot.channel == v.value),
            (hub_id, lambda v: schedule.hub_id == v),
            (actor_id, lambda v: schedule.actor_id == v),
        ]
        for value, condition in conditions:
            if value is not None:
                query = query.where(condition(value))
        query = query.order_by(slot.start, slot.id).limit(limit)
        schedules: dict[str, Schedule] = {}
        out = []
        for sid, sched, start, end, st, ch, status_, hub, kind, actor, name, active in self.session.execute(
            query
        ):
            role = ServiceType(st)
            found = Slot(sid, sched, start, end, role, Channel(ch), SlotStatus(status_))
            if sched not in schedules:
                schedules[sched] = Schedule(sched, hub, ActorKind(kind), actor, name, role, active)
            out.append((found, schedules[sched]))
        return out

    def claim(self, slot: Slot) -> bool:
        """Mark ``slot`` busy only if it is still free in the database; False if someone else won."""
        result = self.session.execute(
            update(SlotRow)
            .where(SlotRow.id == slot.id, SlotRow.status == SlotStatus.FREE.value)
            .values(status=slot.status.value)
        )
        return result.rowcount == 1

    def save_slot(self, slot: Slot) -> None:
        self.session.execute(update(SlotRow).where(SlotRow.id == slot.id).values(status=slot.status.value))

    # --- appointments -----------------------------------------------------------------------------
    def add_appointment(self, appointment: Appointment) -> None:
        row = AppointmentRow(**{**vars(appointment), "status": appointment.status.value})
        self.session.add(row)
        self.session.flush()

    def appointment(self, appointment_id: str) -> Appointment:
        row = self.session.get(AppointmentRow, appointment_id)
        if row is None:
            raise NotFound(f"there is no appointment {appointment_id!r}")
        return _appointment(row)

    def save_appointment(self, appointment: Appointment) -> None:
        row = self.session.get(AppointmentRow, appointment.id)
        assert row is not None  # read in this unit of work
        row.status = appointment.status.value
        row.cancelled_at = appointment.cancelled_at
        row.cancellation_reason = appointment.cancellation_reason
        self.session.flush()

    def appointments_for(self, patient_id: int) -> list[Appointment]:
        query = select(AppointmentRow).where(AppointmentRow.patient_id == patient_id)
        return [_appointment(r) for r in self.session.scalars(query.order_by(AppointmentRow.created))]

    def count_holding(self, slot_id: str) -> int:
        holding = [s.value for s in AppointmentStatus if s is not AppointmentStatus.CANCELLED]
        query = select(func.count()).where(
            AppointmentRow.slot_id == slot_id, AppointmentRow.status.in_(holding)
        )
        return int(self.session.scalar(query) or 0)

    def slot_records(self, start: dt.datetime, end: dt.datetime) -> list[SlotRecord]:
        """Every slot starting in ``[start, end)`` with its hub, and its holding appointment if any."""
        holding = [s.value for s in AppointmentStatus if s is not AppointmentStatus.CANCELLED]
        query = (
            select(SlotRow, ScheduleRow.hub_id, AppointmentRow.status, AppointmentRow.practice_code)
            .join(ScheduleRow, SlotRow.schedule_id == ScheduleRow.id)
            .outerjoin(
                AppointmentRow,
                (AppointmentRow.slot_id == SlotRow.id) & AppointmentRow.status.in_(holding),
            )
            .where(SlotRow.start >= start, SlotRow.start < end)
        )
        return [
            SlotRecord(
                slot_id=slot.id,
                hub_id=hub_id,
                role=slot.service_type,
                channel=slot.channel,
                start=slot.start,
                status=SlotStatus(slot.status),
                appointment_status=AppointmentStatus(status) if status else None,
                practice_code=practice,
            )
            for slot, hub_id, status, practice in self.session.execute(query)
        ]

    def appointments_between(self, start: dt.datetime, end: dt.datetime) -> list[tuple[Appointment, Slot]]:
        """Holding appointments whose slot starts in ``[start, end)``, with their slots."""
        query = (
            select(AppointmentRow, SlotRow)
            .join(SlotRow, AppointmentRow.slot_id == SlotRow.id)
            .where(SlotRow.start >= start, SlotRow.start < end, AppointmentRow.status != "cancelled")
        )
        return [(_appointment(a), _slot(s)) for a, s in self.session.execute(query)]

    # --- home-visit requests ----------------------------------------------------------------------
    def add_visit_request(self, visit: StoredVisit) -> StoredVisit:
        """Store ``visit``; returns it with its new id."""
        row = VisitRequestRow(
            visit_date=visit.visit_date,
            patient_id=visit.patient_id,
            neighbourhood=visit.neighbourhood,
            latitude=visit.place.latitude,
            longitude=visit.place.longitude,
            window_start=visit.window_start,
            window_end=visit.window_end,
            duration=visit.duration,
            skill=visit.skill.value,
            priority=visit.priority.value,
            reason=visit.reason,
            created_by=visit.created_by,
            created=visit.created,
        )
        self.session.add(row)
        self.session.flush()
        return _visit(row)

    def visit_requests(self, day: dt.date) -> list[StoredVisit]:
        """The stored requests for ``day``, in the order they were added."""
        query = select(VisitRequestRow).where(VisitRequestRow.visit_date == day).order_by(VisitRequestRow.id)
        return [_visit(r) for r in self.session.scalars(query)]


def _visit(row: VisitRequestRow) -> StoredVisit:
    return StoredVisit(
        id=row.id,
        visit_date=row.visit_date,
        patient_id=row.patient_id,
        neighbourhood=row.neighbourhood,
        place=Place(row.latitude, row.longitude, approximate=True),
        window_start=row.window_start,
        window_end=row.window_end,
        duration=row.duration,
        skill=Skill(row.skill),
        priority=Priority(row.priority),
        reason=row.reason,
        created_by=row.created_by,
        created=row.created,
    )
