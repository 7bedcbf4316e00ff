"""FHIR commands: ``nhc ingest fhir <folder-or-file>`` and ``nhc export fhir [--output DIR]``.

Thin wrappers over :mod:`nhc.fhir.ingest` and :mod:`nhc.fhir.export`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console()

DataOption = Annotated[
    Path | None,
    typer.Option("--data", help="Data folder (default: $NHC_DATA or ./data).", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the summary as JSON instead of tables.")]


def _settings(data: Path | None):
    from nhc.settings import Settings

    settings = Settings.from_env()
    if data is not None:
        settings = Settings(data_dir=data, database_url=settings.database_url, engine=settings.engine)
    return settings


def print_ingest(result) -> None:
    t = Table(title=f"FHIR ingest into {result.lake_dir}")
    for c in ("resource type", "read", "accepted", "quarantined", "skipped"):
        t.add_column(c, justify="left" if c == "resource type" else "right")
    for rtype, c in sorted(result.counts.items()):
        t.add_row(rtype, f"{c.read:,}", f"{c.accepted:,}", f"{c.quarantined:,}", f"{c.skipped:,}")
    tot = [
        sum(getattr(c, k) for c in result.counts.values())
        for k in ("read", "accepted", "quarantined", "skipped")
    ]
    t.add_row("total", *(f"{v:,}" for v in tot))
    console.print(t)
    rows = Table(title="Lake tables")
    for c in ("table", "rows before", "rows after", "changed"):
        rows.add_column(c, justify="left" if c == "table" else "right")
    for name, before in result.rows_before.items():
        rows.add_row(
            name, f"{before:,}", f"{result.rows_after[name]:,}", "yes" if name in result.changed else ""
        )
    console.print(rows)
    console.print(f"patients: {result.patients_new:,} new, {result.patients_matched:,} matched by NHS number")
    if result.quarantine:
        console.print(
            f"[yellow]{result.quarantined:,} quarantined, {result.warnings:,} warnings:[/] {result.quarantine}"
        )
    if not result.changed:
        console.print("lake unchanged")
    console.print(f"{result.seconds:.1f} s ({result.resources / max(result.seconds, 1e-9):,.0f} resources/s)")


def register(app: typer.Typer) -> None:
    """Add ``ingest fhir`` and ``export fhir`` to ``app``."""
    ingest_app = typer.Typer(help="Load data into the lake.", no_args_is_help=True)
    export_app = typer.Typer(help="Write the lake out in interchange formats.", no_args_is_help=True)
    app.add_typer(ingest_app, name="ingest")
    app.add_typer(export_app, name="export")

    @ingest_app.command("fhir")
    def ingest_fhir_cmd(
        source: Annotated[
            Path, typer.Argument(help="An NDJSON / Bundle file, or a folder of them (.gz too).")
        ],
        quarantine: Annotated[
            Path | None,
            typer.Option(
                "--quarantine",
                help="Where rejected resources go (default <data>/quarantine/fhir-<time>.ndjson).",
            ),
        ] = None,
        strict: Annotated[
            bool,
            typer.Option("--strict", help="Also check every resource against the FHIR R4 models (slower)."),
        ] = False,
        workers: Annotated[
            int | None, typer.Option("--workers", help="Reader processes (default: CPUs, max 4).")
        ] = None,
        max_line_mb: Annotated[
            int, typer.Option("--max-line-mb", help="Longest NDJSON line accepted, in MB.")
        ] = 16,
        data: DataOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Load FHIR R4 bulk data (NDJSON, $export output) or Bundles into the lake."""
        from nhc.fhir.ingest import ingest_fhir

        settings = _settings(data)
        result = ingest_fhir(
            source,
            settings.lake_dir,
            quarantine_path=quarantine,
            progress=not as_json,
            strict=strict,
            workers=workers,
            max_line_bytes=max_line_mb * 1024 * 1024,
        )
        if as_json:
            print(json.dumps(result.as_dict(), indent=2, default=str))
        else:
            print_ingest(result)

    @export_app.command("fhir")
    def export_fhir_cmd(
        output: Annotated[
            Path | None, typer.Option("--output", "-o", help="Folder (default <data>/export/fhir).")
        ] = None,
        validate: Annotated[
            bool, typer.Option("--validate", help="Check every resource against the FHIR R4 models (slow).")
        ] = False,
        base_url: Annotated[
            str | None,
            typer.Option("--base-url", help="URL the files will be served from (for the manifest)."),
        ] = None,
        data: DataOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Write the lake as FHIR R4 bulk NDJSON (one file per resource type) with a $export manifest."""
        from nhc.fhir.export import export_fhir

        settings = _settings(data)
        out = output or settings.data_dir / "export" / "fhir"
        result = export_fhir(
            settings.lake_dir, out, progress=not as_json, validate=validate, base_url=base_url
        )
        if as_json:
            print(json.dumps(result.as_dict(), indent=2, default=str))
            return
        t = Table(title=f"FHIR export to {result.output_dir}")
        t.add_column("resource type")
        t.add_column("resources", justify="right")
        for rtype, n in result.counts.items():
            t.add_row(rtype, f"{n:,}")
        t.add_row("total", f"{result.resources:,}")
        console.print(t)
        console.print(f"manifest: {result.output_dir / 'manifest.json'}")
        console.print(
            f"{result.seconds:.1f} s ({result.resources / max(result.seconds, 1e-9):,.0f} resources/s)"
        )
