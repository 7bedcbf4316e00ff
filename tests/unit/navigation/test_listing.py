"""Directory listings for people: opening times in words, distance order, inactive services left out."""

from __future__ import annotations

import datetime as dt

import pytest

from nhc.navigation.domain import (
    Calendar,
    Directory,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceStatus,
)
from nhc.navigation.listing import clock_words, hours_on, list_services
from nhc.navigation.places import Place
from nhc.navigation.search import Filters

MON = dt.date(2026, 3, 2)
NOON = dt.datetime(2026, 3, 2, 12, 0)
BANK_HOLIDAY_MONDAY = dt.date(2026, 5, 4)


def sched(opens: str, closes: str, *days: str, **kw) -> Schedule:
    t = dt.time.fromisoformat
    return Schedule(f"s{opens}{closes}", t(opens), t(closes), byday=days or ("MO",), **kw)


def svc(sid: str, *schedules: Schedule, lat: float = 51.75, status=ServiceStatus.ACTIVE) -> Service:
    site = ServiceAtLocation(f"sal-{sid}", Location(f"loc-{sid}", sid, lat, -1.25))
    return Service(sid, "org", sid, "vcse_food_bank", status=status, schedules=schedules, locations=(site,))


@pytest.mark.parametrize(
    ("moment", "words"),
    [("08:00", "8am"), ("18:30", "6:30pm"), ("12:00", "midday"), ("00:00", "midnight"), ("12:15", "12:15pm")],
)
def test_clock_words(moment, words):
    assert clock_words(dt.time.fromisoformat(moment)) == words


@pytest.mark.parametrize(
    ("schedules", "day", "words"),
    [
        ((sched("08:00", "18:30"),), MON, "8am to 6:30pm"),
        ((sched("09:00", "12:00"), sched("14:00", "17:00")), MON, "9am to midday and 2pm to 5pm"),
        ((sched("00:00", "00:00"),), MON, "Open 24 hours"),
        ((sched("08:00", "18:30", "TU"),), MON, "Closed today"),
        ((sched("08:00", "18:30"),), BANK_HOLIDAY_MONDAY, "Closed today"),
    ],
)
def test_hours_on_a_day(schedules, day, words):
    calendar = Calendar(frozenset({BANK_HOLIDAY_MONDAY}))
    assert hours_on(svc("a", *schedules), None, day, calendar) == words


def directory(*services: Service) -> Directory:
    d = Directory(organizations={"org": Organization("org", "Org")})
    for s in services:
        d.add(s)
    return d


def test_nearest_first_with_distance_and_open_now():
    near, far = (
        svc("near", sched("08:00", "18:30"), lat=51.76),
        svc("far", sched("13:00", "14:00"), lat=51.90),
    )
    here = Filters(place=Place(51.75, -1.25, None, "postcode"), proximity_m=50_000)
    got = list_services(directory(far, near), here, NOON, Calendar())
    assert [x.service.id for x in got] == ["near", "far"]
    assert got[0].distance_km == 1.1 and got[0].open_now and not got[1].open_now


def test_without_a_place_by_name_and_no_distance():
    got = list_services(directory(svc("b"), svc("a")), Filters(), NOON, Calendar())
    assert [(x.service.id, x.distance_km) for x in got] == [("a", None), ("b", None)]


def test_inactive_services_are_not_listed_and_kind_filters():
    inactive = svc("gone", status=ServiceStatus.INACTIVE)
    assert [
        x.service.id for x in list_services(directory(inactive, svc("here")), Filters(), NOON, Calendar())
    ] == ["here"]
    assert list_services(directory(svc("here")), Filters(), NOON, Calendar(), kind="nhs_111") == []
