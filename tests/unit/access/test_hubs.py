"""Hubs from the geography and their 7-day timetables."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from nhc.access.domain import Hub, NotEligible, ServiceType, hubs_from_practices, staffing, timetable
from nhc.access.services.timetable import county_hubs
from nhc.reference import geography

ROWS = [
    {
        "practice_code": "K1",
        "neighbourhood": "North Town",
        "locality": "North",
        "list_size": 10000,
        "latitude": 52.0,
        "longitude": -1.3,
    },
    {
        "practice_code": "K2",
        "neighbourhood": "North Town",
        "locality": "North",
        "list_size": 6000,
        "latitude": 52.1,
        "longitude": -1.4,
    },
]


def test_one_hub_per_neighbourhood_hosted_at_its_largest_practice() -> None:
    (hub,) = hubs_from_practices(ROWS)
    assert (hub.id, hub.host_practice, hub.practices, hub.list_size) == (
        "hub-north-town",
        "K1",
        ("K1", "K2"),
        16000,
    )


def test_any_practice_of_the_neighbourhood_is_eligible_and_others_are_not() -> None:
    (hub,) = hubs_from_practices(ROWS)
    hub.check_eligible("K2")
    with pytest.raises(NotEligible, match="K9"):
        hub.check_eligible("K9")


def test_weekly_capacity_is_at_least_60_minutes_per_1000_patients() -> None:
    (hub,) = hubs_from_practices(ROWS)  # 16,000 patients: at least 960 minutes a week
    week = timetable(staffing(hub), dt.date(2026, 3, 2), 7)
    assert sum(s.minutes for s in week) >= 960


def test_sessions_run_on_weekday_evenings_saturday_and_sunday_only() -> None:
    (hub,) = hubs_from_practices(ROWS)
    week = timetable(staffing(hub), dt.date(2026, 3, 2), 7)  # Monday to Sunday
    weekday = [s for s in week if s.start.weekday() < 5]
    assert weekday and all(
        s.start.time() >= dt.time(18, 30) and s.end.time() <= dt.time(20, 0) for s in weekday
    )
    assert {s.start.weekday() for s in week} == set(range(7))
    saturday = [s for s in week if s.start.weekday() == 5]
    assert min(s.start for s in saturday).time() == dt.time(9, 0)


def test_every_role_is_offered_and_slots_do_not_overlap_within_a_schedule() -> None:
    (hub,) = hubs_from_practices(ROWS)
    week = timetable(staffing(hub), dt.date(2026, 3, 2), 7)
    assert {s.service_type for s in week} == set(ServiceType)
    by_schedule: dict[str, list] = {}
    for s in week:
        by_schedule.setdefault(s.schedule_id, []).append(s)
    for slots in by_schedule.values():
        slots.sort(key=lambda s: s.start)
        assert all(a.end <= b.start for a, b in itertools.pairwise(slots))


def test_the_county_has_one_hub_per_shipped_neighbourhood() -> None:
    hubs = county_hubs()
    assert len(hubs) == geography.neighbourhoods().num_rows
    assert all(isinstance(h, Hub) and h.practices for h in hubs)


def test_each_role_gets_its_share_rounded_up_to_whole_sessions_and_no_more() -> None:
    (hub,) = hubs_from_practices(ROWS)  # 960 minutes a week: GP 480, nurse 192, the others 96 each
    week = timetable(staffing(hub), dt.date(2026, 3, 2), 7)
    minutes = {role: 0 for role in ServiceType}
    for s in week:
        minutes[s.service_type] += s.minutes
    # GP: the Saturday (480); nurse: three 90-minute evenings (270); others: one evening or Sunday
    assert minutes[ServiceType.GP] == 480
    assert minutes[ServiceType.PRACTICE_NURSE] == 270
    assert all(
        90 <= minutes[r] <= 180 for r in ServiceType if r not in (ServiceType.GP, ServiceType.PRACTICE_NURSE)
    )
