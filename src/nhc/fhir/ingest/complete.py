"""An ingest-only lake made analysable: the source tables the analytics read, none left missing.

A lake that only ``nhc ingest fhir`` wrote has the tables its input held rows for; the analytics
(``nhc run``) read every source table (:data:`nhc.lake.tables.sources.SOURCES`). After an ingest
that leaves the lake with patients, :func:`complete_sources` adds each source table still missing,
as one unit with :func:`nhc.lake.store.update_lake`:

* ``practices`` and ``small_areas`` from the shipped reference geography
  (:mod:`nhc.reference.geography`), as ``nhc synth`` does;
* every other table (``practice_registrations``, ``medications``, ``deaths``, ...) empty: the input
  had none of them.

Each addition is a note the ingest reports. So is every patient the analytics will leave out
because no practice registration is known for them (no ``Patient.generalPractitioner`` and no
``gp-registration`` EpisodeOfCare): the analysed population is the registered population. A lake
that has every table (``nhc synth``, an earlier ingest) is not touched.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from nhc.lake.store import Lake, update_lake
from nhc.lake.tables.sources import SOURCES
from nhc.reference import geography


def _small_areas() -> pa.Table:
    return geography.small_areas().drop_columns(["population"])


#: Tables filled from the shipped reference data when missing (the rest are made empty).
REFERENCE: dict[str, Callable[[], pa.Table]] = {"practices": geography.practices, "small_areas": _small_areas}


def complete_sources(lake_dir: Path) -> list[str]:
    """Add the source tables missing from the lake at ``lake_dir`` (see the module doc) and return
    the notes to report; nothing is done (and nothing noted) while the lake has no patients."""
    lake = Lake(lake_dir)
    if not lake.files("patients"):
        return []
    missing = [t for t in SOURCES if not lake.files(t.name)]
    tables: dict[str, pa.Table] = {}
    notes = []
    for t in missing:
        if t.name in REFERENCE:
            tables[t.name] = REFERENCE[t.name]()
            notes.append(
                f"{t.name}: none ingested; {tables[t.name].num_rows:,} rows from the shipped reference data"
            )
        else:
            tables[t.name] = t.arrow.empty_table()
            notes.append(f"{t.name}: none in the input; written empty so the analytics can run")
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
