"""SQL over the lake for the export and the API: one place decides resource ids and types.

Rows of clinical_events and medications have no key of their own, so their FHIR id is the
patient plus the row's ordinal within that patient (``ce-<patient>-<n>``, ``med-<patient>-<n>``)
in a fixed order (date, code, value...). The export and the API use the same SQL, so an id in an
export is the id the API serves. Queries filtered by patient run the window only over that
patient's rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nhc.lake.engine import DuckDBEngine
from nhc.lake.store import Lake
from nhc.lake.tables import table_schema

TABLES_READ = (
    "patients",
    "practice_registrations",
    "deaths",
    "clinical_events",
    "medications",
    "encounters",
    "care_home_residence",
    "practices",
    "fhir_codings",
    "fhir_record_types",
)


def open_lake(lake_dir: Path | str, threads: int | None = None, *, in_memory: bool = False) -> Any:
    """A DuckDB connection (from :class:`nhc.lake.engine.DuckDBEngine`) with the lake's tables.

    By default each table is a view reading ``<lake>/<table>/*.parquet`` at query time (the export).
    With ``in_memory`` (the API) the patient-keyed tables are loaded into DuckDB sorted by
    ``patient_id``, so a query for one patient reads one ~120k-row block instead of scanning the
    files: reads stay in milliseconds on the full county. A table missing from the lake is empty.
    """
    lake = Lake(lake_dir)
    con = DuckDBEngine.open(lake, threads=threads).backend.con
    con.execute("SET enable_progress_bar = false")
    for t in TABLES_READ:
        schema = table_schema(t)
        if lake.files(t):
            cols = ", ".join(f'"{c}"' for c in schema.column_names)
            source = f"SELECT {cols} FROM read_parquet('{lake.root / t}/*.parquet')"
            if in_memory and "patient_id" in schema.column_names:
                con.execute(f"CREATE OR REPLACE TABLE {t} AS {source} ORDER BY patient_id")
            else:
                con.execute(f"CREATE OR REPLACE VIEW {t} AS {source}")
        else:
            # A real (empty) table, not a registered Arrow view: cursors must see it too.
            con.register(f"_empty_{t}", schema.arrow.empty_table())
            con.execute(f"CREATE OR REPLACE TABLE {t} AS SELECT * FROM _empty_{t}")
            con.unregister(f"_empty_{t}")
    _served_resources(con, lake, in_memory)
    return con


#: Resource types the lake keeps only whole (``fhir_resources``) that the API serves from there.
SERVED_WHOLE = ("Immunization",)
SERVED_TABLE = "served_resources"


def _served_resources(con: Any, lake: Lake, in_memory: bool) -> None:
    """``served_resources``: the stored resources of :data:`SERVED_WHOLE` (type, id, patient, JSON),
    sorted by patient and held in DuckDB with ``in_memory`` (a small slice of ``fhir_resources``,
    which may be large: the other types are never loaded). Empty when the lake has none."""
    files = lake.files("fhir_resources")
    types = ", ".join(f"'{t}'" for t in SERVED_WHOLE)
    if files:
        paths = ", ".join(f"'{f}'" for f in files)
        source = (
            f"SELECT resource_type, id, patient_id, resource FROM read_parquet([{paths}]) "
            f"WHERE resource_type IN ({types})"
        )
        kind = "TABLE" if in_memory else "VIEW"
        con.execute(f"CREATE OR REPLACE {kind} {SERVED_TABLE} AS {source} ORDER BY patient_id, id")
    else:
        con.execute(
            f"CREATE OR REPLACE TABLE {SERVED_TABLE} "
            "(resource_type VARCHAR, id VARCHAR, patient_id BIGINT, resource VARCHAR)"
        )


def lake_signature(lake_dir: Path | str) -> tuple:
    """What the lake's files are now (names, sizes, mtimes): a change means an ingest swapped it."""
    lake = Lake(lake_dir)
    out = []
    for t in (*TABLES_READ, "fhir_resources"):
        for f in lake.files(t):
            st = f.stat()
            out.append((t, f.name, st.st_size, st.st_mtime_ns, st.st_ino))
    return tuple(out)


def patients_sql(where: str = "TRUE") -> str:
    """Patients with their death and current practice (the filter applies before the joins)."""
    return f"""
        WITH p AS (SELECT * FROM patients WHERE {where})
        SELECT p.*, d.date_of_death, d.place_of_death, g.practice_code AS gp
        FROM p
        LEFT JOIN (SELECT * FROM deaths WHERE patient_id IN (SELECT patient_id FROM p)) d USING (patient_id)
        LEFT JOIN (SELECT patient_id, arg_max(practice_code, start_date) AS practice_code
                   FROM practice_registrations
                   WHERE end_date IS NULL AND patient_id IN (SELECT patient_id FROM p)
                   GROUP BY patient_id) g USING (patient_id)"""


def events_sql(where: str = "TRUE") -> str:
    """clinical_events rows with ``n`` (ordinal in patient), ``rtype`` and ``extra`` codings."""
    return f"""
        WITH ev AS (
            SELECT *, row_number() OVER (PARTITION BY patient_id
                       ORDER BY date, snomed_code, value NULLS FIRST, unit NULLS FIRST) - 1 AS n
            FROM clinical_events WHERE {where})
        SELECT ev.patient_id, ev.date, ev.snomed_code, ev.value, ev.unit, ev.n,
               coalesce(rt.resource_type,
                        CASE WHEN ev.value IS NOT NULL THEN 'Observation' ELSE 'Condition' END) AS rtype,
               cod.extra
        FROM ev
        LEFT JOIN (SELECT * FROM fhir_record_types WHERE lake_table = 'clinical_events') rt
          ON rt.patient_id = ev.patient_id AND rt.date = ev.date AND rt.code = ev.snomed_code
        LEFT JOIN (SELECT patient_id, date, lake_code,
                          list({{'system': system, 'code': code, 'display': display}} ORDER BY system, code) AS extra
                   FROM fhir_codings WHERE lake_code IS NOT NULL AND resource_type NOT LIKE 'Medication%'
                   GROUP BY ALL) cod
          ON cod.patient_id = ev.patient_id AND cod.date = ev.date AND cod.lake_code = ev.snomed_code"""


def medications_sql(where: str = "TRUE") -> str:
    return f"""
        WITH md AS (
            SELECT *, row_number() OVER (PARTITION BY patient_id
                       ORDER BY date, dmd_code, quantity NULLS FIRST) - 1 AS n
            FROM medications WHERE {where})
        SELECT md.patient_id, md.date, md.dmd_code, md.quantity, md.n,
               coalesce(rt.resource_type, 'MedicationRequest') AS rtype, cod.extra
        FROM md
        LEFT JOIN (SELECT * FROM fhir_record_types WHERE lake_table = 'medications') rt
          ON rt.patient_id = md.patient_id AND rt.date = md.date AND rt.code = md.dmd_code
        LEFT JOIN (SELECT patient_id, date, lake_code,
                          list({{'system': system, 'code': code, 'display': display}} ORDER BY system, code) AS extra
                   FROM fhir_codings WHERE lake_code IS NOT NULL AND resource_type LIKE 'Medication%'
                   GROUP BY ALL) cod
          ON cod.patient_id = md.patient_id AND cod.date = md.date AND cod.lake_code = md.dmd_code"""


def uncoded_sql(where: str = "TRUE") -> str:
    """Resources that had no SNOMED CT / dm+d coding: kept only in fhir_codings (id ``cx-<pid>-<n>``)."""
    return f"""
        SELECT patient_id, resource_type AS rtype, date,
               row_number() OVER (PARTITION BY patient_id ORDER BY date, resource_type) - 1 AS n,
               extra
        FROM (SELECT patient_id, resource_type, date,
                     list({{'system': system, 'code': code, 'display': display}} ORDER BY system, code) AS extra
              FROM fhir_codings WHERE lake_code IS NULL AND {where} GROUP BY ALL)"""


def clean_codings(extra: list[dict] | None) -> list[dict]:
    out = []
    for c in extra or ():
        d = {"system": c["system"], "code": c["code"]}
        if c.get("display") is not None:
            d["display"] = c["display"]
        out.append(d)
    return out
