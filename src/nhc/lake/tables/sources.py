"""The source tables: what ingest and the synthetic county write, and the analytics read.

Dates are plain ``date`` columns (no timestamps, no time zones), as the analytics expect.
"""

from __future__ import annotations

import pyarrow as pa

from nhc.lake.tables.schema import Column, TableSchema

ENCOUNTER_TYPES = ("gp", "community", "ae", "emergency_admission", "outpatient")
SEXES = ("F", "M")
ETHNIC_GROUPS = ("White", "Mixed", "Asian", "Black", "Other", "Not stated")
PLACES_OF_DEATH = ("home", "care_home", "hospital", "hospice")


PATIENT_ID = Column("patient_id", pa.int64(), "Pseudonymous patient key, unique in the lake.")

PATIENTS = TableSchema(
    "patients",
    "One row per person known to the system, alive or dead.",
    (
        PATIENT_ID,
        Column("nhs_number", pa.string(), "10-digit NHS number (synthetic data: 999 test range only)."),
        Column("given_name", pa.string(), "Given name (synthetic)."),
        Column("family_name", pa.string(), "Family name (synthetic)."),
        Column("sex", pa.string(), "Sex recorded at registration.", allowed=SEXES),
        Column("date_of_birth", pa.date32(), "Date of birth."),
        Column(
            "ethnicity", pa.string(), "Ethnic group (ONS 5 groups and not stated).", allowed=ETHNIC_GROUPS
        ),
        Column("small_area_code", pa.string(), "Small area (LSOA-like) of residence; joins small_areas."),
        Column("address_line", pa.string(), "First line of the address (synthetic)."),
        Column("postcode", pa.string(), "Postcode (synthetic, OX-style)."),
    ),
    key=("patient_id",),
)

PRACTICE_REGISTRATIONS = TableSchema(
    "practice_registrations",
    "Periods of registration with a GP practice. The current registration has no end date.",
    (
        PATIENT_ID,
        Column("practice_code", pa.string(), "ODS-style practice code; joins practices."),
        Column("start_date", pa.date32(), "First day registered."),
        Column("end_date", pa.date32(), "Last day registered; empty while registered.", nullable=True),
    ),
    key=("patient_id", "start_date"),
)

CLINICAL_EVENTS = TableSchema(
    "clinical_events",
    "Coded entries in the record: diagnoses, findings, procedures, referrals and observations.",
    (
        PATIENT_ID,
        Column("date", pa.date32(), "Date the entry applies to."),
        Column("snomed_code", pa.string(), "SNOMED CT concept id."),
        Column(
            "value", pa.float64(), "Numeric value for observations (HbA1c, blood pressure...).", nullable=True
        ),
        Column("unit", pa.string(), "Unit of the value (UCUM-style).", nullable=True),
    ),
)

MEDICATIONS = TableSchema(
    "medications",
    "Prescription issues: one row per issue of a medicine.",
    (
        PATIENT_ID,
        Column("date", pa.date32(), "Issue date."),
        Column("dmd_code", pa.string(), "dm+d / SNOMED CT code of the medicine."),
        Column("quantity", pa.float64(), "Quantity issued.", nullable=True),
    ),
)

ENCOUNTERS = TableSchema(
    "encounters",
    "Contacts with services: GP, community, A&E attendances, emergency admissions and outpatients.",
    (
        Column("encounter_id", pa.int64(), "Unique encounter key."),
        PATIENT_ID,
        Column("type", pa.string(), "Kind of contact.", allowed=ENCOUNTER_TYPES),
        Column("start_date", pa.date32(), "Date of contact or admission."),
        Column("end_date", pa.date32(), "Discharge date for admissions; empty otherwise.", nullable=True),
        Column("provider_code", pa.string(), "Practice or provider (ODS-style) code."),
    ),
    key=("encounter_id",),
)

CARE_HOME_RESIDENCE = TableSchema(
    "care_home_residence",
    "Periods of living in a care home.",
    (
        PATIENT_ID,
        Column("care_home_code", pa.string(), "Care home code (synthetic, ODS-style)."),
        Column("start_date", pa.date32(), "Date moved in."),
        Column("end_date", pa.date32(), "Date moved out or died; empty while resident.", nullable=True),
    ),
    key=("patient_id", "start_date"),
)

DEATHS = TableSchema(
    "deaths",
    "Registered deaths.",
    (
        PATIENT_ID,
        Column("date_of_death", pa.date32(), "Date of death."),
        Column("place_of_death", pa.string(), "Where the person died.", allowed=PLACES_OF_DEATH),
    ),
    key=("patient_id",),
)

SMALL_AREAS = TableSchema(
    "small_areas",
    "Small areas (LSOA-like) with deprivation: the reference geography copied into the lake.",
    (
        Column("small_area_code", pa.string(), "Small area code."),
        Column("name", pa.string(), "Small area name."),
        Column("locality", pa.string(), "Locality the area lies in."),
        Column("neighbourhood", pa.string(), "Neighbourhood cluster the area lies in."),
        Column(
            "imd_decile",
            pa.int8(),
            "Index of Multiple Deprivation decile (1 = most deprived 10% nationally).",
        ),
        Column("latitude", pa.float64(), "Approximate centroid latitude."),
        Column("longitude", pa.float64(), "Approximate centroid longitude."),
    ),
    key=("small_area_code",),
)

PRACTICES = TableSchema(
    "practices",
    "GP practices with their neighbourhood cluster and locality: the reference geography.",
    (
        Column("practice_code", pa.string(), "ODS-style practice code."),
        Column("name", pa.string(), "Practice name."),
        Column("locality", pa.string(), "Locality."),
        Column("neighbourhood", pa.string(), "Neighbourhood cluster."),
        Column("list_size", pa.int64(), "Registered list size in the reference data."),
        Column("latitude", pa.float64(), "Approximate latitude."),
        Column("longitude", pa.float64(), "Approximate longitude."),
    ),
    key=("practice_code",),
)

SOURCES: tuple[TableSchema, ...] = (
    PATIENTS,
    PRACTICE_REGISTRATIONS,
    CLINICAL_EVENTS,
    MEDICATIONS,
    ENCOUNTERS,
    CARE_HOME_RESIDENCE,
    DEATHS,
    SMALL_AREAS,
    PRACTICES,
)
