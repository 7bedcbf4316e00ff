"""Worker processes: chunks read and staged in parallel, each into its own folder and quarantine.

A chunk is read by :func:`stage_chunk` into ``<work>/w<order>/`` (the staging tables) and
``<work>/quarantine-<order>.ndjson``; the merge reads every ``w*/`` folder, and the quarantine
files are appended to the run's quarantine in input order. Workers are started with ``spawn`` (no
inherited state); inputs smaller than two chunks are read in this process.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import resource
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from nhc.fhir.ingest.chunks import Chunk
from nhc.fhir.ingest.read import read_chunk
from nhc.fhir.ingest.results import TypeCounts
from nhc.fhir.ingest.stage import Stager
from nhc.fhir.quarantine import Quarantine


@dataclass(frozen=True)
class ReadOptions:
    """What every reader of a run shares (sent to worker processes)."""

    files: list[str]
    work: str
    today: dt.date
    strict: bool
    max_line_bytes: int


@dataclass(frozen=True)
class Staged:
    """A staged chunk: its counts per resource type and its quarantine file."""

    order: int
    counts: dict[str, dict[str, int]]
    quarantine: str
    errors: int


def stage_chunk(chunk: Chunk, opts: ReadOptions) -> Staged:
    """Read and stage one chunk (in a worker process or this one)."""
    qpath = Path(opts.work) / f"quarantine-{chunk.order:03d}.ndjson"
    q = Quarantine(qpath)
    stager = Stager(Path(opts.work) / f"w{chunk.order:03d}", q, opts.files, opts.today, opts.strict)
    stager.seq = chunk.order << 32  # resources of later chunks come later
    try:
        read_chunk(chunk, stager, opts.max_line_bytes)
    finally:
        stager.close()
        q.close()
    return Staged(chunk.order, {k: vars(v) for k, v in stager.counts.items()}, str(qpath), q.errors)


def stage_all(
    chunks: list[Chunk], opts: ReadOptions, n_workers: int, advance: Callable[[int], None]
) -> tuple[dict[str, TypeCounts], list[Path]]:
    """Stage every chunk with ``n_workers`` processes; counts summed and quarantine files in order.

    ``advance`` is called with each chunk's size in bytes when it is done (for progress).
    """
    results: list[Staged] = []
    if n_workers == 1:
        for c in chunks:
            results.append(stage_chunk(c, opts))
            advance(c.size())
    else:
        with ProcessPoolExecutor(n_workers, mp_context=mp.get_context("spawn")) as pool:
            futures = {pool.submit(stage_chunk, c, opts): c for c in chunks}
            for fut in as_completed(futures):
                results.append(fut.result())
                advance(futures[fut].size())
    results.sort(key=lambda r: r.order)
    counts: dict[str, TypeCounts] = {}
    for r in results:
        for rtype, c in r.counts.items():
            counts.setdefault(rtype, TypeCounts()).add(c)
    quarantines = [Path(r.quarantine) for r in results if Path(r.quarantine).exists()]
    return counts, quarantines


def peak_rss_mb(*, children: bool) -> float:
    """Peak resident memory (MB) of this process, or of the largest reader process it has waited for."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)  # Linux reports KB
