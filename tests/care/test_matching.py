"""Allocating caseload patients to staff: skills, capacity, continuity, travel, absence."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nhc.care.matching import CasePatient, StaffMember, arc_cost, greedy, optimise
from nhc.errors import NhcError


def nurse(sid, nbhd="Headington", capacity=10, skills=("nursing",), absent=False, locality="Oxford City"):
    return StaffMember(sid, f"Staff {sid}", nbhd, locality, frozenset(skills), capacity, absent)


def patient(pid, needs=("nursing",), nbhd="Headington", points=1, current=None, locality="Oxford City"):
    return CasePatient(pid, nbhd, locality, frozenset(needs), points, current)


def test_needed_skills_are_respected():
    staff = [nurse("N1"), nurse("M1", skills=("mental_health",))]
    result = optimise([patient(1, needs=("mental_health",)), patient(2)], staff)
    assert result.staff_of(1) == "M1" and result.staff_of(2) == "N1"
    assert not result.unassigned


def test_same_neighbourhood_first_and_reason_says_so():
    staff = [nurse("FAR", nbhd="East Oxford"), nurse("NEAR", nbhd="Headington")]
    result = optimise([patient(1)], staff)
    assert result.staff_of(1) == "NEAR"
    assert "same neighbourhood (Headington)" in result.assignments[0].reason


def test_continuity_keeps_the_same_clinician_when_possible():
    staff = [nurse("A"), nurse("B")]
    result = optimise([patient(1, current="B")], staff)
    assert result.staff_of(1) == "B"
    assert "continuity" in result.assignments[0].reason


def test_capacity_is_never_exceeded_and_overflow_is_explained():
    staff = [nurse("A", capacity=3)]
    patients = [patient(i, points=2) for i in range(1, 4)]
    result = optimise(patients, staff)
    assert result.load["A"] <= 3
    assert len(result.assignments) == 1 and len(result.unassigned) == 2
    assert all("at capacity" in u.reason for u in result.unassigned)


def test_missing_skill_is_explained():
    result = optimise([patient(1, needs=("podiatry",))], [nurse("A")])
    assert result.unassigned[0].reason == "nobody has all of: podiatry"


def test_absence_rebalances_to_colleagues_with_a_new_clinician_reason():
    staff = [nurse("A", absent=True), nurse("B", nbhd="East Oxford")]
    result = optimise([patient(1, current="A"), patient(2, current="A")], staff)
    assert {result.staff_of(1), result.staff_of(2)} == {"B"}
    assert all("new clinician" in a.reason for a in result.assignments)


def test_absent_only_skilled_person_is_explained():
    staff = [nurse("A", skills=("pharmacy",), absent=True), nurse("B")]
    result = optimise([patient(1, needs=("pharmacy",))], staff)
    assert "absent" in result.unassigned[0].reason


def test_optimiser_beats_greedy_where_greedy_is_myopic():
    # Greedy puts the big patient with the cheap (same-neighbourhood) nurse, which then leaves no
    # room for two small patients who can only be seen by that nurse's skill set.
    staff = [
        nurse("LOCAL", capacity=4, skills=("nursing", "wound_care")),
        nurse("AWAY", nbhd="East Oxford", capacity=4, skills=("nursing",)),
    ]
    patients = [
        patient(1, points=4),
        patient(2, needs=("wound_care",), points=2),
        patient(3, needs=("wound_care",), points=2),
    ]
    g = greedy(patients, staff)
    o = optimise(patients, staff)
    assert len(g.unassigned) == 2
    assert not o.unassigned and o.objective < g.objective
    assert o.status == "OPTIMAL" and o.gap == 0


def test_bad_input_is_refused_clearly():
    with pytest.raises(NhcError, match="capacity must not be negative"):
        optimise([patient(1)], [nurse("A", capacity=-1)])
    with pytest.raises(NhcError, match="appears twice"):
        greedy([patient(1), patient(1)], [nurse("A")])
    with pytest.raises(NhcError, match="points must be positive"):
        greedy([patient(1, points=0)], [nurse("A")])


SKILLS = ("nursing", "pharmacy", "mental_health")
NBHDS = ("Headington", "East Oxford", "Banbury")


@st.composite
def problems(draw):
    staff = [
        StaffMember(
            f"S{j}",
            f"S{j}",
            draw(st.sampled_from(NBHDS)),
            "L",
            frozenset(draw(st.sets(st.sampled_from(SKILLS), min_size=1))),
            draw(st.integers(0, 8)),
            draw(st.booleans()),
        )
        for j in range(draw(st.integers(1, 5)))
    ]
    patients = [
        CasePatient(
            i,
            draw(st.sampled_from(NBHDS)),
            "L",
            frozenset(draw(st.sets(st.sampled_from(SKILLS), max_size=2))),
            draw(st.integers(1, 4)),
            draw(st.sampled_from([None, *[s.staff_id for s in staff]])),
        )
        for i in range(draw(st.integers(0, 12)))
    ]
    return patients, staff


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_allocation_is_feasible_and_the_optimiser_is_never_worse(problem):
    patients, staff = problem
    by_id = {s.staff_id: s for s in staff}
    g, o = greedy(patients, staff), optimise(patients, staff, time_limit=5)
    for result in (g, o):
        assert len(result.assignments) + len(result.unassigned) == len(patients)
        for a in result.assignments:
            p = next(p for p in patients if p.patient_id == a.patient_id)
            assert arc_cost(p, by_id[a.staff_id]) is not None
        for s in staff:
            assert result.load[s.staff_id] <= s.capacity
    assert o.objective <= g.objective
