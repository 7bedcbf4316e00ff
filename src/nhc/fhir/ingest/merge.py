"""Merging: resolved rows into the lake's tables by each table's natural key, written through the store.

Running the same input twice changes nothing:

* patients by NHS number, or by local key when they have none (the incoming row replaces the lake's;
  the local key is kept in ``fhir_local_patients``); deaths by patient (a
  ``deceasedDateTime`` without a place is loaded as a patient only, with a warning);
* practice registrations and care-home stays by (patient, start), the last one read winning; a
  Patient's ``generalPractitioner`` opens a registration unless one with that practice is open;
* encounters by id: a numeric FHIR id is kept unless the lake has it for another patient, other
  encounters match a lake encounter with the same content, else get the next id;
* clinical events and medicines as multisets (a row already present is not added again, genuine
  repeats within one input are kept); other codings as a set; record types where they differ
  from the default;
* whole resources (``fhir_resources``) by type and id, the one read last replacing the lake's; a
  first load is written straight from the staged files in the order read (:mod:`.whole`).

Only tables whose content changed are written, as one unit with :func:`nhc.lake.store.update_lake`
(unchanged tables kept byte for byte); if nothing changed the lake is not touched. A write is
recorded in the lake's change log (:mod:`nhc.lake.changes`) with every patient the input names and
their rows as merged (the batch's after-image), so a nightly refresh of the analytics recomputes
those people only, from those rows.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from nhc.fhir import mapping as m
from nhc.fhir.ingest.duck import day, scalar
from nhc.fhir.ingest.whole import lake_batches, staged_files
from nhc.fhir.quarantine import Quarantine
from nhc.lake import changes
from nhc.lake.store import ROW_GROUP_SIZE, Lake, update_lake
from nhc.lake.tables import table_schema
from nhc.lake.tables.fhir import FHIR_CODINGS, FHIR_LOCAL_PATIENTS, FHIR_RECORD_TYPES, FHIR_RESOURCES

#: Lake tables an ingest can change.
TARGET_TABLES = (
    "patients",
    "practice_registrations",
    "deaths",
    "clinical_events",
    "medications",
    "encounters",
    "care_home_residence",
    FHIR_CODINGS.name,
    FHIR_RECORD_TYPES.name,
    FHIR_LOCAL_PATIENTS.name,
    FHIR_RESOURCES.name,
)

#: The order rows are written in (so the same content gives the same file).
_ORDER = {
    "patients": "patient_id",
    "practice_registrations": "patient_id, start_date",
    "deaths": "patient_id",
    "clinical_events": "patient_id, date, snomed_code, value, unit",
    "medications": "patient_id, date, dmd_code, quantity",
    "encounters": "encounter_id",
    "care_home_residence": "patient_id, start_date",
    "fhir_codings": "patient_id, date, resource_type, lake_code, system, code, display, value, unit, "
    "unit_system, unit_code, value_system, value_code, value_display, value_string",
    "fhir_record_types": "lake_table, patient_id, date, code",
    "fhir_local_patients": "patient_id",
    # Stored resources: the lake's in their order, then this input's in the order read.
    "fhir_resources": "_grp, _ord",
}
#: Resolved staging tables whose rows name a patient (``assigned`` names the patients themselves).
_PATIENT_STAGES = ("events", "medications", "encounters", "episodes")
#: Tables merged as views (written straight from the staged files, never held in DuckDB).
_VIEWS = (FHIR_RESOURCES.name,)


@dataclass
class Merged:
    before: dict[str, int]
    after: dict[str, int]
    changed: list[str]
    timings: dict[str, float] = field(default_factory=dict)


def row_counts(con: Any) -> dict[str, int]:
    """Rows of each target table in the lake now."""
    return {t: scalar(con, f"SELECT count(*) FROM lake_{t}") for t in TARGET_TABLES}


def merge(
    con: Any,
    lake_dir: Path,
    before: dict[str, int],
    today: dt.date,
    files: list[str],
    quarantine: Quarantine,
    work: Path,
) -> Merged:
    """Merge the resolved rows (``assigned``, ``r_*``) into the lake at ``lake_dir`` (see the module doc);
    ``work`` holds the staged files."""
    t0 = time.perf_counter()
    run_day = today.toordinal() - m.EPOCH_ORDINAL
    new = (
        _patients(con, files, quarantine)
        | _episodes(con, run_day)
        | _encounters(con)
        | _events(before)
        | _side_tables()
        | _resources(con, lake_dir, files)
    )
    for t, sql in new.items():
        con.execute(f"CREATE {'VIEW' if t in _VIEWS else 'TABLE'} new_{t} AS {sql}")
    timings = {"merge_sql": time.perf_counter() - t0}
    t0 = time.perf_counter()
    first_whole = before[FHIR_RESOURCES.name] == 0  # then every resource kept is new: count the keys only
    after = {
        t: scalar(
            con,
            "SELECT count(*) FROM r_resources"
            if t == FHIR_RESOURCES.name and first_whole
            else f"SELECT count(*) FROM new_{t}",
        )
        for t in TARGET_TABLES
    }
    changed = [t for t in TARGET_TABLES if after[t] != before[t] or _differs(con, t)]
    if changed:
        data = {t: _batches(con, t) for t in changed}
        if FHIR_RESOURCES.name in data and first_whole:
            # A first load of stored resources is written from the staged files in the order read
            # (they are in that order): no sort, and the JSON does not go through DuckDB.
            keep = con.execute("SELECT _seq, patient_id FROM r_resources ORDER BY _seq").fetch_arrow_table()
            data[FHIR_RESOURCES.name] = lake_batches(keep, staged_files(work), files)
        version = changes.sources_version(lake_dir)
        update_lake(lake_dir, data)
        touched = _touched_patients(con)
        image = changes.wants_after_image(len(touched), before["patients"])
        changes.record(lake_dir, version, touched, rows=_after_image(con, touched) if image else None)
    timings["write"] = time.perf_counter() - t0
    return Merged(before, after, changed, timings)


def _touched_patients(con: Any) -> list[int]:
    """Every patient the input names (a superset of those whose rows changed: recomputing someone
    whose rows did not change gives the same answer, missing someone would not)."""
    stages = " UNION ".join(f"SELECT patient_id FROM r_{s}" for s in _PATIENT_STAGES)
    rows = con.execute(f"SELECT patient_id FROM assigned UNION {stages}").fetchall()
    return [r[0] for r in rows if r[0] is not None]


def _after_image(con: Any, touched: list[int]) -> dict[str, pa.Table]:
    """Every row of the ``touched`` patients in each person-level source table as merged: the
    batch's after-image, so a nightly refresh reads these rows instead of scanning the lake."""
    con.execute("CREATE OR REPLACE TEMP TABLE touched AS SELECT unnest(?::BIGINT[]) AS patient_id", [touched])
    out = {}
    for t in changes.PERSON_TABLES:
        cols = ", ".join(f'"{c}"' for c in table_schema(t).column_names)
        out[t] = con.execute(
            f"SELECT {cols} FROM new_{t} SEMI JOIN touched USING (patient_id)"
        ).fetch_arrow_table()
    return out


def _differs(con: Any, t: str) -> bool:
    """Whether ``new_<t>`` holds other rows than the lake's (same row count)."""
    cols = ", ".join(f'"{c}"' for c in table_schema(t).column_names)
    return bool(
        scalar(
            con, f"SELECT count(*) FROM (SELECT {cols} FROM new_{t} EXCEPT ALL SELECT {cols} FROM lake_{t})"
        )
    )


def _batches(con: Any, t: str) -> Iterator[pa.RecordBatch]:
    """The merged table ``t`` in write order, a row group at a time (the query runs when iterated)."""
    cols = ", ".join(f'"{c.name}"' for c in table_schema(t).columns)
    yield from con.execute(f"SELECT {cols} FROM new_{t} ORDER BY {_ORDER[t]}").to_arrow_reader(ROW_GROUP_SIZE)


def _patients(con: Any, files: list[str], quarantine: Quarantine) -> dict[str, str]:
    """Patients by NHS number; deaths with a place replace the lake's row, without one: a warning."""
    pcols = (
        "patient_id, nhs_number, given_name, family_name, sex, "
        + day("date_of_birth")
        + " AS date_of_birth, ethnicity, small_area_code, address_line, postcode"
    )
    for f, line, entry, rid in con.execute("""
            SELECT _file, _line, _entry, id FROM assigned
            WHERE death_date IS NOT NULL AND death_place IS NULL ORDER BY _seq""").fetchall():
        quarantine.add(
            file=files[f],
            line=line,
            entry=None if entry < 0 else entry,
            resource_type="Patient",
            resource_id=rid,
            field="extension[place-of-death]",
            severity="warning",
            reason="deceasedDateTime without a place of death: the patient was loaded, the death was "
            "not (the lake's deaths.place_of_death is required)",
        )
    return {
        "patients": f"""
            SELECT * FROM lake_patients WHERE patient_id NOT IN (SELECT patient_id FROM assigned)
            UNION ALL SELECT {pcols} FROM assigned""",
        "deaths": f"""
            WITH inc AS (SELECT patient_id, {day("death_date")} AS date_of_death, death_place AS place_of_death
                         FROM assigned WHERE death_date IS NOT NULL AND death_place IS NOT NULL)
            SELECT * FROM lake_deaths WHERE patient_id NOT IN (SELECT patient_id FROM inc)
            UNION ALL SELECT * FROM inc""",
        FHIR_LOCAL_PATIENTS.name: """
            SELECT * FROM lake_fhir_local_patients WHERE patient_id NOT IN (SELECT patient_id FROM assigned)
            UNION ALL SELECT patient_id, match_key AS local_key FROM assigned WHERE nhs_number = ''""",
    }


def _episodes(con: Any, run_day: int) -> dict[str, str]:
    """Care homes and registrations keyed by (patient, start), the last one read winning."""
    for table, kind, code_col in (
        ("care_home_residence", "care_home", "care_home_code"),
        ("practice_registrations", "registration", "practice_code"),
    ):
        con.execute(f"""
            CREATE TABLE inc_{table} AS
            SELECT patient_id, org AS {code_col}, {day("start_date")} AS start_date, {day("end_date")} AS end_date
            FROM r_episodes WHERE kind = '{kind}' AND patient_id IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY patient_id, start_date ORDER BY _seq DESC) = 1""")
    # Patient.generalPractitioner: a current registration, unless one with that practice is open already.
    con.execute("""
        CREATE TABLE regs0 AS
        SELECT * FROM lake_practice_registrations r
        WHERE NOT EXISTS (SELECT 1 FROM inc_practice_registrations i
                          WHERE i.patient_id = r.patient_id AND i.start_date = r.start_date)
        UNION ALL SELECT * FROM inc_practice_registrations""")
    con.execute(f"""
        CREATE TABLE gp_new AS
        SELECT a.patient_id, a.gp_code AS practice_code,
               {day(f"coalesce(a.gp_since, {run_day})")} AS start_date, NULL::DATE AS end_date
        FROM assigned a
        WHERE a.gp_code IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM regs0 r WHERE r.patient_id = a.patient_id AND r.practice_code = a.gp_code
              AND r.end_date IS NULL)""")
    return {
        "practice_registrations": """
            SELECT r.patient_id, r.practice_code, r.start_date,
                   CASE WHEN r.end_date IS NULL AND g.start_date > r.start_date THEN g.start_date - 1
                        ELSE r.end_date END AS end_date
            FROM regs0 r LEFT JOIN gp_new g USING (patient_id)
            WHERE NOT EXISTS (SELECT 1 FROM gp_new g2
                              WHERE g2.patient_id = r.patient_id AND g2.start_date = r.start_date)
            UNION ALL SELECT * FROM gp_new""",
        "care_home_residence": """
            SELECT * FROM lake_care_home_residence r
            WHERE NOT EXISTS (SELECT 1 FROM inc_care_home_residence i
                              WHERE i.patient_id = r.patient_id AND i.start_date = r.start_date)
            UNION ALL SELECT * FROM inc_care_home_residence""",
    }


def _encounters(con: Any) -> dict[str, str]:
    """Encounters: numeric FHIR ids kept (unless the lake has that id for another patient); others
    match a lake encounter with the same content, else get a new id."""
    con.execute(f"""
        CREATE TABLE inc_enc0 AS
        SELECT *, CASE WHEN regexp_full_match(fhir_id, '[1-9][0-9]{{0,17}}') THEN TRY_CAST(fhir_id AS BIGINT) END AS num_id,
               {day("start_date")} AS sd, {day("end_date")} AS ed
        FROM r_encounters WHERE patient_id IS NOT NULL
        QUALIFY fhir_id IS NULL OR row_number() OVER (PARTITION BY fhir_id ORDER BY _seq DESC) = 1""")
    con.execute("""
        CREATE TABLE inc_enc1 AS
        SELECT i.*,
               CASE WHEN i.num_id IS NOT NULL AND (byid.patient_id IS NULL OR byid.patient_id = i.patient_id)
                    THEN i.num_id END AS keep_id,
               nat.encounter_id AS nat_id
        FROM inc_enc0 i
        LEFT JOIN lake_encounters byid ON byid.encounter_id = i.num_id
        LEFT JOIN (SELECT patient_id, type, start_date, end_date, provider_code, min(encounter_id) AS encounter_id
                   FROM lake_encounters GROUP BY ALL) nat
          ON nat.patient_id = i.patient_id AND nat.type = i.type AND nat.start_date = i.sd
             AND nat.end_date IS NOT DISTINCT FROM i.ed AND nat.provider_code = i.provider_code""")
    con.execute("""
        CREATE TABLE inc_enc2 AS
        SELECT coalesce(keep_id, nat_id, greatest(coalesce((SELECT max(encounter_id) FROM lake_encounters), 0),
                                                  coalesce((SELECT max(keep_id) FROM inc_enc1), 0))
                        + row_number() OVER (PARTITION BY keep_id IS NULL AND nat_id IS NULL ORDER BY _seq))
                   AS encounter_id,
               patient_id, type, sd AS start_date, ed AS end_date, provider_code, _seq
        FROM inc_enc1""")
    con.execute("""
        CREATE TABLE inc_encounters AS SELECT * FROM inc_enc2
        QUALIFY row_number() OVER (PARTITION BY encounter_id ORDER BY _seq DESC) = 1""")
    return {
        "encounters": """
            SELECT * FROM lake_encounters WHERE encounter_id NOT IN (SELECT encounter_id FROM inc_encounters)
            UNION ALL
            SELECT encounter_id, patient_id, type, start_date, end_date, provider_code FROM inc_encounters"""
    }


def _events(before: dict[str, int]) -> dict[str, str]:
    """Events and medicines: multiset union by the whole row (idempotent, repeats within an input kept)."""
    new = {}
    for table, stage, cols in (
        ("clinical_events", "events", ("date", "snomed_code", "value", "unit")),
        ("medications", "medications", ("date", "dmd_code", "quantity")),
    ):
        inc_cols = ", ".join(day(c) + " AS date" if c == "date" else c for c in cols)
        all_cols = "patient_id, " + ", ".join(cols)
        if before[table] == 0:  # first load: nothing to merge with
            new[table] = f"SELECT patient_id, {inc_cols} FROM r_{stage} WHERE patient_id IS NOT NULL"
            continue
        new[table] = f"""
            SELECT {all_cols} FROM (
                SELECT {all_cols}, row_number() OVER (PARTITION BY {all_cols}) AS rn FROM lake_{table}
                UNION
                SELECT {all_cols}, row_number() OVER (PARTITION BY {all_cols}) AS rn FROM (
                    SELECT patient_id, {inc_cols} FROM r_{stage} WHERE patient_id IS NOT NULL))"""
    return new


def _side_tables() -> dict[str, str]:
    """Other codings (set union) and resource types that differ from a lake table's default."""
    return {
        FHIR_CODINGS.name: f"""
            SELECT * FROM lake_fhir_codings
            UNION
            SELECT patient_id, rtype AS resource_type, {day("date")} AS date, lake_code, system, code, display,
                   value, unit, unit_system, unit_code, value_system, value_code, value_display, value_string
            FROM r_codings WHERE patient_id IS NOT NULL""",
        FHIR_RECORD_TYPES.name: f"""
            WITH inc AS (
                SELECT 'clinical_events' AS lake_table, patient_id, {day("date")} AS date, snomed_code AS code,
                       rtype AS resource_type,
                       rtype <> CASE WHEN value IS NOT NULL THEN 'Observation' ELSE 'Condition' END AS differs
                FROM r_events WHERE patient_id IS NOT NULL
                UNION ALL
                SELECT 'medications', patient_id, {day("date")}, dmd_code, rtype, rtype <> 'MedicationRequest'
                FROM r_medications WHERE patient_id IS NOT NULL)
            SELECT * FROM lake_fhir_record_types l
            WHERE NOT EXISTS (SELECT 1 FROM inc i WHERE i.lake_table = l.lake_table
                              AND i.patient_id = l.patient_id AND i.date = l.date AND i.code = l.code)
            UNION ALL
            SELECT lake_table, patient_id, date, code, min(resource_type) FROM inc WHERE differs GROUP BY ALL""",
    }


def _resources(con: Any, lake_dir: Path, files: list[str]) -> dict[str, str]:
    """Whole resources: the lake's, less those sent again (same type and id), then this input's."""
    con.execute("CREATE TABLE src_files (_file INTEGER, source VARCHAR)")
    con.executemany("INSERT INTO src_files VALUES (?, ?)", list(enumerate(files)))
    lake_files = Lake(lake_dir).files(FHIR_RESOURCES.name)
    cols = ", ".join(f'"{c}"' for c in FHIR_RESOURCES.column_names)
    if lake_files:
        paths = ", ".join(f"'{f}'" for f in lake_files)
        kept = f"""
            SELECT {cols}, 0 AS _grp, file_row_number AS _ord
            FROM read_parquet([{paths}], file_row_number = true) l
            WHERE NOT EXISTS (SELECT 1 FROM s_resources s JOIN r_resources USING (_seq)
                              WHERE s.rtype = l.resource_type AND s.id = l.id)
            UNION ALL"""
    else:
        kept = ""
    return {
        FHIR_RESOURCES.name: f"""{kept}
            SELECT s.rtype AS resource_type, s.id, s.version_id, s.last_updated, r.patient_id, f.source,
                   s._line AS line, CASE WHEN s._entry >= 0 THEN s._entry END AS entry, s.json AS resource,
                   1 AS _grp, s._seq AS _ord
            FROM s_resources s JOIN r_resources r USING (_seq) JOIN src_files f USING (_file)"""
    }
