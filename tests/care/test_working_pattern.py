"""Working patterns, team capacity and absence dates (nhc.care.domain.working), without a database:
tiny input, expected output, one behaviour per test."""

from __future__ import annotations

import datetime as dt

import pytest

from nhc.care import domain as d


@pytest.mark.parametrize(
    ("days", "starts", "ends", "written"),
    [
        (["Mon", "Tue", "Wed", "Thu", "Fri"], "", "", "Mon-Fri"),
        (["Fri", "Mon", "Wed", "Tue"], "", "", "Mon-Wed, Fri"),
        (["Mon", "Tue"], "", "", "Mon, Tue"),
        (["Sat", "Sun"], "9", "17:30", "Sat, Sun 09:00-17:30"),
        (["tuesday", "WED", "thu"], "08.30", "16.00", "Tue-Thu 08:30-16:00"),
    ],
)
def test_a_pattern_is_written_as_people_read_it(days, starts, ends, written) -> None:
    assert str(d.working_pattern(days, starts, ends)) == written


@pytest.mark.parametrize(
    ("days", "starts", "ends", "message"),
    [
        ([], "", "", "choose at least one day"),
        (["Mon", "Funday"], "", "", "unknown day"),
        (["Mon"], "09:00", "", "both the start and the finish time"),
        (["Mon"], "17:00", "09:00", "must be after the start time"),
        (["Mon"], "09:00", "09:00", "must be after the start time"),
        (["Mon"], "9am", "17:00", "start time must be a time of day"),
        (["Mon"], "09:00", "24:00", "finish time must be a time of day"),
    ],
)
def test_a_pattern_that_cannot_be_worked_is_refused(days, starts, ends, message) -> None:
    with pytest.raises(d.InvalidCareInput, match=message):
        d.working_pattern(days, starts, ends)


@pytest.mark.parametrize(
    ("text", "days", "hours"),
    [
        ("Mon-Fri", ("Mon", "Tue", "Wed", "Thu", "Fri"), None),
        ("Tue-Fri", ("Tue", "Wed", "Thu", "Fri"), None),
        ("Mon, Wed-Fri 08:30-16:00", ("Mon", "Wed", "Thu", "Fri"), (dt.time(8, 30), dt.time(16))),
    ],
)
def test_a_stored_pattern_is_read_back_for_the_form(text, days, hours) -> None:
    p = d.read_pattern(text)
    assert p.days == days and ((p.starts, p.ends) if hours else (None, None)) == (hours or (None, None))


@pytest.mark.parametrize("text", ["weekdays", "Fri-Mon", "Mon, Fri-Tue", "", "Mon-Fri 17:00-09:00"])
def test_a_pattern_written_some_other_way_is_not_guessed(text) -> None:
    assert d.read_pattern(text) is None


@pytest.mark.parametrize(("value", "points"), [(1, 1), ("20", 20), (200, 200)])
def test_team_capacity_is_1_to_200(value, points) -> None:
    assert d.check_team_capacity(value) == points


@pytest.mark.parametrize("value", [0, -1, 201, "ten", None])
def test_team_capacity_outside_1_to_200_is_refused(value) -> None:
    with pytest.raises(d.InvalidCareInput, match="capacity must be"):
        d.check_team_capacity(value)


def test_names_are_the_same_person_whatever_case_and_spacing() -> None:
    assert d.same_person(" Ben  Nurse", "ben nurse")
    assert not d.same_person("Ben Nurse", "Ben Nurses")


def test_an_absence_ends_on_or_after_its_first_day() -> None:
    assert d.check_absence("1/5/2026", "1/5/2026") == (dt.date(2026, 5, 1), dt.date(2026, 5, 1))
    with pytest.raises(d.InvalidCareInput, match="cannot end"):
        d.check_absence("2/5/2026", "1/5/2026")
