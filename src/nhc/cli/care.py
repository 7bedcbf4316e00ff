"""Care commands (``nhc care ...``): a demo team, the caseload and allocation from the terminal.

Thin wrappers around :class:`nhc.care.services.CareService` (from the composition root), run as
the system user (audited as ``system``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from nhc.bootstrap import Services
from nhc.care.directory import StaticDirectory, neighbourhoods
from nhc.care.domain import CareError
from nhc.cli.common import (
    DataOption,
    NeighbourhoodOption,
    add_group,
    console,
    print_json,
    services_for,
    settings_for,
)
from nhc.errors import NhcError
from nhc.lake.tables.operational import CARE_RECORD_TYPES

#: The demo team of one neighbourhood: role, how many, capacity (points a week), working pattern.
DEMO_TEAM = (
    ("gp", 1, 12, "Mon-Fri"),
    ("community_nurse", 2, 20, "Mon-Fri"),
    ("clinical_pharmacist", 1, 15, "Mon-Thu"),
    ("physiotherapist", 1, 12, "Tue-Fri"),
    ("mental_health_link_worker", 1, 10, "Mon-Wed"),
    ("social_prescriber", 1, 15, "Mon-Fri"),
    ("care_home_support", 2, 15, "Mon-Fri"),
)
GIVEN = (
    "Amara",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Femi",
    "Grace",
    "Hari",
    "Isla",
    "Jon",
    "Kasia",
    "Leo",
    "Maya",
    "Nadia",
    "Owen",
    "Priya",
    "Rhys",
    "Sana",
    "Tom",
    "Una",
    "Vik",
    "Wren",
    "Yusuf",
    "Zara",
)
FAMILY = (
    "Adeyemi",
    "Brook",
    "Clarke",
    "Dhillon",
    "Evans",
    "Fisher",
    "Gill",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Nowak",
    "Okafor",
    "Patel",
    "Quinn",
    "Reid",
    "Shah",
    "Taylor",
    "Walsh",
    "Young",
)


def _services(data: Path | None, *, with_lake: bool = True) -> Services:
    """The services over ``--data``; the care service looks people up in the lake's insight tables
    when ``with_lake`` and the analytics have been run, else in an empty in-memory directory."""
    analysed = (settings_for(data).lake_dir / "patient_insights").exists()
    return services_for(data, care_directory=None if with_lake and analysed else StaticDirectory())


def _demo_name(seq: int, neighbourhood: str) -> str:
    given = GIVEN[(seq * 7 + len(neighbourhood)) % len(GIVEN)]
    return f"{given} {FAMILY[(seq * 5 + len(neighbourhood) * 3) % len(FAMILY)]}"


def seed_team(
    neighbourhood: Annotated[
        list[str] | None,
        typer.Option("--neighbourhood", "-n", help="Repeatable; default: every neighbourhood of the county."),
    ] = None,
    lead: Annotated[
        str | None, typer.Option("--lead", help="Existing user account to link as the team lead (the GP).")
    ] = None,
    data: DataOption = None,
) -> None:
    """Create a demo team (GP, nurses, pharmacist, physio, mental health link worker, social
    prescriber, care home support) in every neighbourhood (or each one given) that has no staff yet."""
    services = _services(data, with_lake=False)
    care = services.care
    names = neighbourhood or sorted(neighbourhoods())
    lead_id = None
    if lead:
        user = services.security.get_user(lead)
        if user is None:
            raise NhcError(f"there is no user {lead!r}", hint="create the account first")
        lead_id = user.id
    seq = 0
    for nb in names:
        if care.list_staff(nb):
            console.print(f"{nb}: already has staff; left as it is.")
            continue
        made = 0
        for role, count, capacity, pattern in DEMO_TEAM:
            for _ in range(count):
                is_lead = role == "gp"
                care.add_staff(
                    None,
                    _demo_name(seq, nb),
                    role,
                    nb,
                    capacity=capacity,
                    working_pattern=pattern,
                    is_lead=is_lead,
                    user_id=lead_id if is_lead else None,
                )
                seq += 1
                made += 1
        console.print(f"{nb}: {made} staff added.")
        lead_id = None  # the --lead account leads the first neighbourhood only


def staff(neighbourhood: NeighbourhoodOption, data: DataOption = None) -> None:
    """The team of a neighbourhood: roles, skills, load and capacity, absence."""
    care = _services(data, with_lake=False).care
    t = Table(title=f"Team – {neighbourhood}")
    for c in ("id", "name", "role", "skills", "load/capacity", "absent until"):
        t.add_column(c)
    for s in care.list_staff(neighbourhood):
        t.add_row(
            str(s.id),
            s.name + (" (lead)" if s.is_lead else ""),
            s.role_label,
            ", ".join(s.skills),
            f"{s.load}/{s.capacity}",
            str(s.absent_until or ""),
        )
    console.print(t)


def admit_worklist(
    neighbourhood: NeighbourhoodOption,
    worklist: Annotated[str | None, typer.Option("--worklist", help="Worklist name (default: any).")] = None,
    top: Annotated[int, typer.Option("--top", help="How many people to admit, best ranked first.")] = 10,
    data: DataOption = None,
) -> None:
    """Admit the top-ranked people on a neighbourhood's worklist(s) to the virtual ward (demo)."""
    care = _services(data).care
    admitted = 0
    for row in care.worklist_candidates(None, neighbourhood, worklist, limit=max(1, top) * 3):
        if admitted >= top:
            break
        try:
            care.admit(None, row["patient_id"], worklist=row["worklist"])
            admitted += 1
        except CareError as exc:
            console.print(f"patient {row['patient_id']}: {exc}")
    console.print(f"{admitted} admitted to the {neighbourhood} virtual ward.")


def allocate(
    neighbourhood: NeighbourhoodOption,
    rebalance: Annotated[
        bool, typer.Option("--rebalance", help="Only re-propose absent staff's patients.")
    ] = False,
    accept: Annotated[
        bool, typer.Option("--accept", help="Accept the proposal (otherwise a lead does).")
    ] = False,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Optimiser time limit, seconds.")] = 10.0,
    data: DataOption = None,
) -> None:
    """Propose (and with --accept, accept) an allocation of the caseload to named staff."""
    care = _services(data).care
    p = care.propose_allocation(None, neighbourhood, rebalance=rebalance, time_limit=time_limit)
    t = Table(
        title=f"Proposal {p.id} – {neighbourhood}: {p.method} {p.solver_status}, cost {p.objective}, "
        f"gap {p.gap:.1%}"
    )
    for c in ("patient", "proposed", "before", "why"):
        t.add_column(c)
    for i in p.items:
        t.add_row(str(i.patient_id), i.staff_name or "–", i.previous_staff_name or "–", i.reason)
    console.print(t)
    if accept:
        care.accept_allocation(None, p.id)
        console.print(f"Proposal {p.id} accepted.")
    else:
        console.print(
            f"Not yet accepted: a team lead accepts it on /care/{neighbourhood}/allocation "
            f"(or run again with --accept)."
        )


def export_lake(
    data: DataOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Copy the team's records (virtual ward, care plans, MDT reviews, social prescribing) into the
    lake as coded facts (replacing the lake's previous copy), so outcomes and planning can count
    them and the next nightly refresh (nhc run --incremental) takes them into the worklists."""
    done = _services(data, with_lake=False).export_care_records()
    table = done.table
    kinds = table.column("record_type").to_pylist()
    counts = {kind: kinds.count(kind) for kind in CARE_RECORD_TYPES}
    if as_json:
        print_json({"records": table.num_rows, "by_type": counts, "people_changed": done.people_changed})
        return
    console.print(
        f"{table.num_rows} care records written to the lake: "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
    )
    console.print(
        f"{done.people_changed} people's records changed since the last export: the next nightly "
        "refresh (nhc run --incremental) recomputes them."
    )


def register(app: typer.Typer) -> None:
    """Add ``nhc care seed-team|staff|admit-worklist|allocate|export-lake`` to ``app``."""
    add_group(
        app,
        "care",
        "The integrated neighbourhood team: staff, caseload, allocation.",
        {
            "seed-team": seed_team,
            "staff": staff,
            "admit-worklist": admit_worklist,
            "allocate": allocate,
            "export-lake": export_lake,
        },
    )
