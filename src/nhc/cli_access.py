"""Access commands: ``nhc visits plan`` (plan a day of the primary care visiting service).

Contract of ``nhc visits plan --date YYYY-MM-DD``: plans that date's synthetic day (the same date
gives the same visits and clinicians) with PyVRP and prints each clinician's run sheet, or with
``--json`` the plan document (summary, routes with a reason per stop, unplanned visits with a
reason). ``--compare`` adds the naive baseline's summary. A bad option prints one line and exits 2.
Wire into the CLI with ``cli_access.register(app)``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer
from rich.console import Console

from nhc.access.routing.travel import TravelSettings
from nhc.access.services.visits import DayRequest, plan_day
from nhc.errors import NhcError

console = Console()
err = Console(stderr=True)
visits_app = typer.Typer(help="The primary care visiting service's home visits.", no_args_is_help=True)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise NhcError(f"--date: not a date: {text!r}", hint="use YYYY-MM-DD, e.g. 2026-03-02") from None


@visits_app.command("plan")
def plan(
    date: Annotated[str, typer.Option("--date", help="The day to plan (YYYY-MM-DD).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    visits: Annotated[int, typer.Option(min=1, max=1000, help="Visit requests on the day.")] = 150,
    clinicians: Annotated[int, typer.Option(min=1, max=100, help="Clinicians on shift.")] = 12,
    seconds: Annotated[float, typer.Option(min=0.1, max=600, help="Optimiser time limit.")] = 5.0,
    road_factor: Annotated[float, typer.Option(min=1.0, max=3.0, help="Road / straight-line.")] = 1.3,
    speed: Annotated[float, typer.Option("--speed-kmh", min=5, max=120, help="Average speed.")] = 30.0,
    compare: Annotated[bool, typer.Option(help="Also plan with the naive baseline.")] = False,
) -> None:
    """Plan the day's home visits: a route per clinician and a reason per visit."""
    try:
        request = DayRequest(
            _date(date),
            visits=visits,
            clinicians=clinicians,
            seconds=seconds,
            travel=TravelSettings(road_factor=road_factor, speed_kmh=speed),
        )
    except NhcError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    doc = plan_day(request, compare=compare)
    if as_json:
        typer.echo(json.dumps(doc, indent=2))
        return
    _print(doc)


def _print(doc: dict) -> None:
    s = doc["summary"]
    console.print(
        f"{doc['date']}: {s['planned']} of {s['visits']} visits planned, {s['missed_required']} urgent or high "
        f"missed, {s['travel_km']} km driven",
        highlight=False,
    )
    for route in doc["routes"]:
        console.print(f"\n[bold]{route['clinician']}[/bold] ({route['travel_km']} km)")
        for stop in route["stops"]:
            what = "break" if stop["kind"] == "break" else stop["visit"]
            console.print(f"  {stop['start']}-{stop['end']}  {what}  {stop['reason']}", highlight=False)
    for item in doc["unplanned"]:
        console.print(f"not planned: {item['visit']}: {item['reason']}", highlight=False)
    if "baseline" in doc:
        console.print(f"\nnaive baseline: {doc['baseline']}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(visits_app, name="visits")
