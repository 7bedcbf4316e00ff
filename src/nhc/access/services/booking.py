"""Use cases: search free slots, book one, cancel an appointment -- each in one unit of work.

Booking under concurrency: the slot row is claimed with a conditional update (free to busy) and the
appointment is inserted under a partial unique index; whichever of two simultaneous bookings loses
either step gets :class:`~nhc.access.domain.SlotTaken` ("that slot was just taken"), and nothing
of its attempt is stored.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from nhc.access.domain import (
    Appointment,
    Channel,
    Schedule,
    ServiceType,
    Slot,
    SlotStatus,
    SlotTaken,
    continuity_order,
)
from nhc.access.unit_of_work import AccessUnitOfWork
from nhc.db import Database


@dataclass(frozen=True)
class SlotQuery:
    """What a navigator or receptionist searches by (every field optional)."""

    start_from: dt.datetime | None = None
    start_to: dt.datetime | None = None
    service_type: ServiceType | None = None
    channel: Channel | None = None
    hub_id: str | None = None
    actor_id: str | None = None
    status: SlotStatus | None = SlotStatus.FREE
    preferred_actor: str | None = None
    limit: int = 50


def search(db: Database, query: SlotQuery, *, now: dt.datetime) -> list[tuple[Slot, Schedule]]:
    """Future slots matching ``query``, the preferred clinician's first when continuity allows."""
    start_from = max(query.start_from, now) if query.start_from else now
    with AccessUnitOfWork(db) as uow:
        found = uow.repo.search_slots(
            status=query.status,
            start_from=start_from,
            start_to=query.start_to,
            service_type=query.service_type,
            channel=query.channel,
            hub_id=query.hub_id,
            actor_id=query.actor_id,
            limit=query.limit,
        )
    schedules = {sc.id: sc for _, sc in found}
    actor_of = {sid: sc.actor_id for sid, sc in schedules.items()}
    ordered = continuity_order([s for s, _ in found], actor_of, query.preferred_actor)
    return [(s, schedules[s.schedule_id]) for s in ordered]


def book(
    db: Database,
    slot_id: str,
    *,
    patient_id: int,
    practice_code: str,
    booking_organisation: str,
    booked_by: str,
    now: dt.datetime,
) -> Appointment:
    """Book ``patient_id`` (registered at ``practice_code``) into ``slot_id``; one transaction."""
    try:
        with AccessUnitOfWork(db) as uow:
            slot = uow.repo.slot(slot_id)
            schedule = uow.repo.schedule(slot.schedule_id)
            uow.repo.hub(schedule.hub_id).check_eligible(practice_code)
            appointment = slot.book(
                appointment_id=uuid.uuid4().hex,
                patient_id=patient_id,
                practice_code=practice_code,
                booking_organisation=booking_organisation,
                booked_by=booked_by,
                now=now,
            )
            if not uow.repo.claim(slot):
                raise SlotTaken(slot_id)
            uow.repo.add_appointment(appointment)
    except IntegrityError:
        # The partial unique index caught a second holding appointment: the other booking won.
        raise SlotTaken(slot_id) from None
    return appointment


def cancel(db: Database, appointment_id: str, *, now: dt.datetime, reason: str = "") -> Appointment:
    """Cancel a booked appointment before its slot starts; the slot is free again."""
    with AccessUnitOfWork(db) as uow:
        appointment = uow.repo.appointment(appointment_id)
        slot = uow.repo.slot(appointment.slot_id)
        appointment.cancel(slot, now=now, reason=reason)
        uow.repo.save_appointment(appointment)
        uow.repo.save_slot(slot)
    return appointment
