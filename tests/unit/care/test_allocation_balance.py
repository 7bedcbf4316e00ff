"""Allocation spreads the work (issue 20: all four nursing patients went to one nurse, load 12/20,
while another nurse with the same skills had none). The balance term costs each person's
load² / capacity, so among otherwise equal choices the loads even out; continuity still wins over
a small imbalance."""

from __future__ import annotations

from collections import Counter

from nhc.care.matching import CasePatient, StaffMember, greedy, optimise

NB, LOC = "Banbury", "North"


def nurse(sid: str, capacity: int = 20, carried: int = 0) -> StaffMember:
    return StaffMember(
        sid, f"Nurse {sid}", NB, LOC, frozenset({"nursing"}), capacity - carried, False, carried
    )


def patient(pid: int, points: int = 3, current: str | None = None) -> CasePatient:
    return CasePatient(pid, NB, LOC, frozenset({"nursing"}), points, current)


def test_four_nursing_patients_are_shared_between_two_free_nurses() -> None:
    result = optimise([patient(i) for i in range(1, 5)], [nurse("NINA"), nurse("BEN")])
    assert not result.unassigned
    assert result.load == {"NINA": 6, "BEN": 6}
    assert Counter(a.staff_id for a in result.assignments) == {"NINA": 2, "BEN": 2}


def test_the_objective_counts_the_balance_and_the_optimum_is_proven() -> None:
    # 6 + 6 points on two 20-point nurses: 36/20 + 36/20 = 3.6 points, reported as 4 (rounded up).
    result = optimise([patient(i) for i in range(1, 5)], [nurse("NINA"), nurse("BEN")])
    assert result.objective == 4 and result.status == "OPTIMAL" and result.gap == 0


def test_what_a_nurse_carries_elsewhere_counts_towards_balance() -> None:
    # NINA already carries 12 points for another neighbourhood (room 8): the new patient goes to BEN.
    result = optimise([patient(1)], [nurse("NINA", carried=12), nurse("BEN")])
    assert result.staff_of(1) == "BEN"


def test_continuity_outweighs_a_small_imbalance() -> None:
    # Moving one of NINA's two patients to BEN would even the loads (6/0 -> 3/3) but change clinician.
    patients = [patient(1, current="NINA"), patient(2, current="NINA")]
    result = optimise(patients, [nurse("NINA"), nurse("BEN")])
    assert result.staff_of(1) == "NINA" and result.staff_of(2) == "NINA"


def test_greedy_also_spreads_equal_choices() -> None:
    result = greedy([patient(i) for i in range(1, 5)], [nurse("NINA"), nurse("BEN")])
    assert result.load == {"NINA": 6, "BEN": 6}
