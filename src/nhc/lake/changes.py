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

A writer that has the merged tables at hand also records the batch's **after-image**: every source
row of the people it touched, in each person-level source table, as they are after the write
(:data:`PERSON_TABLES`). A refresh then reads those few rows (:func:`rows_since`) instead of
scanning every source table for them; a chain with a batch that carries none falls back to the scan.

The team's own records (``care_records``) are a source too: their export replaces the table whole
and records a batch of the people whose records it changed (:func:`replace_team_table`).

Layout: ``<lake>/_changes/<after-version>.parquet``, one file per batch with one column,
``patient_id``, and ``before``/``after`` in the file's metadata; the after-image, when there is one,
is a small lake of its own beside it, ``<lake>/_changes/<after-version>/<table>/`` (written whole
before the record, which is what makes the batch visible). A folder not hidden, so
:func:`nhc.lake.store.update_lake` keeps it (hard links) when a later write replaces some tables;
:func:`nhc.lake.store.write_lake` (a whole new lake) drops it, which breaks the chain as it should.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from nhc.lake.store import Lake, conform, tables_version, update_lake, write_lake
from nhc.lake.tables import table_schema
from nhc.lake.tables.operational import OPERATIONAL_TABLES
from nhc.lake.tables.sources import SOURCES

CHANGES = "_changes"
#: The tables NHC's own areas write (the team's records: :mod:`nhc.lake.tables.operational`): small,
#: person-level, replaced whole by their export (:func:`replace_team_table`), which records a batch
#: of the people whose records changed. A refresh reads their rows of the changed people from the
#: lake itself (:func:`rows_since`), so an after-image never holds them.
TEAM_TABLES: tuple[str, ...] = tuple(t.name for t in OPERATIONAL_TABLES)
#: The source tables a version covers: every table a change of someone's rows could be in (the
#: team's too), and the reference tables (a change to those is recorded by no batch, so it forces a
#: full run).
SOURCE_TABLES: tuple[str, ...] = (*(t.name for t in SOURCES), *TEAM_TABLES)
#: The source tables whose rows belong to one person: what a batch's after-image holds.
PERSON_TABLES: tuple[str, ...] = tuple(t.name for t in SOURCES if "patient_id" in t.column_names)
#: A batch that touches more than this share of the people, and more than
#: :data:`AFTER_IMAGE_ALWAYS` people, gets no after-image: a refresh after it runs in full anyway
#: (the same share: ``nhc.analytics.pipeline.incremental``), and a first load of a county would
#: otherwise write the whole lake twice. A small batch always gets one (it costs next to nothing).
AFTER_IMAGE_MAX_SHARE = 0.2
AFTER_IMAGE_ALWAYS = 10_000


def wants_after_image(touched: int, people_before: int) -> bool:
    """Whether a batch touching ``touched`` people of a lake that had ``people_before`` should record
    its after-image (see :data:`AFTER_IMAGE_MAX_SHARE`)."""
    return touched <= max(AFTER_IMAGE_MAX_SHARE * people_before, AFTER_IMAGE_ALWAYS)


def sources_version(lake_dir: Path | str) -> str:
    """A short fingerprint of the source tables' files now (changes whenever any of them does)."""
    text = repr(tables_version(lake_dir, SOURCE_TABLES))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def record(
    lake_dir: Path | str,
    before: str,
    patient_ids: Iterable[int],
    rows: Mapping[str, pa.Table] | None = None,
) -> Path | None:
    """Record that a write took the source tables from version ``before`` to the version now by
    changing the rows of ``patient_ids``; return the record's file (None when the version did not
    change: nothing to record). Written to a temporary name and renamed, so a reader never sees a
    half-written record.

    ``rows``: the batch's after-image, each of :data:`PERSON_TABLES` -> every row of those people in
    it after the write (rows of other people are dropped). Written, whole, before the record.
    """
    lake_dir = Path(lake_dir)
    after = sources_version(lake_dir)
    if after == before:
        return None
    ids = pa.array(sorted({int(p) for p in patient_ids}), type=pa.int64())
    table = pa.table({"patient_id": ids}).replace_schema_metadata({"before": before, "after": after})
    folder = lake_dir / CHANGES
    folder.mkdir(exist_ok=True)
    if rows is not None:
        missing = [name for name in PERSON_TABLES if name not in rows]
        if missing:
            raise ValueError(f"an after-image needs every person-level source table: {missing[0]} is missing")
        write_lake(folder / after, {name: _of(rows[name], ids) for name in PERSON_TABLES})
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


def prune(lake_dir: Path | str, version: str) -> int:
    """Remove the records, and after-images, of the batches that led to the source tables'
    ``version``: a refresh that has read the sources at that version never needs them again, and a
    lake refreshed nightly would otherwise keep every batch it ever had. Return how many went.

    Only batches on the chain *into* ``version`` go, so a batch a writer records meanwhile (after
    it) is kept. The after-image goes before the record: a refresh that dies between the two leaves
    a record without one, which no later chain reads.
    """
    lake_dir = Path(lake_dir)
    into = {after: (before, path) for before, (after, path) in _batches(lake_dir).items()}
    removed, seen = 0, set()
    while version in into and version not in seen:
        seen.add(version)
        version, record = into[version]
        shutil.rmtree(record.with_suffix(""), ignore_errors=True)
        record.unlink(missing_ok=True)
        removed += 1
    return removed


def _of(table: pa.Table, ids: pa.Array) -> pa.Table:
    return table.filter(pc.is_in(table.column("patient_id"), value_set=ids))


def _chain(lake_dir: Path, version: str) -> list[Path] | None:
    """The records of the batches from ``version`` to the version now, in order (empty when nothing
    changed), or None when the chain does not reach the version now (see the module doc)."""
    now = sources_version(lake_dir)
    batches = _batches(lake_dir)
    chain: list[Path] = []
    seen = {version}
    while version != now:
        step = batches.get(version)
        if step is None or step[0] in seen:  # no record of the next write (or a loop): unknown
            return None
        version, path = step
        seen.add(version)
        chain.append(path)
    return chain


def _people(record: Path) -> pa.Array:
    return pq.read_table(record).column("patient_id").combine_chunks()


def changed_since(lake_dir: Path | str, version: str) -> set[int] | None:
    """The people whose source rows changed since the source tables were at ``version``: the union
    of the batches on the chain from ``version`` to the version now (an empty set when nothing
    changed), or None when the chain does not reach the version now (see the module doc)."""
    chain = _chain(Path(lake_dir), version)
    if chain is None:
        return None
    return {int(p) for record in chain for p in _people(record).to_pylist()}


def rows_since(lake_dir: Path | str, version: str) -> dict[str, pa.Table] | None:
    """Every source row, now, of the people :func:`changed_since` names, by person-level source
    table, read from the batches' after-images alone; None when the chain is unknown or a batch on
    it recorded no after-image (then the rows must be read from the source tables).

    A person's rows are those of the **last** batch that touched them: each after-image holds all
    of a person's rows after its write, and a later batch changes only the people it records.
    """
    chain = _chain(Path(lake_dir), version)
    if chain is None or not all(record.with_suffix("").is_dir() for record in chain):
        return None
    people = [_people(record) for record in chain]
    # each batch keeps the people no later batch touched
    later: pa.Array = pa.array([], pa.int64())
    kept = []
    for ids in reversed(people):
        kept.append(pc.filter(ids, pc.invert(pc.is_in(ids, value_set=later))))
        later = pa.concat_arrays([later, ids])
    kept.reverse()
    images = [Lake(record.with_suffix("")) for record in chain]
    rows = {
        name: pa.concat_tables(
            [
                table_schema(name).arrow.empty_table(),
                *(_of(image.read(name), ids) for image, ids in zip(images, kept, strict=True)),
            ]
        )
        for name in PERSON_TABLES
    }
    everyone = pa.concat_arrays([pa.array([], pa.int64()), *people])
    return {**rows, **_team_rows(Path(lake_dir), pc.unique(everyone))}


def _read_people(lake: Lake, name: str, ids: pa.Array) -> pa.Table:
    """Every row of the people ``ids`` in lake table ``name`` now (none when it has no such table)."""
    if not lake.exists(name):
        return table_schema(name).arrow.empty_table()
    return lake.read(name, filters=[("patient_id", "in", ids.to_pylist())])


def _team_rows(lake_dir: Path, ids: pa.Array) -> dict[str, pa.Table]:
    lake = Lake(lake_dir)
    return {name: _read_people(lake, name, ids) for name in TEAM_TABLES}


def _people_changed(before: pa.Table, after: pa.Table) -> set[int]:
    """The people with a row in one of two versions of a table and not the other (small tables)."""
    names = after.column_names
    old, new = (set(zip(*(t.column(c).to_pylist() for c in names), strict=True)) for t in (before, after))
    at = names.index("patient_id")
    return {int(row[at]) for row in old ^ new}


def replace_team_table(lake_dir: Path | str, name: str, table: pa.Table) -> set[int]:
    """Replace team table ``name`` (:data:`TEAM_TABLES`) in the lake with ``table``, one atomic
    change, and record it as a batch of the people whose rows changed (with its after-image when
    :func:`wants_after_image`), so the next refresh recomputes just them. Return those people."""
    if name not in TEAM_TABLES:
        raise ValueError(f"{name} is not a team table: {TEAM_TABLES}")
    lake_dir = Path(lake_dir)
    lake = Lake(lake_dir)
    schema = table_schema(name)
    new = conform(table, schema)
    old = lake.read(name) if lake.exists(name) else schema.arrow.empty_table()
    before = sources_version(lake_dir)
    update_lake(lake_dir, {name: new})
    changed = _people_changed(old.select(new.column_names), new)  # the columns in one order
    ids = pa.array(sorted(changed), pa.int64())
    people_before = lake.read("patients", columns=["patient_id"]).num_rows if lake.exists("patients") else 0
    rows = None
    if wants_after_image(len(ids), people_before):
        rows = {n: _read_people(lake, n, ids) for n in PERSON_TABLES}
    record(lake_dir, before, changed, rows)
    return changed
