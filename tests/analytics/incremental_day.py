"""A day of new source rows, written as an ingest writes them: for the refresh tests and benchmark.

:func:`write_day` replaces tables through :func:`nhc.lake.store.update_lake` and records the people
it touched in the lake's change log (:mod:`nhc.lake.changes`), as the FHIR ingest's merge does.
:func:`a_day` makes a day for about ``fraction`` of the people: a coded event each (their latest
code again, the day before as-of) and, for one in three, an emergency admission.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from nhc.lake import changes
from nhc.lake.store import Lake, update_lake


def write_day(
    lake: Lake,
    new_rows: Mapping[str, pa.Table],
    patients: Iterable[int] | None = None,
    *,
    after_image: bool = True,
) -> None:
    """Append ``new_rows`` (table -> rows) to the lake's tables as one write, recorded in the change
    log for ``patients`` (default: every patient_id in the new rows), with the batch's after-image
    unless ``after_image`` is false (a writer that records none)."""
    tables = {}
    for name, rows in new_rows.items():
        old = lake.read(name)
        tables[name] = pa.concat_tables([old, rows.select(old.column_names).cast(old.schema)])
    if patients is None:
        patients = {p for rows in new_rows.values() for p in rows.column("patient_id").to_pylist()}
    patients = sorted(set(patients))
    version = changes.sources_version(lake.root)
    update_lake(lake.root, tables)
    # the after-image, as the ingest records it: each person-level table now (record keeps only
    # these people's rows)
    image = {name: tables[name] if name in tables else lake.read(name) for name in changes.PERSON_TABLES}
    changes.record(lake.root, version, patients, rows=image if after_image else None)


def a_day(lake: Lake, fraction: float, day: int, as_of: dt.date) -> int:
    """Write one day of new rows for about ``fraction`` of the people (a different set each ``day``);
    return how many people."""
    patients = lake.read("patients").column("patient_id")
    every = max(round(1 / fraction), 1)
    chosen = patients.filter(pc.equal(pc.remainder(pc.add(patients, day * 7919), every), 0))
    when = as_of - dt.timedelta(days=1)
    events = lake.read("clinical_events")
    mine = events.filter(pc.is_in(events.column("patient_id"), value_set=chosen))
    last = mine.group_by("patient_id").aggregate([("snomed_code", "max")])
    n = last.num_rows
    new_events = pa.table(
        {
            "patient_id": last.column("patient_id"),
            "date": pa.array([when] * n, pa.date32()),
            "snomed_code": last.column("snomed_code_max"),
            "value": pa.nulls(n, pa.float64()),
            "unit": pa.nulls(n, pa.string()),
        }
    )
    encounters = lake.read("encounters")
    admitted = chosen.filter(pc.equal(pc.remainder(chosen, 3), 0))
    first = (pc.max(encounters.column("encounter_id")).as_py() or 0) + 1
    new_encounters = pa.table(
        {
            "encounter_id": pa.array(range(first, first + len(admitted)), pa.int64()),
            "patient_id": admitted,
            "type": pa.array(["emergency_admission"] * len(admitted)),
            "start_date": pa.array([when] * len(admitted), pa.date32()),
            "end_date": pa.array([as_of] * len(admitted), pa.date32()),
            "provider_code": pa.array(["RTH"] * len(admitted)),
        }
    )
    write_day(lake, {"clinical_events": new_events, "encounters": new_encounters}, chosen.to_pylist())
    return len(chosen)


def team_day(lake: Lake, day: int, as_of: dt.date, people: int = 150) -> int:
    """The team's records of one day exported as ``nhc care export-lake`` exports them: the
    ``care_records`` table so far plus a social prescribing referral for each of ``people`` people
    (a different set each ``day``), replaced whole and recorded in the change log
    (:func:`nhc.lake.changes.replace_team_table`). Return how many people changed."""
    ids = lake.read("patients", columns=["patient_id"]).column("patient_id")
    step = max(len(ids) // people, 1)
    chosen = ids.take(pa.array(range((day * 7) % step, len(ids), step))[:people])
    old = lake.read("care_records") if lake.exists("care_records") else None
    n = len(chosen)
    new = pa.table(
        {
            "patient_id": chosen,
            "record_type": pa.array(["social_prescribing"] * n),
            "code_system": pa.array(["http://snomed.info/sct"] * n),
            "code": pa.array(["871731000000106"] * n),
            "start_date": pa.array([as_of - dt.timedelta(days=1)] * n, pa.date32()),
            "end_date": pa.nulls(n, pa.date32()),
            "outcome": pa.nulls(n, pa.string()),
            "neighbourhood": pa.nulls(n, pa.string()),
            "source_id": pa.array([f"sp-referral-{day}-{i}" for i in range(n)]),
            "value": pa.nulls(n, pa.float64()),
        }
    )
    table = new if old is None else pa.concat_tables([old, new.cast(old.schema)])
    return len(changes.replace_team_table(lake.root, "care_records", table))
