"""Opening times, capacity and age limits: the directory's domain rules, without a database."""

from __future__ import annotations

import datetime as dt

import pytest

from nhc.navigation.domain import (
    BadField,
    Calendar,
    Capacity,
    Location,
    Rag,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceStatus,
)

MON = dt.date(2026, 3, 2)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR")


def at(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm))


def service(*schedules: Schedule, **fields) -> Service:
    return Service(
        id="s1", organization_id="o1", name="Test", kind="gp_practice", schedules=schedules, **fields
    )


def weekday(opens="08:00", closes="18:30", **fields) -> Schedule:
    return Schedule("sch", dt.time.fromisoformat(opens), dt.time.fromisoformat(closes), WEEKDAYS, **fields)


def test_open_at_inside_core_hours():
    assert service(weekday()).open_at(at(MON, "10:00")) is not None


def test_closed_at_closing_time_and_on_saturday():
    s = service(weekday())
    assert s.open_at(at(MON, "18:30")) is None
    assert s.open_at(at(dt.date(2026, 3, 7), "10:00")) is None


def test_not_usable_when_closing_within_30_minutes():
    s = service(weekday())
    assert s.is_open_within(at(MON, "18:05"), at(MON, "18:29")) is None
    assert s.is_open_within(at(MON, "18:00"), at(MON, "18:00")) is not None


def test_window_reaching_into_tomorrow_finds_tomorrows_session():
    found = service(weekday()).is_open_within(at(MON, "20:00"), at(MON, "20:00") + dt.timedelta(hours=14))
    assert found is not None and found.start == at(dt.date(2026, 3, 3), "08:00")


def test_overnight_schedule_runs_past_midnight():
    night = Schedule("n", dt.time(18, 0), dt.time(8, 0), WEEKDAYS)
    assert service(night).open_at(at(dt.date(2026, 3, 3), "02:00")) is not None  # Monday's night


def test_all_day_schedule_is_open_at_midnight():
    always = Schedule("a", dt.time(0, 0), dt.time(0, 0), ("MO", "TU", "WE", "TH", "FR", "SA", "SU"))
    assert service(always).open_at(at(MON, "00:00")) is not None


def test_bank_holiday_closes_schedules_that_close_on_bank_holidays():
    good_friday = dt.date(2026, 4, 3)
    calendar = Calendar(frozenset({good_friday}))
    assert service(weekday()).open_at(at(good_friday, "10:00"), calendar) is None
    open_anyway = weekday(closed_on_bank_holidays=False)
    assert service(open_anyway).open_at(at(good_friday, "10:00"), calendar) is not None


def test_valid_from_and_valid_to_bound_a_schedule():
    s = service(weekday(valid_from=dt.date(2026, 3, 3), valid_to=dt.date(2026, 3, 4)))
    assert s.open_at(at(MON, "10:00")) is None
    assert s.open_at(at(dt.date(2026, 3, 4), "10:00")) is not None
    assert s.open_at(at(dt.date(2026, 3, 5), "10:00")) is None


def test_location_schedule_takes_precedence_over_the_services():
    site = ServiceAtLocation("sal", Location("l", "Hall", 51.7, -1.2), (weekday("12:00", "14:00"),))
    s = service(weekday(), locations=(site,))
    assert s.open_at(at(MON, "10:00")) is None
    assert s.open_at(at(MON, "13:00")) is not None


def test_age_limits_are_inclusive():
    s = service(minimum_age=16, maximum_age=64)
    assert [s.accepts_age(a) for a in (15, 16, 64, 65)] == [False, True, True, False]


def test_impossible_age_limits_are_refused():
    with pytest.raises(BadField, match="maximum_age"):
        service(minimum_age=18, maximum_age=5)


def test_red_capacity_makes_a_service_unavailable_until_it_expires():
    s = service(capacity=Capacity(Rag.RED, expires_at=at(MON, "12:00")))
    assert not s.is_available(at(MON, "11:59"))
    assert s.is_available(at(MON, "12:00"))


def test_amber_capacity_still_takes_people():
    assert service(capacity=Capacity(Rag.AMBER)).is_available(at(MON, "10:00"))


def test_inactive_service_is_unavailable():
    assert not service(status=ServiceStatus.TEMPORARILY_CLOSED).is_available(at(MON, "10:00"))


def test_bad_schedule_day_is_refused_naming_the_field():
    with pytest.raises(BadField) as caught:
        Schedule("x", dt.time(9), dt.time(17), ("MON",))
    assert caught.value.field == "byday" and "MO" in caught.value.allowed


def test_location_distance_is_great_circle_km():
    # Oxford Carfax to Banbury Cross is about 34 km as the crow flies.
    carfax = Location("c", "Carfax", 51.7520, -1.2577)
    assert carfax.distance_km(52.0603, -1.3405) == pytest.approx(34.8, abs=0.5)
