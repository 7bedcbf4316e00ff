"""Slots and appointments: booking, cancelling and the status rules, without a database."""

from __future__ import annotations

import datetime as dt

import pytest

from nhc.access.domain import (
    HOLDING,
    AppointmentStatus,
    Channel,
    InvalidTransition,
    ServiceType,
    Slot,
    SlotInPast,
    SlotStatus,
    SlotTaken,
    SlotUnavailable,
    continuity_order,
)
from nhc.access.models import HOLDING_SQL

NOW = dt.datetime(2026, 3, 2, 12, 0)
EVENING = dt.datetime(2026, 3, 2, 18, 30)


def slot(
    start: dt.datetime = EVENING, status: SlotStatus = SlotStatus.FREE, sid: str = "s1", schedule="gp-1"
):
    return Slot(
        sid, schedule, start, start + dt.timedelta(minutes=15), ServiceType.GP, Channel.IN_PERSON, status
    )


def book(s: Slot, now: dt.datetime = NOW):
    return s.book(
        appointment_id="a1",
        patient_id=7,
        practice_code="K84013",
        booking_organisation="K84013",
        booked_by="navigator",
        now=now,
    )


def test_booking_a_free_future_slot_makes_it_busy_and_returns_a_booked_appointment() -> None:
    s = slot()
    a = book(s)
    assert s.status is SlotStatus.BUSY
    assert (a.status, a.slot_id, a.patient_id, a.created) == (AppointmentStatus.BOOKED, "s1", 7, NOW)


def test_a_slot_that_has_started_cannot_be_booked() -> None:
    with pytest.raises(SlotInPast):
        book(slot(), now=EVENING)
    with pytest.raises(SlotInPast):
        book(slot(start=NOW - dt.timedelta(days=1)))


def test_a_busy_slot_is_reported_as_just_taken() -> None:
    with pytest.raises(SlotTaken, match="that slot was just taken"):
        book(slot(status=SlotStatus.BUSY))


@pytest.mark.parametrize(
    "status", [SlotStatus.BUSY_UNAVAILABLE, SlotStatus.BUSY_TENTATIVE, SlotStatus.ENTERED_IN_ERROR]
)
def test_blocked_tentative_and_erroneous_slots_cannot_be_booked(status: SlotStatus) -> None:
    with pytest.raises(SlotUnavailable, match=status.value):
        book(slot(status=status))


def test_cancelling_before_the_slot_frees_the_slot() -> None:
    s = slot()
    a = book(s)
    a.cancel(s, now=NOW + dt.timedelta(hours=1), reason="feeling better")
    assert (a.status, s.status, a.cancellation_reason) == (
        AppointmentStatus.CANCELLED,
        SlotStatus.FREE,
        "feeling better",
    )


def test_cancelling_a_past_appointment_is_refused() -> None:
    s = slot()
    a = book(s)
    with pytest.raises(SlotInPast):
        a.cancel(s, now=EVENING + dt.timedelta(minutes=1))
    assert a.status is AppointmentStatus.BOOKED


def test_a_cancelled_appointment_cannot_be_cancelled_again() -> None:
    s = slot()
    a = book(s)
    a.cancel(s, now=NOW)
    with pytest.raises(InvalidTransition):
        a.cancel(s, now=NOW)


def test_no_show_only_after_the_slot_starts() -> None:
    s = slot()
    a = book(s)
    with pytest.raises(InvalidTransition):
        a.no_show(s, now=NOW)
    a.no_show(s, now=EVENING + dt.timedelta(minutes=20))
    assert a.status is AppointmentStatus.NOSHOW


def test_arrive_then_fulfil() -> None:
    a = book(slot())
    a.arrive()
    a.fulfil()
    assert a.status is AppointmentStatus.FULFILLED
    with pytest.raises(InvalidTransition):
        a.arrive()


def test_a_slot_must_end_after_it_starts() -> None:
    with pytest.raises(Exception, match="end after"):
        Slot("s", "x", EVENING, EVENING, ServiceType.GP, Channel.VIDEO)


def test_continuity_puts_the_usual_clinicians_slot_first_when_it_is_within_a_week() -> None:
    early = slot(sid="other", schedule="gp-2")
    usual = slot(start=EVENING + dt.timedelta(days=2), sid="usual", schedule="gp-1")
    actors = {"gp-1": "dr-a", "gp-2": "dr-b"}
    assert [s.id for s in continuity_order([early, usual], actors, "dr-a")] == ["usual", "other"]
    assert [s.id for s in continuity_order([early, usual], actors, None)] == ["other", "usual"]


def test_continuity_does_not_wait_more_than_the_tolerance() -> None:
    early = slot(sid="other", schedule="gp-2")
    usual = slot(start=EVENING + dt.timedelta(days=10), sid="usual", schedule="gp-1")
    actors = {"gp-1": "dr-a", "gp-2": "dr-b"}
    assert [s.id for s in continuity_order([early, usual], actors, "dr-a")] == ["other", "usual"]


def test_the_database_rule_and_the_domain_agree_on_which_appointments_hold_a_slot() -> None:
    assert "status IN (" + ", ".join(f"'{s.value}'" for s in HOLDING) + ")" == HOLDING_SQL
