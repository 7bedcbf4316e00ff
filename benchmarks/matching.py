"""Benchmark: allocating a virtual-ward caseload to a neighbourhood workforce.

Default problem (issue #6): 2,000 caseload patients, 60 staff in 8 neighbourhoods of 2 localities,
seven roles with their skills; workloads of 1-5 points; two thirds already have a clinician;
each role staffed about 8% above the demand it can meet, with two staff absent (their patients need new clinicians). Prints the optimiser (CP-SAT) and the
greedy baseline side by side: seconds, objective, the optimiser's bound and gap, assigned, kept
with the same clinician, seen in their own neighbourhood.

    .venv/bin/python benchmarks/matching.py [--patients 2000 --staff 60 --time-limit 30 --seed 1]
"""

from __future__ import annotations

import argparse
import random

from nhc.care.matching import CasePatient, StaffMember, greedy, optimise

ROLES = {
    "GP": {"medical", "prescribing"},
    "community nurse": {"nursing", "wound_care"},
    "clinical pharmacist": {"prescribing", "medicines_review"},
    "physiotherapist": {"mobility"},
    "mental health link worker": {"mental_health"},
    "social prescriber": {"social_prescribing"},
    "care home support": {"nursing", "medicines_review", "care_home"},
}
NEEDS = [
    ("nursing",),
    ("wound_care",),
    ("medicines_review",),
    ("mobility",),
    ("mental_health",),
    ("social_prescribing",),
    ("medical",),
    ("nursing", "care_home"),
]
NBHDS = [(f"N{k}", "Locality A" if k < 4 else "Locality B") for k in range(8)]


def problem(n_patients: int, n_staff: int, seed: int) -> tuple[list[CasePatient], list[StaffMember]]:
    rng = random.Random(seed)
    roles = list(ROLES)
    staff = []
    for j in range(n_staff):
        role = roles[j % len(roles)]
        nb, loc = NBHDS[j % len(NBHDS)]
        staff.append(
            StaffMember(f"S{j:03d}", f"{role} {j}", nb, loc, frozenset(ROLES[role]), 0, absent=j in (3, 17))
        )
    patients = []
    for i in range(n_patients):
        nb, loc = rng.choice(NBHDS)
        needs = frozenset(rng.choice(NEEDS))
        current = None
        if rng.random() < 0.67:
            able = [s.staff_id for s in staff if needs <= s.skills and s.neighbourhood == nb]
            able = able or [s.staff_id for s in staff if needs <= s.skills]
            current = rng.choice(able) if able else None
        patients.append(CasePatient(i, nb, loc, needs, rng.randint(1, 5), current))
    # Capacity: each role is staffed for the demand it can meet (split evenly where several roles
    # could), plus 8% slack — as a workforce plan would size it.
    demand = dict.fromkeys(roles, 0.0)
    for p in patients:
        able_roles = [r for r in roles if p.needs <= ROLES[r]]
        for r in able_roles:
            demand[r] += p.points / len(able_roles)
    count = {r: sum(1 for s in staff if s.name.startswith(r + " ")) for r in roles}
    staff = [
        StaffMember(
            s.staff_id,
            s.name,
            s.neighbourhood,
            s.locality,
            s.skills,
            int(1.08 * demand[role] / count[role]) + rng.randint(-2, 2),
            s.absent,
        )
        for s in staff
        for role in [s.name.rsplit(" ", 1)[0]]
    ]
    return patients, staff


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--staff", type=int, default=60)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    patients, staff = problem(args.patients, args.staff, args.seed)
    base = greedy(patients, staff)
    best = optimise(patients, staff, time_limit=args.time_limit, hint=base)
    by_patient = {p.patient_id: p for p in patients}
    by_staff = {s.staff_id: s for s in staff}
    print(
        f"{args.patients:,} patients, {args.staff} staff ({sum(s.absent for s in staff)} absent), "
        f"demand {sum(p.points for p in patients):,} points, capacity {sum(s.capacity for s in staff if not s.absent):,}"
    )
    header = [
        "method",
        "status",
        "seconds",
        "objective",
        "bound",
        "gap",
        "assigned",
        "same clinician",
        "own neighbourhood",
    ]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in (best, base):
        kept = sum(1 for a in r.assignments if by_patient[a.patient_id].current_staff == a.staff_id)
        local = sum(
            1
            for a in r.assignments
            if by_staff[a.staff_id].neighbourhood == by_patient[a.patient_id].neighbourhood
        )
        bound = f"{r.bound:,.0f}" if r.method == "cp-sat" else "-"
        gap = f"{100 * r.gap:.2f}%" if r.method == "cp-sat" else "-"
        print(
            f"| {r.method} | {r.status} | {r.seconds:.2f} | {r.objective:,} | {bound} | {gap} | "
            f"{len(r.assignments):,} | {kept:,} | {local:,} |"
        )


if __name__ == "__main__":
    main()
