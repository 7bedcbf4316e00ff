"""An ingest-only lake made analysable: the source tables the analytics read, none left missing.

A lake that only ``nhc ingest fhir`` wrote has the tables its input held rows for; the analytics
(``nhc run``) read every source table (:data:`nhc.lake.tables.sources.SOURCES`). After an ingest
that leaves the lake with patients, :func:`complete_sources` adds each source table still missing,
as one unit with :func:`nhc.lake.store.update_lake`:

* ``small_areas`` from the shipped reference geography (:mod:`nhc.reference.geography`), as
  ``nhc synth`` does;
* ``practices``: the reference geography's rows of the practices the registrations name (and, on a
  later ingest, those the lake still lacks); a practice outside the geography is analysed in
  neighbourhood "Unknown". Only those, since an export emits every practice as an Organization;
* every other table (``practice_registrations``, ``medications``, ``deaths``, ...) empty: the input
  had none of them.

Each addition is a note the ingest reports. So is every patient the analytics will leave out
because no practice registration is known for them (no ``Patient.generalPractitioner`` and no
``gp-registration`` EpisodeOfCare): the analysed population is the registered population. A lake
that has every table and every named practice (``nhc synth``, an earlier ingest) is not touched.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from nhc.lake.store import Lake, update_lake
from nhc.lake.tables.sources import SOURCES
from nhc.reference import geography


def _codes(lake: Lake, name: str, column: str) -> set:
    """The distinct values of ``column`` in lake table ``name`` (empty if the table is missing)."""
    files = [str(f) for f in lake.files(name)]
    return set(pq.read_table(files, columns=[column]).column(column).to_pylist()) if files else set()


def _practices(lake: Lake) -> tuple[pa.Table | None, str | None]:
    """The ``practices`` table to write, and its note: the lake's practices plus the reference
    geography's rows of the practices a registration names that the lake lacks (only those: an
    export emits every practice as an Organization, so a lake names no practice it was not sent);
    ``(None, None)`` when nothing is to change."""
    have = _codes(lake, "practices", "practice_code")
    named = _codes(lake, "practice_registrations", "practice_code")
    reference = geography.practices()
    add = reference.filter(pc.is_in(reference["practice_code"], pa.array(sorted(named - have), pa.string())))
    if lake.files("practices") and add.num_rows == 0:
        return None, None
    rows = pa.concat_tables([lake.read("practices"), add]) if lake.files("practices") else add
    note = (
        f"practices: {add.num_rows:,} named by a registration, from the shipped reference data"
        if add.num_rows
        else "practices: none ingested or named by a registration in the reference data; written empty"
    )
    return rows, note


def complete_sources(lake_dir: Path) -> list[str]:
    """Add the source tables missing from the lake at ``lake_dir`` (see the module doc) and return
    the notes to report; nothing is done (and nothing noted) while the lake has no patients."""
    lake = Lake(lake_dir)
    if not lake.files("patients"):
        return []
    tables: dict[str, pa.Table] = {}
    notes = []
    for t in SOURCES:
        if lake.files(t.name) or t.name == "practices":
            continue
        if t.name == "small_areas":
            tables[t.name] = geography.small_areas().drop_columns(["population"])
            notes.append(
                f"small_areas: none ingested; {tables[t.name].num_rows:,} rows from the shipped reference data"
            )
        else:
            tables[t.name] = t.arrow.empty_table()
            notes.append(f"{t.name}: none in the input; written empty so the analytics can run")
    practices, note = _practices(lake)
    if practices is not None and note is not None:
        tables["practices"] = practices
        notes.append(note)
    if tables:
        update_lake(lake_dir, tables)
    unregistered = _unregistered(Lake(lake_dir))
    if unregistered:
        notes.append(
            f"{unregistered:,} patient(s) have no known practice registration (no Patient.generalPractitioner "
            "or gp-registration EpisodeOfCare): `nhc run` analyses registered people only, so it leaves them out"
        )
    return notes


def _unregistered(lake: Lake) -> int:
    """Patients with no practice registration row at all."""

    def ids(name: str) -> set[int]:
        files = [str(f) for f in lake.files(name)]
        return (
            set(pq.read_table(files, columns=["patient_id"]).column("patient_id").to_pylist())
            if files
            else set()
        )

    return len(ids("patients") - ids("practice_registrations"))
