"""The ``nhc`` command: one Typer app; each command is a thin call into a package below.

Errors the user can fix (:class:`nhc.errors.NhcError`) are printed as one line on stderr and exit
with status 2 — never a traceback.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from nhc.errors import NhcError
from nhc.settings import Settings

app = typer.Typer(
    name="nhc",
    help="Neighbourhood Health & Care: synthetic county, lake, analytics and services.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
lake_app = typer.Typer(help="Inspect the lake (the Parquet tables).", no_args_is_help=True)
app.add_typer(lake_app, name="lake")

console = Console()
err_console = Console(stderr=True)


def _settings(data: Path | None) -> Settings:
    settings = Settings.from_env()
    if data is not None:
        settings = Settings(data_dir=data, database_url=settings.database_url, engine=settings.engine)
    return settings


DataOption = Annotated[
    Path | None,
    typer.Option("--data", help="Data folder (default: $NHC_DATA or ./data).", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the figures as JSON instead of a table.")]


def _parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise NhcError(f"{option} must be a date like 2026-03-31, not {value!r}") from None


@app.command()
def synth(
    patients: Annotated[
        int, typer.Option("--patients", "-n", help="How many people to generate (the county has ~726,000).")
    ] = 726_000,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed: the same seed gives a byte-identical lake.")
    ] = 1,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date the data runs up to (default 2026-03-31).")
    ] = None,
    locality: Annotated[
        list[str] | None,
        typer.Option("--locality", help="Only generate these localities (repeatable; default all six)."),
    ] = None,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Generate a synthetic county into the lake (replacing the lake as one unit)."""
    from nhc.synth.county import SynthOptions, generate_to_lake

    settings = _settings(data)
    options = SynthOptions(
        patients=patients, seed=seed, as_of=_parse_date(as_of, "--as-of"), localities=tuple(locality or ())
    )
    result = generate_to_lake(options, settings.lake_dir, progress=not as_json)
    if as_json:
        print(json.dumps(result.as_dict(), indent=2, default=str))
    else:
        _print_synth_result(result)


def _print_synth_result(result) -> None:
    table = Table(title=f"Synthetic county written to {result.lake_dir}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in result.rows.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    summary = Table(title="What was built")
    summary.add_column("measure")
    summary.add_column("value", justify="right")
    for key, value in result.summary.items():
        summary.add_row(key, value if isinstance(value, str) else f"{value:,}")
    console.print(summary)
    console.print(f"{result.seconds:.1f} s")


@lake_app.command("info")
def lake_info(data: DataOption = None, as_json: JsonOption = False) -> None:
    """List the lake's tables with rows and bytes."""
    from nhc.lake.store import Lake

    settings = _settings(data)
    infos = Lake(settings.lake_dir).info()
    if not infos:
        raise NhcError(f"no lake tables in {settings.lake_dir}", hint="run `nhc synth` first")
    if as_json:
        print(json.dumps([i.__dict__ for i in infos], indent=2))
        return
    table = Table(title=f"Lake {settings.lake_dir}")
    for col in ("table", "rows", "bytes", "files"):
        table.add_column(col, justify="left" if col == "table" else "right")
    for i in infos:
        table.add_row(i.name, f"{i.rows:,}", f"{i.bytes:,}", str(i.files))
    table.add_row("total", f"{sum(i.rows for i in infos):,}", f"{sum(i.bytes for i in infos):,}", "")
    console.print(table)


@lake_app.command("dictionary")
def lake_dictionary(
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the Markdown.")] = Path(
        "docs/data-dictionary.md"
    ),
) -> None:
    """Write the data dictionary (every lake table and column) as Markdown."""
    from nhc.lake.dictionary import write_dictionary

    write_dictionary(output)
    console.print(f"wrote {output}")


@app.command()
def demo(
    patients: Annotated[int, typer.Option("--patients", "-n", help="County size.")] = 726_000,
    seed: Annotated[int, typer.Option("--seed")] = 1,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the web app at the end.")] = True,
    port: Annotated[int, typer.Option("--port", help="Port for the web app.")] = 8000,
    data: DataOption = None,
) -> None:
    """The whole demo: build the county (reused if already built), run the analytics, create a
    neighbourhood team and one demo user per role, then serve the web app."""
    from nhc.lake.store import Lake
    from nhc.synth.county import SynthOptions, generate_to_lake, lake_matches

    settings = _settings(data)
    options = SynthOptions(patients=patients, seed=seed)
    if lake_matches(settings.lake_dir, options):
        console.print(f"Lake in {settings.lake_dir} already holds this county (seed {seed}); reusing it.")
    else:
        _print_synth_result(generate_to_lake(options, settings.lake_dir, progress=True))
    lake_info(data=settings.data_dir, as_json=False)

    # The other steps are commands of their own areas; run them as a user would.
    def step(*args: str) -> None:
        typer.main.get_command(app).main([*args, "--data", str(settings.data_dir)], standalone_mode=False)

    if "patient_insights" not in Lake(settings.lake_dir).tables():
        step("run")
    else:
        console.print("Analytics already run on this lake; `nhc run` refreshes them.")
    step("care", "seed-team")
    step("demo-users", "--neighbourhood", "Headington", "--port", str(port))
    if serve:
        step("serve", "--port", str(port))


def _register_optional_commands() -> None:
    # Areas built in their own modules add their commands here; each module owns its commands.
    from nhc import cli_analytics, cli_care, cli_fhir, cli_web

    for module in (cli_analytics, cli_fhir, cli_web, cli_care):
        module.register(app)


_register_optional_commands()


def main() -> None:
    try:
        app(standalone_mode=False)
    except NhcError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("aborted")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise


if __name__ == "__main__":
    main()
