"""Booking and cancelling on the database (SQLite and PostgreSQL): a race for one slot books it once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from nhc.access.domain import (
    AppointmentStatus,
    NotEligible,
    NotFound,
    ServiceType,
    SlotInPast,
    SlotStatus,
    SlotTaken,
)
from nhc.access.models import AppointmentRow
from nhc.access.services import AccessService, SlotQuery
from nhc.access.unit_of_work import AccessUnitOfWork
from nhc.db import Database
from tests.access.conftest import NOW

RACERS = 6


def _first_gp_slot(access: AccessService, hub: str = "hub-north-town"):
    found = access.search(SlotQuery(service_type=ServiceType.GP, hub_id=hub, limit=1))
    return found[0][0]


def _book(access: AccessService, slot_id: str, patient_id: int = 1, practice: str = "K1"):
    return access.book(slot_id, patient_id=patient_id, practice_code=practice, booking_organisation=practice)


def test_search_returns_free_future_slots_earliest_first(access: AccessService) -> None:
    found = access.search(SlotQuery(service_type=ServiceType.PHYSIOTHERAPIST, hub_id="hub-south-vale"))
    starts = [s.start for s, _ in found]
    # South Vale's physiotherapy session is Thursday evening (the roles spread over the week)
    assert starts == sorted(starts) and starts[0] == dt.datetime(2026, 3, 5, 18, 30)
    assert all(
        s.service_type is ServiceType.PHYSIOTHERAPIST and s.status is SlotStatus.FREE for s, _ in found
    )


def test_booking_makes_the_slot_busy_and_it_leaves_the_search(access: AccessService) -> None:
    slot = _first_gp_slot(access)
    appointment = _book(access, slot.id)
    assert access.slot(slot.id).status is SlotStatus.BUSY
    assert access.appointment(appointment.id).status is AppointmentStatus.BOOKED
    assert slot.id not in {s.id for s, _ in access.search(SlotQuery(service_type=ServiceType.GP, limit=500))}


def test_a_booking_race_books_the_slot_exactly_once(access: AccessService, db: Database) -> None:
    slot = _first_gp_slot(access)
    barrier = threading.Barrier(RACERS)
    outcomes: list[object] = [None] * RACERS

    def go(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = _book(access, slot.id, patient_id=100 + i)
        except Exception as exc:  # the losers' errors are the test's subject
            outcomes[i] = exc

    threads = [threading.Thread(target=go, args=(i,)) for i in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    winners = [o for o in outcomes if not isinstance(o, Exception)]
    losers = [o for o in outcomes if isinstance(o, Exception)]
    assert len(winners) == 1, outcomes
    assert len(losers) == RACERS - 1 and all(isinstance(e, SlotTaken) for e in losers), losers
    assert all("that slot was just taken" in str(e) for e in losers)
    with AccessUnitOfWork(db) as uow:
        assert uow.repo.count_holding(slot.id) == 1


def test_the_database_refuses_a_second_holding_appointment_for_one_slot(
    access: AccessService, db: Database
) -> None:
    slot = _first_gp_slot(access)
    _book(access, slot.id)
    with pytest.raises(sa.exc.IntegrityError), db.unit_of_work() as session:
        session.add(
            AppointmentRow(
                id="sneaky",
                slot_id=slot.id,
                patient_id=2,
                practice_code="K1",
                booking_organisation="K1",
                booked_by="x",
                status="booked",
                created=NOW,
                cancellation_reason="",
            )
        )


def test_a_past_slot_cannot_be_booked(db: Database, access: AccessService) -> None:
    slot = _first_gp_slot(access)
    later = AccessService(db, clock=lambda: slot.start + dt.timedelta(minutes=5))
    with pytest.raises(SlotInPast):
        _book(later, slot.id)
    assert access.slot(slot.id).status is SlotStatus.FREE


def test_a_patient_of_another_neighbourhood_cannot_be_booked(access: AccessService) -> None:
    slot = _first_gp_slot(access)
    with pytest.raises(NotEligible):
        _book(access, slot.id, practice="K3")


def test_an_unknown_slot_is_not_found(access: AccessService) -> None:
    with pytest.raises(NotFound):
        _book(access, "no-such-slot")


def test_cancelling_frees_the_slot_for_another_booking(access: AccessService) -> None:
    slot = _first_gp_slot(access)
    first = _book(access, slot.id, patient_id=1)
    cancelled = access.cancel(first.id, reason="no longer needed")
    assert cancelled.status is AppointmentStatus.CANCELLED
    assert access.slot(slot.id).status is SlotStatus.FREE
    second = _book(access, slot.id, patient_id=2)
    assert access.appointment(second.id).status is AppointmentStatus.BOOKED


def test_cancelling_after_the_slot_started_is_refused(db: Database, access: AccessService) -> None:
    slot = _first_gp_slot(access)
    appointment = _book(access, slot.id)
    later = AccessService(db, clock=lambda: slot.start + dt.timedelta(minutes=1))
    with pytest.raises(SlotInPast):
        later.cancel(appointment.id)
    assert access.appointment(appointment.id).status is AppointmentStatus.BOOKED


def test_continuity_offers_the_usual_clinicians_slot_first(access: AccessService) -> None:
    found = access.search(SlotQuery(service_type=ServiceType.GP, hub_id="hub-north-town", limit=200))
    usual = found[-1][1].actor_id
    preferred = access.search(
        SlotQuery(service_type=ServiceType.GP, hub_id="hub-north-town", limit=200, preferred_actor=usual)
    )
    assert preferred[0][1].actor_id == usual
