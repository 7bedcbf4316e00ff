"""Staff in post from the care side's team members: WTE from working patterns, summed by role."""

from __future__ import annotations

import datetime as dt

import pytest

from nhc.planning.staff import from_team, wte_of_pattern

DAY = dt.date(2026, 3, 31)


@pytest.mark.parametrize(
    ("pattern", "wte"),
    [
        ("Mon-Fri", 1.0),
        ("Mon-Wed", 0.6),
        ("Mon, Tue, Thu", 0.6),
        ("Tuesdays and Thursdays", 0.4),
        ("Mon-Sun", 1.0),
        ("Fri-Mon", 0.8),
        ("flexible", 1.0),
        ("", 1.0),
        (None, 1.0),
    ],
)
def test_a_working_pattern_gives_days_over_five(pattern, wte):
    assert wte_of_pattern(pattern) == pytest.approx(wte)


def test_members_are_summed_by_planning_role():
    """Two GPs (one part-time), a clinical pharmacist counted as a pharmacist, a social prescriber
    and a mental health link worker counted as link workers; care home support is not counted."""
    staff = from_team(
        [
            ("gp", "Mon-Fri"),
            ("gp", "Mon-Wed"),
            ("clinical_pharmacist", "Mon-Fri"),
            ("social_prescriber", "Mon-Fri"),
            ("mental_health_link_worker", "Mon, Tue"),
            ("care_home_support", "Mon-Fri"),
        ],
        DAY,
        "care record",
    )
    assert staff is not None
    assert dict(staff.wte) == pytest.approx({"gp": 1.6, "pharmacist": 1.0, "link_worker": 1.4})
    assert dict(staff.people) == {"gp": 2, "pharmacist": 1, "link_worker": 2}
    assert staff.not_counted == ("care_home_support",) and staff.as_of == DAY


def test_a_team_with_no_counted_role_gives_nothing():
    """No member in a role the model counts: ``None``, so the scenario file's figures are used."""
    assert from_team([], DAY, "care record") is None
    assert from_team([("care_home_support", "Mon-Fri")], DAY, "care record") is None
