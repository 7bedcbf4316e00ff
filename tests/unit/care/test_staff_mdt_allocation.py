"""Who can take a patient, why a patient is on the MDT agenda, and the room clinicians have."""

from __future__ import annotations

import datetime as dt

import pytest

from nhc.care import domain as d

ON = dt.date(2026, 4, 15)


def nurse(capacity: int = 6) -> d.StaffMember:
    return d.StaffMember(id=1, name="Nina", skills="nursing,wound_care", capacity=capacity)


def test_a_staff_member_with_the_skills_presence_and_room_can_take_a_patient() -> None:
    nurse().check_can_take(frozenset({"nursing"}), None, load=3, points=3)


def test_refusals_name_the_reason_in_order_skills_absence_room() -> None:
    with pytest.raises(
        d.MissingSkills, match="Nina does not have the skills this patient needs: mental_health"
    ):
        nurse().check_can_take(frozenset({"nursing", "mental_health"}), dt.date(2026, 4, 20), 6, 3)
    with pytest.raises(d.StaffAbsent, match="Nina is absent until 20 Apr 2026"):
        nurse().check_can_take(frozenset({"nursing"}), dt.date(2026, 4, 20), 6, 3)
    with pytest.raises(d.OverCapacity, match=r"4 \+ 3 points > 6 points a week"):
        nurse().check_can_take(frozenset({"nursing"}), None, 4, 3)


def test_capacity_and_roles_as_typed() -> None:
    assert d.check_capacity("12") == 12
    assert d.parse_staff_role("Community nurse") == "community_nurse"
    with pytest.raises(d.InvalidCareInput, match="0-200"):
        d.check_capacity(201)
    with pytest.raises(d.InvalidCareInput, match="whole number"):
        d.check_capacity("lots")


def entry(**kw: object) -> d.AgendaEntry | None:
    args: dict = {
        "admitted_on": dt.date(2026, 3, 1),
        "review_due": dt.date(2026, 4, 30),
        "reason": "risk 62%",
        "risk": 0.6,
        "events": [],
        "signals": [],
        "since": dt.date(2026, 4, 1),
        "on": ON,
    } | kw
    return d.agenda_entry(5, **args)


def test_nothing_to_discuss_means_not_on_the_agenda() -> None:
    assert entry() is None


def test_agenda_reasons_and_their_details() -> None:
    e = entry(
        events=[d.Event("fall", dt.date(2026, 4, 3))],
        review_due=dt.date(2026, 4, 10),
        admitted_on=dt.date(2026, 4, 2),
    )
    assert e is not None
    assert e.reasons == ("deteriorated", "overdue_review", "new_admission")
    assert e.details == ("Fall on 03 Apr", "review was due 10 Apr", "admitted 02 Apr: risk 62%")


def test_agenda_order_deteriorated_first_then_higher_risk() -> None:
    new_low = d.AgendaEntry(1, ("new_admission",), (), 2, 0.1)
    worse = d.AgendaEntry(2, ("deteriorated",), (), 0, 0.2)
    overdue_high = d.AgendaEntry(3, ("overdue_review",), (), 1, 0.9)
    new_high = d.AgendaEntry(4, ("new_admission",), (), 2, 0.8)
    assert [e.episode_id for e in d.agenda_order([new_low, worse, overdue_high, new_high])] == [2, 3, 4, 1]


def test_deterioration_signals_from_the_insight_tables() -> None:
    assert d.deterioration_signals(0.20, 0.30, 1, 3) == [
        "risk up from 20% to 30%",
        "2 new A&E attendances in the insight tables",
    ]
    assert d.deterioration_signals(0.20, 0.24, 1, 1) == []


def test_room_is_capacity_less_what_is_carried_never_negative() -> None:
    assert d.room({1: 6, 2: 10, 3: 4}, {1: 4, 3: 9}) == {1: 2, 2: 10, 3: 0}
    assert d.carried_while_moving({1: 5, 2: 3}, [(1, 3), (1, 1)]) == {1: 1, 2: 3}


def test_reasons_name_people_and_absences() -> None:
    names = {7: "Nina", 8: "Ben"}
    assert d.readable_reason("skills ok; previous 7 kept", 7, 7, names, {}) == "skills ok; previous Nina kept"
    moved = d.readable_reason("skills ok", 7, 8, names, {7: dt.date(2026, 4, 20)})
    assert moved == "Nina absent until 20 Apr; skills ok"
    assert (
        d.absence_note(ON, {8: dt.date(2026, 4, 20), 7: dt.date(2026, 4, 18)}, names)
        == "absent on 2026-04-15: Nina, Ben"
    )
    assert d.absence_note(ON, {}, names) is None
    assert d.optimality_gap(0, 0) == 0.0 and d.optimality_gap(200, 150) == 0.25
