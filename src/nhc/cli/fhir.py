"""FHIR commands: ``nhc ingest fhir <folder-or-file>`` and ``nhc export fhir [--output DIR]``.

Thin wrappers over :mod:`nhc.fhir.ingest` and :mod:`nhc.fhir.export`.

Exit status of ``nhc ingest fhir``: 0 when the run loaded data within the rejection limit; 3
(:data:`REJECTED`) when nothing was accepted or more than ``--max-reject`` percent of the input was
quarantined (the lake still holds what was accepted; the counts go to stderr); 2 for an error the
user can fix (the root command's path for :class:`~nhc.errors.NhcError`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from nhc.cli.common import (
    DataOption,
    JsonOption,
    add_group,
    console,
    err_console,
    print_json,
    settings_for,
)
from nhc.fhir.export import export_fhir
from nhc.fhir.ingest import ingest_fhir
from nhc.fhir.ingest.results import IngestResult

#: Exit status when nothing was accepted or rejections exceed ``--max-reject``.
REJECTED = 3


def print_reasons(result: IngestResult) -> None:
    """The quarantine counted by kind of reason (most frequent first)."""
    if not result.quarantine_summary:
        return
    t = Table(title="Quarantined, by reason")
    for c in ("count", "severity", "resource type", "field", "reason"):
        t.add_column(c, justify="right" if c == "count" else "left")
    for r in result.quarantine_summary:
        t.add_row(f"{r['count']:,}", r["severity"], r["resourceType"], r["field"], r["reason"])
    console.print(t)


def check_rejections(result: IngestResult, max_reject_percent: float) -> None:
    """Exit with :data:`REJECTED`, printing accepted and rejected counts, when the run failed its limit."""
    if not result.failed(max_reject_percent / 100):
        return
    why = (
        "nothing was accepted"
        if result.accepted == 0
        else f"rejections exceed --max-reject {max_reject_percent:g}%"
    )
    err_console.print(
        f"error: {why}: {result.accepted:,} accepted, {result.rejected:,} rejected "
        f"({result.rejection_rate():.1%} of {result.considered:,})"
        + (f"; see {result.quarantine}" if result.quarantine else ""),
        soft_wrap=True,
        highlight=False,
    )
    raise typer.Exit(REJECTED)


def print_ingest(result) -> None:
    """What an ingest read, accepted, quarantined and changed, as tables."""
    t = Table(title=f"FHIR ingest into {result.lake_dir}")
    kinds = ("read", "accepted", "stored_only", "quarantined", "skipped")
    for c in ("resource type", "read", "accepted", "stored, not projected", "quarantined", "skipped"):
        t.add_column(c, justify="left" if c == "resource type" else "right")
    for rtype, c in sorted(result.counts.items()):
        t.add_row(rtype, *(f"{getattr(c, k):,}" for k in kinds))
    tot = [sum(getattr(c, k) for c in result.counts.values()) for k in kinds]
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
    console.print(
        f"patients: {result.patients_new:,} new, {result.patients_matched:,} matched, "
        f"{result.patients_without_nhs_number:,} without an NHS number"
    )
    if result.quarantine:
        console.print(
            f"[yellow]{result.quarantined:,} quarantined, {result.warnings:,} warnings:[/] {result.quarantine}"
        )
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}", soft_wrap=True, highlight=False)
    if not result.changed:
        console.print("lake unchanged")
    console.print(f"{result.seconds:.1f} s ({result.resources / max(result.seconds, 1e-9):,.0f} resources/s)")


def ingest(
    source: Annotated[Path, typer.Argument(help="An NDJSON / Bundle file, or a folder of them (.gz too).")],
    quarantine: Annotated[
        Path | None,
        typer.Option(
            "--quarantine", help="Where rejected resources go (default <data>/quarantine/fhir-<time>.ndjson)."
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Also check every resource against the FHIR R4 models (slower).")
    ] = False,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Reader processes (default: CPUs, max 4).")
    ] = None,
    max_line_mb: Annotated[
        int, typer.Option("--max-line-mb", help="Longest NDJSON line accepted, in MB.")
    ] = 16,
    max_reject: Annotated[
        float,
        typer.Option(
            "--max-reject",
            min=0,
            max=100,
            help="Most of the input that may be quarantined, in percent; above it (or when nothing is "
            "accepted) the command exits with status 3.",
        ),
    ] = 5.0,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Load FHIR R4 bulk data (NDJSON, $export output) or Bundles into the lake."""
    settings = settings_for(data)
    result = ingest_fhir(
        source,
        settings.lake_dir,
        quarantine_path=quarantine,
        progress=not as_json,
        strict=strict,
        workers=workers,
        max_line_bytes=max_line_mb * 1024 * 1024,
        trace=settings.fhir_trace,  # NHC_FHIR_TRACE: per-statement timings on stderr, for tuning
    )
    if as_json:
        print_json(result.as_dict())
    else:
        print_ingest(result)
        print_reasons(result)
    check_rejections(result, max_reject)


def export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Folder (default <data>/export/fhir).")
    ] = None,
    validate: Annotated[
        bool, typer.Option("--validate", help="Check every resource against the FHIR R4 models (slow).")
    ] = False,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="URL the files will be served from (for the manifest).")
    ] = None,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the lake as FHIR R4 bulk NDJSON (one file per resource type) with a $export manifest."""
    settings = settings_for(data)
    out = output or settings.data_dir / "export" / "fhir"
    result = export_fhir(settings.lake_dir, out, progress=not as_json, validate=validate, base_url=base_url)
    if as_json:
        print_json(result.as_dict())
        return
    t = Table(title=f"FHIR export to {result.output_dir}")
    t.add_column("resource type")
    t.add_column("resources", justify="right")
    for rtype, n in result.counts.items():
        t.add_row(rtype, f"{n:,}")
    t.add_row("total", f"{result.resources:,}")
    console.print(t)
    console.print(f"manifest: {result.output_dir / 'manifest.json'}")
    console.print(f"{result.seconds:.1f} s ({result.resources / max(result.seconds, 1e-9):,.0f} resources/s)")


def register(app: typer.Typer) -> None:
    """Add ``nhc ingest fhir`` and ``nhc export fhir`` to ``app``."""
    add_group(app, "ingest", "Load data into the lake.", {"fhir": ingest})
    add_group(app, "export", "Write the lake out in interchange formats.", {"fhir": export})
