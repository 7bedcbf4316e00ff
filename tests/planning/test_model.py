"""The model's additions on tiny inputs: need-group moves in a run, the productivity lever, staff in
post from the care side. Expected values worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from nhc.planning import montecarlo
from nhc.planning.domain import Baseline
from nhc.planning.staff import StaffInPost
from nhc.planning.transitions import Transitions
from tests.unit.planning.helpers import AS_OF, cell, costs, rates, scenario

MOVES = Transitions.from_counts(
    [
        {"age_band": "75-84", "png_from": 5, "png_to": 5, "persons": 80},
        {"age_band": "75-84", "png_from": 5, "png_to": 11, "persons": 20},
        {"age_band": "75-84", "png_from": 11, "png_to": 11, "persons": 50},
    ],
    dt.date(2025, 3, 31),
    AS_OF,
)


def _baseline(moves: Transitions | None = MOVES) -> Baseline:
    """100 women of 80 in group 5 (100 GP appointments) and 50 in group 11 (200 appointments)."""
    rows = [cell(5, "75-84", person_years=100, gp=100), cell(11, "75-84", person_years=50, gp=200)]
    by_need = {("F", 80, 5): 100, ("F", 80, 11): 50}
    return Baseline.build(AS_OF, rows, {}, by_need=by_need, transitions=moves, transitions_note="test")


def test_people_moving_to_higher_need_raise_its_activity():
    """A year on, 80 are in group 5 and 70 in group 11 (all still 75-84): GP appointments
    100 x 80/100 + 200 x 70/50 = 360; the waterfall shows demography 0, then the moves +60."""
    r = montecarlo.run(_baseline(), scenario(), rates(), costs())
    assert r.summary["activity.gp"]["p50"] == pytest.approx(360)
    assert r.need_group_moves
    steps = {w["step"]: w["activity.gp"] for w in r.waterfall}
    assert steps == pytest.approx({"demography": 0.0, "need_group_moves": 60.0})


def test_a_scenario_may_leave_the_moves_out():
    """``need_group_transitions: false``: each band keeps its mix, so the activity stays 300."""
    r = montecarlo.run(_baseline(), scenario(need_group_transitions=False), rates(), costs())
    assert r.summary["activity.gp"]["p50"] == pytest.approx(300)
    assert not r.need_group_moves and [w["step"] for w in r.waterfall] == ["demography"]


def test_a_baseline_without_moves_says_why_in_the_notes():
    """No moves estimated: the plain projection, and the note says so."""
    b = Baseline.build(
        AS_OF, [cell(5, "75-84", gp=100)], {("F", 80): 100}, transitions_note="not estimated: no records"
    )
    r = montecarlo.run(b, scenario(), rates(), costs())
    assert r.summary["activity.gp"]["p50"] == pytest.approx(100)
    assert "moves between need groups: not estimated: no records" in r.notes


def test_workforce_productivity_cuts_the_wte_needed_only():
    """Staff minutes per contact 50% lower: GP WTE 400 x 15 / 96,000 halved; activity and cost as
    they were; the waterfall's productivity step changes WTE alone."""
    b = Baseline.build(AS_OF, [cell(11, "75-84", gp=400)], {("F", 80): 100})
    lever = {"workforce_productivity": {"interval": [0.5, 0.5]}}
    r = montecarlo.run(b, scenario(lever), rates(), costs(gp=10))
    assert r.summary["wte.gp"]["p50"] == pytest.approx(400 * 15 / 96_000 / 2)
    assert r.summary["activity.gp"]["p50"] == pytest.approx(400)
    assert r.summary["cost"]["p50"] == pytest.approx(4000)
    (step,) = [w for w in r.waterfall if w["step"] == "workforce_productivity"]
    assert step["wte.gp"] == pytest.approx(-400 * 15 / 96_000 / 2)
    assert step["cost"] == 0 and step["activity.gp"] == 0


def test_staff_from_the_care_side_replace_the_file_for_their_roles():
    """The care side has 3 GP WTE: the gap is against those, said to come from the care record;
    a role the care side has nobody in keeps the file's figure and says so."""
    b = Baseline.build(AS_OF, [cell(11, "75-84", gp=400)], {("F", 80): 100})
    s = scenario()
    data = s.model_dump()
    data["workforce"]["current_wte"] = {"gp": 1.0, "pharmacist": 2.0}
    staff = StaffInPost({"gp": 3.0}, "care record (neighbourhood teams)", AS_OF, {"gp": 3})
    r = montecarlo.run(b, type(s).model_validate(data), rates(), costs(), staff=staff)
    rows = {w["role"]: w for w in r.workforce}
    assert rows["gp"]["current_wte"] == 3.0
    assert rows["gp"]["current_source"] == "care record (neighbourhood teams)"
    assert rows["gp"]["gap_p50"] == pytest.approx(400 * 15 / 96_000 - 3.0)
    assert rows["pharmacist"]["current_wte"] == 2.0
    assert rows["pharmacist"]["current_source"] == "scenario file"
