"""Access commands: ``nhc visits plan`` (plan a day of the primary care visiting service) and
``nhc hubs publish | simulate | report`` (hub timetables, simulated demand, utilisation).

Contract of ``nhc hubs``: ``publish --from DATE --weeks N`` replaces the county's hubs and publishes
their slots; ``simulate --from DATE --weeks N`` plays that many weeks of generated requests against
them (booking, cancelling, attending or not); ``report --from DATE --weeks N [--json]`` prints
utilisation by hub, role, channel, weekday, hour and practice, the DNA rate, time to third next
available and the weekly SPC series. All work on the operational database (``NHC_DATABASE_URL`` or
the data folder's SQLite file).

Contract of ``nhc visits plan --date YYYY-MM-DD``: plans that date's synthetic day (the same date
gives the same visits and clinicians) with PyVRP and prints each clinician's run sheet, or with
``--json`` the plan document (summary, routes with a reason per stop, unplanned visits with a
reason). ``--compare`` adds the naive baseline's summary. ``--urgent-at HH:MM`` adds an urgent GP
visit arriving then and re-plans the rest of the day without moving the stops already started. A bad option prints one line and exits 2.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer

from nhc.access.domain.demand import requests
from nhc.access.routing.travel import TravelSettings
from nhc.access.services import AccessService
from nhc.access.services.demand import mean_deciles, report, simulate
from nhc.access.services.visits import DayRequest, plan_day, replan_day
from nhc.bootstrap import open_database
from nhc.cli.common import console, settings_for
from nhc.db import Database
from nhc.errors import NhcError

visits_app = typer.Typer(help="The primary care visiting service's home visits.", no_args_is_help=True)
hubs_app = typer.Typer(
    help="Extended-hours access hubs: timetables, demand, utilisation.", no_args_is_help=True
)
FromOption = Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD), a Monday for whole weeks.")]
WeeksOption = Annotated[int, typer.Option(min=1, max=52, help="How many weeks.")]


def _database() -> Database:
    return open_database(settings_for(None))


def _date(text: str, option: str = "--date") -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise NhcError(f"{option}: not a date: {text!r}", hint="use YYYY-MM-DD, e.g. 2026-03-02") from None


def _minute(text: str) -> int:
    try:
        t = dt.time.fromisoformat(text)
    except ValueError:
        raise NhcError(f"--urgent-at: not a time: {text!r}", hint="use HH:MM, e.g. 11:30") from None
    return t.hour * 60 + t.minute


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
    urgent_at: Annotated[
        str | None, typer.Option("--urgent-at", help="HH:MM: an urgent visit arrives then; re-plan the rest.")
    ] = None,
) -> None:
    """Plan the day's home visits: a route per clinician and a reason per visit."""
    request = DayRequest(
        _date(date),
        visits=visits,
        clinicians=clinicians,
        seconds=seconds,
        travel=TravelSettings(road_factor=road_factor, speed_kmh=speed),
    )
    at = _minute(urgent_at) if urgent_at else None
    doc = replan_day(request, at) if at is not None else plan_day(request, compare=compare)
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


@hubs_app.command("publish")
def publish(first: FromOption, weeks: WeeksOption = 8) -> None:
    """Replace the county's hubs and publish their 7-day access timetables."""
    counts = AccessService(_database()).publish_timetables(_date(first, "--from"), 7 * weeks)
    console.print(
        f"{counts['hubs']} hubs, {counts['schedules']} schedules, {counts['slots']} slots", highlight=False
    )


@hubs_app.command("simulate")
def simulate_demand(first: FromOption, weeks: WeeksOption = 8, seed: int = 1) -> None:
    """Play generated appointment requests against the published slots."""
    start = _date(first, "--from")
    db = _database()
    stream = requests(AccessService(db).hubs(), mean_deciles(), start, weeks, seed=seed)
    until = dt.datetime.combine(start + dt.timedelta(weeks=weeks), dt.time())
    counts = simulate(db, stream, until=until)
    console.print(", ".join(f"{k} {v}" for k, v in counts.items()), highlight=False)


@hubs_app.command("report")
def utilisation_report(
    first: FromOption,
    weeks: WeeksOption = 8,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Utilisation, DNA rate, time to third next available and the weekly SPC series."""
    start = dt.datetime.combine(_date(first, "--from"), dt.time())
    end = start + dt.timedelta(weeks=weeks)
    doc = report(_database(), start, end, now=end)
    if as_json:
        typer.echo(json.dumps(doc, indent=2))
        return
    console.print(f"{doc['slots']} slots; DNA rate {doc['dna_rate']}", highlight=False)
    for key in ("by_role", "by_channel", "by_weekday"):
        cells = ", ".join(f"{g} {v['utilisation']:.0%}" for g, v in doc[key].items())
        console.print(f"{key[3:]}: {cells}", highlight=False)
    for week in doc["weekly"]:
        console.print(f"week of {week['week']}: {week['utilisation']:.0%} ({week['spc']})", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(visits_app, name="visits")
    app.add_typer(hubs_app, name="hubs")
