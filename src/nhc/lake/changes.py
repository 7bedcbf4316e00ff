"""The change log: which people's source rows each write of the lake changed.

Every per-person insight is a function of that person's source rows (and the as-of date), so a
refresh that knows whose rows changed since the last run can recompute those people only
(:mod:`nhc.analytics.pipeline.incremental`). Writers that change some people's rows (the FHIR
ingest merge) record a **batch** here: the people whose rows they touched, and the version of the
source tables before and after the write (:func:`sources_version`, from the files' names, times and
sizes). A reader that knows the version it last saw follows the chain of batches to the version
now (:func:`changed_since`); if the chain breaks -- a writer that records nothing, such as
``nhc synth``, which rewrites the whole lake, or a batch whose record was lost when a process died
between the lake's swap and the record's write -- the answer is "unknown", and the reader must
start again from everything. So a missing record costs time, never a wrong answer.

Layout: ``<lake>/_changes/<after-version>.parquet``, one file per batch with one column,
``patient_id``, and ``before``/``after`` in the file's metadata. A folder not hidden, so
:func:`nhc.lake.store.update_lake` keeps it (hard links) when a later write replaces some tables;
:func:`nhc.lake.store.write_lake` (a whole new lake) drops it, which breaks the chain as it should.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from nhc.lake.store import tables_version
from nhc.lake.tables.sources import SOURCES

CHANGES = "_changes"
#: The source tables a version covers: every table a change of someone's rows could be in, and the
#: reference tables (a change to those is recorded by no batch, so it forces a full run).
SOURCE_TABLES: tuple[str, ...] = tuple(t.name for t in SOURCES)


def sources_version(lake_dir: Path | str) -> str:
    """A short fingerprint of the source tables' files now (changes whenever any of them does)."""
    text = repr(tables_version(lake_dir, SOURCE_TABLES))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def record(lake_dir: Path | str, before: str, patient_ids: Iterable[int]) -> Path | None:
    """Record that a write took the source tables from version ``before`` to the version now by
    changing the rows of ``patient_ids``; return the record's file (None when the version did not
    change: nothing to record). Written to a temporary name and renamed, so a reader never sees a
    half-written record."""
    lake_dir = Path(lake_dir)
    after = sources_version(lake_dir)
    if after == before:
        return None
    ids = pa.array(sorted({int(p) for p in patient_ids}), type=pa.int64())
    table = pa.table({"patient_id": ids}).replace_schema_metadata({"before": before, "after": after})
    folder = lake_dir / CHANGES
    folder.mkdir(exist_ok=True)
    final = folder / f"{after}.parquet"
    temporary = folder / f".{after}-{uuid.uuid4().hex}.tmp"
    pq.write_table(table, temporary)
    os.replace(temporary, final)
    return final


def _batches(lake_dir: Path) -> dict[str, tuple[str, Path]]:
    """Every recorded batch: before-version -> (after-version, file)."""
    out: dict[str, tuple[str, Path]] = {}
    for f in sorted((lake_dir / CHANGES).glob("*.parquet")):
        meta = pq.read_schema(f).metadata or {}
        before, after = meta.get(b"before"), meta.get(b"after")
        if before and after:
            out[before.decode()] = (after.decode(), f)
    return out


def changed_since(lake_dir: Path | str, version: str) -> set[int] | None:
    """The people whose source rows changed since the source tables were at ``version``: the union
    of the batches on the chain from ``version`` to the version now (an empty set when nothing
    changed), or None when the chain does not reach the version now (see the module doc)."""
    lake_dir = Path(lake_dir)
    now = sources_version(lake_dir)
    batches = _batches(lake_dir)
    changed: set[int] = set()
    seen = {version}
    while version != now:
        step = batches.get(version)
        if step is None or step[0] in seen:  # no record of the next write (or a loop): unknown
            return None
        version, path = step
        seen.add(version)
        changed.update(pq.read_table(path).column("patient_id").to_pylist())
    return changed
