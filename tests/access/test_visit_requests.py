"""The rules of a stored home-visit request and of when in the week a slot falls (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from nhc.access.domain import BadField, Session, session_of
from nhc.access.domain.visit_requests import WardStay, new_visit, parse_hhmm, ward_visit
from nhc.access.domain.visits import Place, Priority, Skill

GOOD = dict(
    visit_date=dt.date(2026, 3, 2), patient_id=9, neighbourhood="Headington", place=Place(51.76, -1.21, True),
    window_start=600, window_end=720, duration=30, skill=Skill.ANP, priority=Priority.HIGH,
    reason="  short of   breath ", created_by="nav",
)  # fmt: skip


def test_a_good_request_becomes_a_planner_visit():
    visit = new_visit(**GOOD)
    assert visit.reason == "short of breath" and visit.window == "10:00 to 12:00"
    stored = visit.__class__(**{**vars(visit), "id": 12})
    planned = stored.as_visit_request()
    assert (planned.id, planned.window_start, planned.window_end, planned.duration) == ("R12", 600, 720, 30)
    assert planned.skill is Skill.ANP and planned.source == "new request" and planned.place.approximate


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"window_start": 7 * 60}, "window_start"),
        ({"window_start": 18 * 60}, "window_start"),
        ({"window_end": 600}, "window_end"),
        ({"window_end": 18 * 60 + 30}, "window_end"),
        ({"window_end": 620}, "window_end"),  # shorter than the 30-minute visit
        ({"duration": 25}, "duration"),
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * 501}, "reason"),
    ],
)
def test_a_bad_request_names_its_field(changes, field):
    with pytest.raises(BadField) as err:
        new_visit(**{**GOOD, **changes})
    assert err.value.field == field


@pytest.mark.parametrize(("text", "minutes"), [("08:00", 480), ("17:45", 1065), (" 9:30 ", 570)])
def test_times_of_day(text, minutes):
    assert parse_hhmm(text, "from") == minutes


@pytest.mark.parametrize("text", ["", "9", "24:00", "09:60", "9am", "09:5"])
def test_not_times_of_day(text):
    with pytest.raises(BadField):
        parse_hhmm(text, "from")


@pytest.mark.parametrize(
    ("start", "session"),
    [
        (dt.datetime(2026, 3, 2, 18, 30), Session.EVENING),  # Monday evening
        (dt.datetime(2026, 3, 6, 17, 0), Session.EVENING),  # Friday 17:00
        (dt.datetime(2026, 3, 6, 16, 59), Session.DAYTIME),
        (dt.datetime(2026, 3, 7, 9, 0), Session.WEEKEND),  # Saturday
        (dt.datetime(2026, 3, 8, 19, 0), Session.WEEKEND),  # Sunday evening is the weekend
    ],
)
def test_when_in_the_week_a_slot_falls(start, session):
    assert session_of(start) is session


def _stay(**changes):
    return WardStay(**{"episode_id": 7, "neighbourhood": "Headington", "needs": ("nursing",), "points": 1, "status": "active", **changes})  # fmt: skip


@pytest.mark.parametrize(
    ("stay", "skill", "priority"),
    [
        (_stay(), Skill.COMMUNITY_NURSE, Priority.HIGH),
        (_stay(points=3), Skill.ANP, Priority.HIGH),
        (_stay(needs=("medical", "nursing")), Skill.GP, Priority.HIGH),
        (_stay(points=3, status="stepped_down"), Skill.COMMUNITY_NURSE, Priority.ROUTINE),
    ],
)
def test_a_virtual_ward_stay_becomes_a_days_visit(stay, skill, priority):
    place = Place(51.76, -1.21, True)
    visit = ward_visit(stay, place)
    assert (visit.id, visit.source, visit.place) == ("W7", "virtual ward", place)
    assert (visit.skill, visit.priority) == (skill, priority)
    assert (visit.window_start, visit.window_end) == (8 * 60, 17 * 60)
