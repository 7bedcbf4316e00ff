"""The ingest use case: read and stage in parallel, then resolve and merge into the lake in DuckDB."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from nhc.fhir.ingest.chunks import Chunk, plan_chunks
from nhc.fhir.ingest.complete import complete_sources
from nhc.fhir.ingest.duck import connect
from nhc.fhir.ingest.merge import TARGET_TABLES, Merged, merge, row_counts
from nhc.fhir.ingest.read import DEFAULT_MAX_LINE_BYTES, input_files
from nhc.fhir.ingest.resolve import Resolved, resolve
from nhc.fhir.ingest.results import IngestResult, TypeCounts
from nhc.fhir.ingest.workers import ReadOptions, peak_rss_mb, stage_all
from nhc.fhir.quarantine import Quarantine
from nhc.lake.store import Lake

DEFAULT_CHUNK_BYTES = 64 * 1024 * 1024
MAX_DEFAULT_WORKERS = 4


def ingest_fhir(
    source: Path | str,
    lake_dir: Path | str,
    *,
    quarantine_path: Path | str | None = None,
    progress: bool = False,
    strict: bool = False,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    workers: int | None = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    today: dt.date | None = None,
    trace: bool = False,
) -> IngestResult:
    """Load the FHIR files at ``source`` into the lake at ``lake_dir`` (see :mod:`nhc.fhir.ingest`).

    ``workers`` processes read the input in parallel (default: the CPU count, at most 4; inputs
    smaller than two chunks are read in this process). Rejects go to ``quarantine_path`` (default
    ``<lake>/../quarantine/fhir-<UTC time>.ndjson``, created only if something is rejected).
    ``strict`` also checks every resource against the FHIR R4 models; ``today`` is the date after
    which a date is "in the future"; ``trace`` prints each merge statement's time on stderr. Raises
    :class:`~nhc.errors.NhcError` for a missing source; any failure leaves the lake as it was.
    """
    started = time.perf_counter()
    lake_dir = Path(lake_dir)
    files = input_files(Path(source))
    file_names = [str(f) for f in files]
    today = today or dt.date.today()
    if quarantine_path is None:
        quarantine_path = _default_quarantine(lake_dir)
    quarantine = Quarantine(Path(quarantine_path))
    work_parent = lake_dir.parent if lake_dir.parent.exists() else Path(tempfile.gettempdir())
    work = Path(tempfile.mkdtemp(prefix=".fhir-ingest-", dir=work_parent))
    timings: dict[str, float] = {}
    memory: dict[str, float] = {}
    try:
        chunks = plan_chunks(files, chunk_bytes)
        n_workers = _worker_count(workers, files, chunks, chunk_bytes)
        opts = ReadOptions(file_names, str(work), today, strict, max_line_bytes)
        with _progress_bar(progress, sum(f.stat().st_size for f in files), n_workers) as advance:
            counts, worker_quarantines = stage_all(chunks, opts, n_workers, advance)
            for qf in worker_quarantines:  # in input order
                quarantine.append_file(qf)
            timings["read"] = time.perf_counter() - started
            memory["reader_peak_mb"] = peak_rss_mb(children=n_workers > 1)
            advance(0, "resolving and merging")
            t0 = time.perf_counter()
            resolved, merged = _resolve_and_merge(work, lake_dir, opts, counts, quarantine, n_workers, trace)
            timings["merge"] = time.perf_counter() - t0
            memory["process_peak_mb"] = peak_rss_mb(children=False)
            notes = complete_sources(lake_dir)
    finally:
        quarantine.close()
        shutil.rmtree(work, ignore_errors=True)
    return IngestResult(
        lake_dir=lake_dir,
        files=file_names,
        counts=counts,
        quarantine=quarantine.path if quarantine.written else None,
        quarantined=quarantine.errors,
        warnings=quarantine.warnings,
        rows_before=merged.before,
        rows_after=merged.after,
        changed=merged.changed,
        seconds=time.perf_counter() - started,
        patients_new=resolved.patients_new,
        patients_matched=resolved.patients_matched,
        patients_without_nhs_number=resolved.patients_without_nhs_number,
        timings=timings | merged.timings,
        memory=memory,
        quarantine_summary=quarantine.summary(),
        notes=notes,
    )


def _default_quarantine(lake_dir: Path) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return lake_dir.parent / "quarantine" / f"fhir-{stamp}.ndjson"


def _worker_count(workers: int | None, files: list[Path], chunks: list[Chunk], chunk_bytes: int) -> int:
    """Reader processes: as asked, else the CPUs (at most 4) for inputs over two chunks; never more
    than there are chunks."""
    total = sum(f.stat().st_size for f in files)
    default = min(os.cpu_count() or 1, MAX_DEFAULT_WORKERS) if total > 2 * chunk_bytes else 1
    return max(1, min(workers or default, len(chunks)))


def _resolve_and_merge(
    work: Path,
    lake_dir: Path,
    opts: ReadOptions,
    counts: dict[str, TypeCounts],
    quarantine: Quarantine,
    threads: int,
    trace: bool,
) -> tuple[Resolved, Merged]:
    """Resolve the staged rows in ``work`` against the lake and merge them in (one DuckDB session)."""
    t0 = time.perf_counter()
    con = connect(work, Lake(lake_dir), TARGET_TABLES, threads=threads, trace=trace)
    try:
        before = row_counts(con)
        resolved = resolve(con, opts.files, counts, quarantine)
        resolve_seconds = time.perf_counter() - t0
        merged = merge(con, lake_dir, before, opts.today, opts.files, quarantine, work)
    finally:
        con.close()
    merged.timings = {"resolve": resolve_seconds} | merged.timings
    return resolved, merged


@contextmanager
def _progress_bar(shown: bool, total: int, n_workers: int) -> Iterator[Callable[..., None]]:
    """A progress bar over ``total`` bytes (hidden unless ``shown``); yields ``advance(n, text=None)``."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
        disable=not shown,
        transient=True,
    ) as bar:
        task = bar.add_task(f"ingest fhir ({n_workers} worker{'s' if n_workers > 1 else ''})", total=total)

        def advance(n: int, text: str | None = None) -> None:
            bar.advance(task, n)
            if text is not None:
                bar.update(task, description=text)

        yield advance
