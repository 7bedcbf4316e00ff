"""Use cases: search free slots, book one, cancel an appointment -- each in one unit of work.

Booking under concurrency: the slot row is claimed with a conditional update (free to busy) and the
appointment is inserted under a partial unique index; whichever of two simultaneous bookings loses
either step gets :class:`~nhc.access.domain.SlotTaken` ("that slot was just taken"), nothing of its
attempt is stored, and the refusal is audited as a conflict.

Booking and cancelling by a person (``principal``) are person-level writes: the relationship decision
(:meth:`~nhc.access.unit_of_work.AccessUnitOfWork.authorise`) and the audit line are in the same
transaction as the change.
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
from nhc.access.domain.hubs import Hub, Session, session_of
from nhc.access.services.base import Access
from nhc.security.roles import Principal


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
    when: Session | None = None


#: How many slots a search with a time-of-week filter reads before filtering (a week of one hub's
#: slots is a few hundred).
WHEN_SCAN = 2000


def search(access: Access, query: SlotQuery) -> list[tuple[Slot, Schedule]]:
    """Future slots matching ``query``, the preferred clinician's first when continuity allows."""
    now = access.now()
    start_from = max(query.start_from, now) if query.start_from else now
    limit = WHEN_SCAN if query.when else query.limit
    with access.uow() as uow:
        found = uow.repo.search_slots(
            status=query.status,
            start_from=start_from,
            start_to=query.start_to,
            service_type=query.service_type,
            channel=query.channel,
            hub_id=query.hub_id,
            actor_id=query.actor_id,
            limit=limit,
        )
    if query.when is not None:
        found = [(s, sc) for s, sc in found if session_of(s.start) is query.when][: query.limit]
    schedules = {sc.id: sc for _, sc in found}
    actor_of = {sid: sc.actor_id for sid, sc in schedules.items()}
    ordered = continuity_order([s for s, _ in found], actor_of, query.preferred_actor)
    return [(s, schedules[s.schedule_id]) for s in ordered]


@dataclass(frozen=True)
class BookingRequest:
    slot_id: str
    patient_id: int
    practice_code: str
    booking_organisation: str


def book(access: Access, request: BookingRequest, principal: Principal | None = None) -> Appointment:
    """Book the patient (registered at ``practice_code``) into the slot; one transaction."""
    resource = f"slot:{request.slot_id}"
    try:
        with access.uow() as uow:
            slot = uow.repo.slot(request.slot_id)
            hub = uow.repo.hub(uow.repo.schedule(slot.schedule_id).hub_id)
            hub.check_eligible(request.practice_code)
            registered = access.neighbourhood_of(request.patient_id) if access.neighbourhood_of else None
            uow.authorise(
                principal, request.patient_id, registered or hub.neighbourhood, "access_book", resource
            )
            appointment = slot.book(
                appointment_id=uuid.uuid4().hex,
                patient_id=request.patient_id,
                practice_code=request.practice_code,
                booking_organisation=request.booking_organisation,
                booked_by=principal.username if principal else "system",
                now=access.now(),
            )
            if not uow.repo.claim(slot):
                raise SlotTaken(request.slot_id)
            uow.repo.add_appointment(appointment)
            uow.audit(
                principal,
                "access_book",
                patient_id=request.patient_id,
                resource=f"appointment:{appointment.id}",
            )
    except IntegrityError:
        # The partial unique index caught a second holding appointment: the other booking won.
        access.conflict(principal, "access_book", request.patient_id, resource)
        raise SlotTaken(request.slot_id) from None
    except SlotTaken:
        access.conflict(principal, "access_book", request.patient_id, resource)
        raise
    return appointment


def cancel(
    access: Access, appointment_id: str, *, reason: str = "", principal: Principal | None = None
) -> Appointment:
    """Cancel a booked appointment before its slot starts; the slot is free again."""
    with access.uow() as uow:
        appointment = uow.repo.appointment(appointment_id)
        slot = uow.repo.slot(appointment.slot_id)
        hub = uow.repo.hub(uow.repo.schedule(slot.schedule_id).hub_id)
        registered = access.neighbourhood_of(appointment.patient_id) if access.neighbourhood_of else None
        resource = f"appointment:{appointment_id}"
        uow.authorise(
            principal, appointment.patient_id, registered or hub.neighbourhood, "access_cancel", resource
        )
        appointment.cancel(slot, now=access.now(), reason=reason)
        uow.repo.save_appointment(appointment)
        uow.repo.save_slot(slot)
        uow.audit(
            principal,
            "access_cancel",
            patient_id=appointment.patient_id,
            resource=resource,
            detail=reason[:200],
        )
    return appointment


@dataclass(frozen=True)
class AppointmentView:
    """An appointment with its slot, the slot's schedule and the hub (for a confirmation page)."""

    appointment: Appointment
    slot: Slot
    schedule: Schedule
    hub: Hub


def view(access: Access, appointment_id: str, principal: Principal | None = None) -> AppointmentView:
    """Read one appointment for ``principal``: a person-level read, decided and audited as one."""
    with access.uow() as uow:
        appointment = uow.repo.appointment(appointment_id)
        slot = uow.repo.slot(appointment.slot_id)
        schedule = uow.repo.schedule(slot.schedule_id)
        hub = uow.repo.hub(schedule.hub_id)
        registered = access.neighbourhood_of(appointment.patient_id) if access.neighbourhood_of else None
        uow.authorise(
            principal,
            appointment.patient_id,
            registered or hub.neighbourhood,
            "access_view",
            f"appointment:{appointment_id}",
        )
    return AppointmentView(appointment, slot, schedule, hub)


def check_person(access: Access, patient_id: int, hub_id: str, principal: Principal | None) -> None:
    """Whether ``principal`` may book for ``patient_id`` at the hub (before showing who they are):
    the one decision, audited as ``access_find``; raises
    :class:`~nhc.security.service.AccessDenied`."""
    with access.uow() as uow:
        hub = uow.repo.hub(hub_id)
        registered = access.neighbourhood_of(patient_id) if access.neighbourhood_of else None
        uow.authorise(principal, patient_id, registered or hub.neighbourhood, "access_find", f"hub:{hub_id}")
