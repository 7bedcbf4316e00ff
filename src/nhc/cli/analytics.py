"""Analytics commands: ``nhc run`` (the whole pipeline, or with ``--incremental`` the nightly
refresh of the people whose rows changed) and ``nhc explain`` (one person).

Thin wrappers: the work is in :mod:`nhc.analytics.pipeline` and :mod:`nhc.analytics.explain`.
``nhc explain`` is a person-level read, so it is decided and audited like the patient page
(``/patients/{id}``) before anything about the person is read: with ``--as USER`` through the
one access decision (:class:`nhc.insights.access.PatientAccess`: that account's role,
neighbourhood, caseload or break-glass), audited under the account; without it as the operator
of this installation, audited as ``system`` with the operating-system account. (Whoever can run
``nhc`` on the data folder can read the lake's files directly, so for them the audit line, not a
refusal, is the control that means something.)
"""

from __future__ import annotations

import getpass
from typing import Annotated, Any

import ibis
import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from nhc.analytics.explain import explain as explain_person
from nhc.analytics.explain import valid_nhs_number
from nhc.analytics.pipeline import run as run_pipeline
from nhc.analytics.pipeline.incremental import Refreshed, refresh
from nhc.bootstrap import Services
from nhc.cli.common import (
    DataOption,
    JsonOption,
    add_commands,
    console,
    parse_date,
    print_json,
    services_for,
    settings_for,
)
from nhc.cli.summary import print_summary
from nhc.errors import NhcError
from nhc.lake.engine import Engine, connect
from nhc.security.roles import Principal, Role

#: The audited action of a person-level read: the same as the patient page's.
READ_ACTION = "view_patient"


def run(
    as_of: Annotated[str | None, typer.Option("--as-of", help="As-of date (default 2026-03-31).")] = None,
    incremental: Annotated[
        bool,
        typer.Option(
            "--incremental",
            help="Recompute only the people whose source rows changed since the last incremental "
            "run, scoring them with that run's risk model (a full run the first time, or when it "
            "cannot tell what changed; the output says which and why).",
        ),
    ] = False,
    full: Annotated[
        bool,
        typer.Option(
            "--full", help="With --incremental: run in full and refit the risk model (e.g. monthly)."
        ),
    ] = False,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run the population health analytics and write the insight tables to the lake."""
    settings = settings_for(data)
    date = parse_date(as_of, "--as-of")
    if full and not incremental:
        raise NhcError("--full goes with --incremental", hint="`nhc run` alone is always a full run")

    def work(progress: Any) -> Any:
        if incremental:
            return refresh(connect(settings), date, progress=progress, full=full)
        return run_pipeline(connect(settings), date, progress=progress)

    if as_json:
        print_json(work(None).as_dict())
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("connecting", total=None)
        result = work(lambda msg: progress.update(task, description=msg))
    if isinstance(result, Refreshed):
        print_refresh(result)
        result = result.result
    print_summary(result.as_dict())


def print_refresh(done: Refreshed) -> None:
    """One line: what kind of run the refresh was, and why or for how many people."""
    seconds = f"{done.result.seconds:.1f} s"
    if done.mode == "incremental":
        console.print(f"Incremental refresh: {done.changed:,} people recomputed in {seconds}")
    else:
        console.print(f"Full run ({done.reason}) in {seconds}", highlight=False)


def explain(
    nhs_number: Annotated[
        str, typer.Argument(help="The person's NHS number (10 digits).", metavar="NHS_NUMBER")
    ],
    as_user: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="Read as this user account: the same access decision and audit as their patient page "
            "(default: the operator, audited as system).",
            show_default=False,
        ),
    ] = None,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Explain why a person is in their group and what drives their scores (audited)."""
    services = services_for(data)
    engine = connect(services.settings)
    number = nhs_number.replace(" ", "")
    if valid_nhs_number(number):  # an impossible number reads no one: explain says what is wrong
        authorise_read(services, patient_id_of(engine, number), as_user)
    x = explain_person(engine, nhs_number)
    if as_json:
        print_json(x)
    else:
        print_explanation(x)


def patient_id_of(engine: Engine, nhs_number: str) -> int | None:
    """The lake's patient id for ``nhs_number`` (ten digits), or ``None`` if no one has it."""
    patients = engine.table("patients")
    found = patients.filter(patients.nhs_number == ibis.literal(nhs_number)).select("patient_id")
    ids = engine.to_arrow(found).column("patient_id").to_pylist()
    return ids[0] if ids else None


def authorise_read(services: Services, patient_id: int | None, as_user: str | None) -> None:
    """Decide and audit a command-line read of one person (``None``: no one has that number, an
    audited miss). Raises :class:`~nhc.security.service.AccessDenied` when ``as_user`` may not
    see them."""
    resource = f"cli:explain:{patient_id if patient_id is not None else 'unknown'}"
    if as_user is None:
        services.security.record(
            None,
            READ_ACTION,
            outcome="success" if patient_id is not None else "not_found",
            patient_id=patient_id,
            resource=resource,
            detail=f"basis=operator; command line as {_os_user()}",
        )
        return
    ids = frozenset() if patient_id is None else frozenset({patient_id})
    services.patient_access.authorise(
        principal_of(services, as_user), ids, action=READ_ACTION, resource=resource, ip=None
    )


def principal_of(services: Services, username: str) -> Principal:
    """The active account ``username`` as the services see a signed-in user."""
    user = services.security.get_user(username)
    if user is None or not user.active:
        raise NhcError(f"there is no active user {username!r}", hint="`nhc users list` shows the accounts")
    return Principal(
        user.id, user.username, user.display_name, Role(user.role), frozenset(user.neighbourhoods)
    )


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name (some containers)
        return "an unnamed account"


def print_explanation(x: dict[str, Any]) -> None:
    """One person's explanation as text and tables."""
    console.print(
        f"[bold]{x['name']}[/] NHS {x['nhs_number']} - {x['age']} {x['sex']}, practice "
        f"{x['practice_code']}, {x['neighbourhood']} (as of {x['as_of']})",
        highlight=False,
    )
    s = x["segment"]
    console.print(f"[bold]Segment:[/] {s['band']} need, {s['reason']}", highlight=False)
    console.print(
        f"[bold]Pyramid:[/] tier {x['pyramid']['tier']} {x['pyramid']['name']} ({x['pyramid']['rule']})",
        highlight=False,
    )
    for title, rows in (
        ("Registers", x["registers"]),
        ("eFI deficits", x["efi"]["found"]),
        ("CMS conditions", x["cms"]["conditions"]),
        ("Frailty markers", x["frailty_markers"]["found"]),
    ):
        t = Table(title=title)
        for c in ("item", "code", "date", "detail"):
            t.add_column(c)
        for r in rows:
            t.add_row(r["item"], r["code"] or "", r["date"] or "", r["detail"] or "")
        console.print(t)
    e = x["efi"]
    console.print(f"eFI {e['score']} ({e['deficits']}/{e['of']} deficits): {e['category']}")
    console.print(f"CMS {x['cms']['score']}; long-term conditions {x['ltc_count']}")
    r = x["risk"]
    if r["probability"] is not None:
        console.print(
            f"Risk of emergency admission in 12 months: {100 * r['probability']:.1f}% - {r['top_factors']}"
        )
    for w in x["worklists"]:
        console.print(f"On worklist {w['worklist']} (rank {w['rank']}): {w['reasons']}")


def register(app: typer.Typer) -> None:
    """Add ``nhc run`` and ``nhc explain`` to ``app``."""
    add_commands(app, {"run": run, "explain": explain})
