"""The lake's tables, in code: one registry of every table the lake may hold.

The pieces import downwards only (no cycle): :mod:`.schema` says what a table is; :mod:`.sources`,
:mod:`.insights` and :mod:`.fhir` declare the tables of each kind; this module merges them with :mod:`.operational` (what the operational areas export) into
:data:`TABLES`, in the order the data dictionary (:mod:`.dictionary`) lists them.
"""

from __future__ import annotations

from nhc.errors import NhcError
from nhc.lake.tables.fhir import FHIR_CODINGS, FHIR_RECORD_TYPES, FHIR_TABLES
from nhc.lake.tables.insights import (
    INSIGHT_TABLES,
    PATIENT_EVIDENCE,
    PATIENT_INSIGHTS,
    POPULATION_CUBE,
    RISK_MODEL,
    RUN_SUMMARY,
    WORKLISTS,
)
from nhc.lake.tables.operational import CARE_RECORD_TYPES, CARE_RECORDS, OPERATIONAL_TABLES
from nhc.lake.tables.schema import Column, TableSchema
from nhc.lake.tables.sources import (
    CARE_HOME_RESIDENCE,
    CLINICAL_EVENTS,
    DEATHS,
    ENCOUNTER_TYPES,
    ENCOUNTERS,
    ETHNIC_GROUPS,
    MEDICATIONS,
    PATIENT_ID,
    PATIENTS,
    PLACES_OF_DEATH,
    PRACTICE_REGISTRATIONS,
    PRACTICES,
    SEXES,
    SMALL_AREAS,
    SOURCES,
)

#: Every lake table by name: the sources, the insights, the FHIR side tables, then the operational exports.
TABLES: dict[str, TableSchema] = {
    t.name: t for t in (*SOURCES, *INSIGHT_TABLES, *FHIR_TABLES, *OPERATIONAL_TABLES)
}


def table_schema(name: str) -> TableSchema:
    """The schema of lake table ``name``; a clear error for unknown names."""
    try:
        return TABLES[name]
    except KeyError:
        raise NhcError(f"unknown lake table {name!r}", hint=f"known tables: {', '.join(TABLES)}") from None


__all__ = [
    "CARE_HOME_RESIDENCE",
    "CARE_RECORDS",
    "CARE_RECORD_TYPES",
    "CLINICAL_EVENTS",
    "DEATHS",
    "ENCOUNTERS",
    "ENCOUNTER_TYPES",
    "ETHNIC_GROUPS",
    "FHIR_CODINGS",
    "FHIR_RECORD_TYPES",
    "FHIR_TABLES",
    "INSIGHT_TABLES",
    "MEDICATIONS",
    "OPERATIONAL_TABLES",
    "PATIENTS",
    "PATIENT_EVIDENCE",
    "PATIENT_ID",
    "PATIENT_INSIGHTS",
    "PLACES_OF_DEATH",
    "POPULATION_CUBE",
    "PRACTICES",
    "PRACTICE_REGISTRATIONS",
    "RISK_MODEL",
    "RUN_SUMMARY",
    "SEXES",
    "SMALL_AREAS",
    "SOURCES",
    "TABLES",
    "WORKLISTS",
    "Column",
    "TableSchema",
    "table_schema",
]
