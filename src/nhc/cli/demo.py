"""``nhc demo``: the whole demonstration in one command, made of the other areas' commands."""

from __future__ import annotations

from typing import Annotated

import typer

from nhc.cli import analytics, care, engagement, lake, plans, web
from nhc.cli.common import DataOption, PortOption, add_commands, console, settings_for
from nhc.lake.store import Lake
from nhc.synth.county import SynthOptions, generate_to_lake, lake_matches

DEMO_NEIGHBOURHOOD = "Headington"


def demo(
    patients: Annotated[int, typer.Option("--patients", "-n", help="County size.")] = 726_000,
    seed: Annotated[int, typer.Option("--seed")] = 1,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the web app at the end.")] = True,
    port: PortOption = 8000,
    data: DataOption = None,
) -> None:
    """The whole demo: build the county (reused if already built), run the analytics, create a
    neighbourhood team with a few people admitted and one demo user per role, then serve the web app."""
    settings = settings_for(data)
    data_dir = settings.data_dir
    options = SynthOptions(patients=patients, seed=seed)
    if lake_matches(settings.lake_dir, options):
        console.print(f"Lake in {settings.lake_dir} already holds this county (seed {seed}); reusing it.")
    else:
        lake.print_synth_result(generate_to_lake(options, settings.lake_dir, progress=True))
    lake.lake_info(data=data_dir, as_json=False)
    # The other steps are commands of their own areas, run as a user would run them.
    if "patient_insights" not in Lake(settings.lake_dir).tables():
        analytics.run(data=data_dir)
    else:
        console.print("Analytics already run on this lake; `nhc run` refreshes them.")
    care.seed_team(data=data_dir)
    # A few people on the demo team's virtual ward, so the care pages do not start empty (the
    # candidates leave out anyone already admitted, so running the demo again admits no one twice).
    care.admit_worklist(neighbourhood=DEMO_NEIGHBOURHOOD, top=5, data=data_dir)
    care.export_lake(data=data_dir)  # the team's records reach the lake, as outcomes counts them
    plans.seed(data=data_dir)  # starter priorities, so each neighbourhood's plan has its table
    engagement.engagement_demo(data=data_dir)  # a few comments per neighbourhood for the inbox
    web.demo_users(data=data_dir, neighbourhood=DEMO_NEIGHBOURHOOD, port=port)
    if serve:
        web.serve(port=port, data=data_dir)


def register(app: typer.Typer) -> None:
    """Add ``nhc demo`` to ``app``."""
    add_commands(app, {"demo": demo})
