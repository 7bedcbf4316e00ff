"""Lake commands: ``nhc synth`` (the synthetic county) and ``nhc lake info|dictionary|export-delta|compact``.

Thin wrappers over :mod:`nhc.synth.county`, :mod:`nhc.lake.store`, :mod:`nhc.lake.tables.dictionary`
and :mod:`nhc.lake.delta`.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from nhc.analytics.pipeline.compaction import compact
from nhc.cli.common import (
    DataOption,
    JsonOption,
    add_commands,
    add_group,
    console,
    parse_date,
    print_json,
    settings_for,
)
from nhc.errors import NhcError
from nhc.lake.delta import Exported, export_delta
from nhc.lake.store import Lake
from nhc.lake.tables.dictionary import write_dictionary
from nhc.synth.county import SynthOptions, SynthResult, generate_to_lake


def synth(
    patients: Annotated[
        int,
        typer.Option(
            "--patients",
            "-n",
            help="How many people alive at the as-of date to generate, in all places together (the county has ~726,000).",
        ),
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
    places: Annotated[
        int,
        typer.Option(
            "--places",
            help="Split the people over this many synthetic places: the county repeated, each with its "
            "own practice codes and names. One place holds at most 909,091 people (the valid NHS numbers "
            "of the 999 test range); NHS numbers are unique within a place only. Places are generated one "
            "at a time, so more places also means less memory.",
        ),
    ] = 1,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Generate a synthetic county, or a system of several places, into the lake (replacing the lake as
    one unit). Deterministic: the same options give byte-identical Parquet files."""
    settings = settings_for(data)
    options = SynthOptions(
        patients=patients,
        seed=seed,
        as_of=parse_date(as_of, "--as-of"),
        localities=tuple(locality or ()),
        places=places,
    )
    result = generate_to_lake(options, settings.lake_dir, progress=not as_json)
    if as_json:
        print_json(result.as_dict())
    else:
        print_synth_result(result)


def print_synth_result(result: SynthResult) -> None:
    """What ``nhc synth`` built: rows per table and the county's summary."""
    places = result.options.places
    what = "Synthetic county" if places == 1 else f"Synthetic system of {places} places"
    table = Table(title=f"{what} written to {result.lake_dir}")
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


def lake_info(data: DataOption = None, as_json: JsonOption = False) -> None:
    """List the lake's tables with rows and bytes."""
    settings = settings_for(data)
    infos = Lake(settings.lake_dir).info()
    if not infos:
        raise NhcError(f"no lake tables in {settings.lake_dir}", hint="run `nhc synth` first")
    if as_json:
        print_json([i.__dict__ for i in infos])
        return
    table = Table(title=f"Lake {settings.lake_dir}")
    for col in ("table", "rows", "bytes", "files"):
        table.add_column(col, justify="left" if col == "table" else "right")
    for i in infos:
        table.add_row(i.name, f"{i.rows:,}", f"{i.bytes:,}", str(i.files))
    table.add_row("total", f"{sum(i.rows for i in infos):,}", f"{sum(i.bytes for i in infos):,}", "")
    console.print(table)


def lake_dictionary(
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the Markdown.")] = Path(
        "docs/data-dictionary.md"
    ),
) -> None:
    """Write the data dictionary (every lake table and column) as Markdown."""
    write_dictionary(output)
    console.print(f"wrote {output}")


def lake_export_delta(
    to: Annotated[Path, typer.Option("--to", help="Folder of the Delta tables (one folder per table).")],
    tables: Annotated[
        list[str] | None,
        typer.Option("--table", help="A table to export (repeatable; default: every table)."),
    ] = None,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Export the lake's tables as Delta Lake tables (for Databricks, Fabric and other platforms).

    A table gets a new Delta version only when its lake files changed since the last export.
    """
    lake = Lake(settings_for(data).lake_dir)
    names = tables or lake.tables()
    if not names:
        raise NhcError(f"no lake tables in {lake.root}", hint="run `nhc synth` first")
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, disable=as_json, transient=as_json,
    ) as progress:  # fmt: skip
        task = progress.add_task("Exporting", total=len(names))

        def step(one: Exported) -> None:
            progress.update(task, advance=1, description=f"Exported {one.table}")

        done = export_delta(lake, to, names, done_one=step)
    if as_json:
        print_json({"to": str(to), "tables": [d.as_dict() for d in done]})
        return
    table = Table(title=f"Delta tables in {to}")
    for col in ("table", "rows", "version", "this export"):
        table.add_column(col, justify="left" if col in ("table", "this export") else "right")
    for d in done:
        table.add_row(d.table, f"{d.rows:,}", str(d.version), "new version" if d.committed else "unchanged")
    console.print(table)


def lake_compact(data: DataOption = None, as_json: JsonOption = False) -> None:
    """Write the large insight tables whole again, at a quiet time, so that no nightly refresh has to.

    A nightly refresh publishes the people it recomputed beside the tables as they were; this
    folds them in. It changes no answer and waits for a refresh that is running.
    """
    lake = Lake(settings_for(data).lake_dir)
    with console.status("Writing the large tables whole", spinner="dots") if not as_json else nullcontext():
        done = compact(lake)
    if as_json:
        print_json(done.as_dict())
        return
    if not done.done:
        console.print(f"Nothing to compact: {done.reason}.")
        return
    console.print(
        f"Wrote the large tables whole: {done.replaced_people:,} people recomputed since were folded "
        f"in, in {done.seconds:.1f} s."
    )


def register(app: typer.Typer) -> None:
    """Add ``nhc synth`` and ``nhc lake info|dictionary|export-delta|compact`` to ``app``."""
    add_commands(app, {"synth": synth})
    add_group(
        app,
        "lake",
        "Inspect the lake (the Parquet tables), export it as Delta tables, or compact it.",
        {
            "info": lake_info,
            "dictionary": lake_dictionary,
            "export-delta": lake_export_delta,
            "compact": lake_compact,
        },
    )
