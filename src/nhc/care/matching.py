"""Matching caseload patients to named staff: skills, capacity, continuity and travel.

The allocation problem: each patient on the caseload / virtual ward needs some skills (e.g.
``nursing``, ``medicines``, ``mental_health``) and takes some workload points a week; each staff
member has skills, a neighbourhood and a weekly capacity in points. We want every patient assigned
to one person who has all the skills they need, nobody over capacity, the same clinician kept where
possible (continuity), people seen by staff of their own neighbourhood first (travel), and the work
spread evenly (balance: nobody carries everything while a colleague with the same skills has none).

:func:`optimise` solves it exactly as an integer programme with OR-Tools CP-SAT (minimum total
cost, unassigned patients heavily penalised) and reports the optimiser's bound and gap;
:func:`greedy` is the obvious baseline (largest workloads first, cheapest feasible person), kept
for comparison and as a fallback. Both explain every assignment and every patient left out.

Pure domain code: no database, no web. The service layer loads patients and staff, calls these,
and the team lead accepts or overrides the proposal.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nhc.errors import NhcError

# Costs in "points of regret"; only their ratios matter. An unassigned patient is worse than any
# assignment, a change of clinician costs about as much as crossing to the next neighbourhood.
COST_OTHER_NEIGHBOURHOOD = 6
COST_OTHER_LOCALITY = 15
COST_NEW_CLINICIAN = 8
COST_UNASSIGNED = 1_000
# Balance: each person's load costs load² / capacity points (their whole capacity, counting what they
# already carry elsewhere), so two nurses of 20 points carrying 12 + 0 cost 7.2 and 6 + 6 cost 3.6.
# One move of a typical patient changes it by less than a change of clinician or of neighbourhood,
# so balance decides between otherwise equal choices and evens out only large imbalances.
# The optimiser counts it in tenths of a point (BALANCE_SCALE) to stay in integers.
BALANCE_SCALE = 10


@dataclass(frozen=True)
class CasePatient:
    patient_id: int
    neighbourhood: str
    locality: str
    needs: frozenset[str]
    points: int = 1
    current_staff: str | None = None


@dataclass(frozen=True)
class StaffMember:
    staff_id: str
    name: str
    neighbourhood: str
    locality: str
    skills: frozenset[str]
    capacity: int
    absent: bool = False
    carried: int = 0  # points already carried for patients outside this problem (capacity is the room left)

    @property
    def whole_capacity(self) -> int:
        return self.capacity + self.carried


@dataclass(frozen=True)
class Assignment:
    patient_id: int
    staff_id: str
    cost: int
    reason: str


@dataclass(frozen=True)
class Unassigned:
    patient_id: int
    reason: str


@dataclass
class Allocation:
    method: str
    assignments: list[Assignment]
    unassigned: list[Unassigned]
    objective: int
    bound: float
    seconds: float
    status: str
    load: dict[str, int] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """Relative gap between the objective and the optimiser's lower bound (0 = proven optimal)."""
        if self.objective == 0:
            return 0.0
        return max(0.0, (self.objective - self.bound) / self.objective)

    def staff_of(self, patient_id: int) -> str | None:
        for a in self.assignments:
            if a.patient_id == patient_id:
                return a.staff_id
        return None


def arc_cost(patient: CasePatient, staff: StaffMember) -> int | None:
    """Cost of giving ``patient`` to ``staff``; None if not allowed (absent or missing a skill)."""
    if staff.absent or not patient.needs <= staff.skills:
        return None
    cost = 0
    if staff.neighbourhood != patient.neighbourhood:
        cost += COST_OTHER_NEIGHBOURHOOD if staff.locality == patient.locality else COST_OTHER_LOCALITY
    if patient.current_staff is not None and patient.current_staff != staff.staff_id:
        cost += COST_NEW_CLINICIAN
    return cost


def balance_tenths(staff: Sequence[StaffMember], load: Mapping[str, int]) -> int:
    """The balance term in tenths of a point (as the optimiser counts it): each person's
    (carried + new load)² × BALANCE_SCALE / whole capacity, rounded down."""
    total = 0
    for s in staff:
        if s.whole_capacity > 0:
            total += (s.carried + load.get(s.staff_id, 0)) ** 2 * BALANCE_SCALE // s.whole_capacity
    return total


def _reason(patient: CasePatient, staff: StaffMember, load: int) -> str:
    parts = []
    if patient.current_staff == staff.staff_id:
        parts.append(f"continuity: already seen by {staff.name}")
    elif patient.current_staff is not None:
        parts.append(f"new clinician (previous {patient.current_staff} unavailable or full)")
    if staff.neighbourhood == patient.neighbourhood:
        parts.append(f"same neighbourhood ({staff.neighbourhood})")
    elif staff.locality == patient.locality:
        parts.append(f"neighbouring team in {staff.locality} ({staff.neighbourhood})")
    else:
        parts.append(f"cross-locality cover from {staff.neighbourhood}")
    if patient.needs:
        parts.append("has " + ", ".join(sorted(patient.needs)))
    parts.append(f"load {load}/{staff.capacity} points")
    return "; ".join(parts)


def _why_unassigned(patient: CasePatient, staff: Sequence[StaffMember]) -> str:
    skilled = [s for s in staff if patient.needs <= s.skills]
    if not skilled:
        return f"nobody has all of: {', '.join(sorted(patient.needs))}"
    present = [s for s in skilled if not s.absent]
    if not present:
        return f"everyone with {', '.join(sorted(patient.needs)) or 'the needed skills'} is absent"
    return f"all {len(present)} staff with the needed skills are at capacity"


def _finish(
    method: str,
    patients: Sequence[CasePatient],
    staff: Sequence[StaffMember],
    chosen: dict[int, str],
    bound: float,
    started: float,
    status: str,
) -> Allocation:
    by_id = {s.staff_id: s for s in staff}
    load: dict[str, int] = {s.staff_id: 0 for s in staff}
    for p in patients:
        if p.patient_id in chosen:
            load[chosen[p.patient_id]] += p.points
    assignments, unassigned, objective = [], [], 0
    for p in patients:
        sid = chosen.get(p.patient_id)
        if sid is None:
            unassigned.append(Unassigned(p.patient_id, _why_unassigned(p, staff)))
            objective += COST_UNASSIGNED * p.points
            continue
        cost = arc_cost(p, by_id[sid])
        assert cost is not None
        objective += cost
        assignments.append(Assignment(p.patient_id, sid, cost, _reason(p, by_id[sid], load[sid])))
    # Whole points, rounded up (the bound likewise), so a proven optimum has a gap of 0.
    total = -(-(objective * BALANCE_SCALE + balance_tenths(staff, load)) // BALANCE_SCALE)
    return Allocation(
        method, assignments, unassigned, total, bound, time.perf_counter() - started, status, load
    )


def check_input(patients: Sequence[CasePatient], staff: Sequence[StaffMember]) -> None:
    """Reject inputs that cannot be allocated meaningfully, with a clear message."""
    ids = [s.staff_id for s in staff]
    if len(ids) != len(set(ids)):
        raise NhcError("staff ids must be unique")
    pids = [p.patient_id for p in patients]
    if len(pids) != len(set(pids)):
        raise NhcError("a patient appears twice on the caseload")
    for s in staff:
        if s.capacity < 0:
            raise NhcError(f"staff {s.staff_id}: capacity must not be negative ({s.capacity})")
    for p in patients:
        if p.points <= 0:
            raise NhcError(f"patient {p.patient_id}: workload points must be positive ({p.points})")


def greedy(patients: Sequence[CasePatient], staff: Sequence[StaffMember]) -> Allocation:
    """Largest workloads first; each to the cheapest allowed person with room (ties: most room)."""
    check_input(patients, staff)
    started = time.perf_counter()
    room = {s.staff_id: s.capacity for s in staff}
    chosen: dict[int, str] = {}
    for p in sorted(patients, key=lambda p: (-p.points, p.patient_id)):
        best: tuple[int, int, str] | None = None
        for s in staff:
            cost = arc_cost(p, s)
            if cost is None or room[s.staff_id] < p.points:
                continue
            key = (cost, -room[s.staff_id], s.staff_id)
            if best is None or key < best:
                best = key
        if best is not None:
            chosen[p.patient_id] = best[2]
            room[best[2]] -= p.points
    return _finish("greedy", patients, staff, chosen, bound=0.0, started=started, status="HEURISTIC")


def _balance_term(model: Any, s: StaffMember, arcs: list[tuple[int, Any]]) -> Any:
    """load² × BALANCE_SCALE / whole capacity for one person, as an integer variable of ``model``
    (rounded down to a tenth of a point; CP-SAT takes the square and the division exactly)."""
    whole = s.whole_capacity
    load = model.new_int_var(0, whole, f"load_{s.staff_id}")
    model.add(load == s.carried + sum(points * var for points, var in arcs))
    square = model.new_int_var(0, whole * whole, f"sq_{s.staff_id}")
    model.add_multiplication_equality(square, [load, load])
    term = model.new_int_var(0, whole * BALANCE_SCALE, f"bal_{s.staff_id}")
    model.add_division_equality(term, square * BALANCE_SCALE, whole)
    return term


def optimise(
    patients: Sequence[CasePatient],
    staff: Sequence[StaffMember],
    *,
    time_limit: float = 20.0,
    workers: int = 2,
    hint: Allocation | None = None,
) -> Allocation:
    """Minimum-cost allocation by CP-SAT, within ``time_limit`` seconds (the best found so far and
    the proven bound are reported if the limit stops it)."""
    from ortools.sat.python import cp_model

    check_input(patients, staff)
    started = time.perf_counter()
    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    by_staff: dict[int, list[tuple[int, cp_model.IntVar]]] = {j: [] for j in range(len(staff))}
    objective_terms = []
    for i, p in enumerate(patients):
        arcs = []
        for j, s in enumerate(staff):
            cost = arc_cost(p, s)
            if cost is None or s.capacity < p.points:
                continue
            var = model.new_bool_var(f"x{i}_{j}")
            x[i, j] = var
            arcs.append(var)
            by_staff[j].append((p.points, var))
            if cost:
                objective_terms.append(BALANCE_SCALE * cost * var)
        # Assigned at most once; being left out costs COST_UNASSIGNED per point.
        model.add_at_most_one(arcs)
        objective_terms.append(BALANCE_SCALE * COST_UNASSIGNED * p.points * (1 - sum(arcs)))
    for j, s in enumerate(staff):
        if by_staff[j]:
            model.add(sum(points * var for points, var in by_staff[j]) <= s.capacity)
        if s.whole_capacity > 0:
            objective_terms.append(_balance_term(model, s, by_staff[j]))
    model.minimize(sum(objective_terms))
    if hint is not None:
        index = {s.staff_id: j for j, s in enumerate(staff)}
        hinted = {a.patient_id: index[a.staff_id] for a in hint.assignments}
        for (i, j), var in x.items():
            model.add_hint(var, hinted.get(patients[i].patient_id) == j)

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 1
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # Nothing found in time: fall back on the heuristic rather than return nothing.
        fallback = greedy(patients, staff)
        fallback.method, fallback.status = (
            "greedy (optimiser found nothing in time)",
            solver.status_name(status),
        )
        return fallback
    chosen = {
        patients[i].patient_id: staff[j].staff_id for (i, j), var in x.items() if solver.boolean_value(var)
    }
    return _finish(
        "cp-sat",
        patients,
        staff,
        chosen,
        bound=math.ceil(solver.best_objective_bound / BALANCE_SCALE - 1e-9),
        started=started,
        status=solver.status_name(status),
    )
