"""Lake tables that FHIR interchange needs beyond the source tables (:mod:`nhc.lake.tables.sources`).

FHIR resources carry more than the lake models: codings in code systems other than SNOMED CT /
dm+d (ICD-10, Read, LOINC, local codes, with an Observation's value) and resource types (Procedure, AllergyIntolerance,
MedicationStatement) that the lake rows alone cannot tell apart. Both are kept here, beside the
rows they annotate, so nothing an importer sends is thrown away and an export gives the same
resource types back. Written by ``nhc ingest fhir`` (:mod:`nhc.fhir.ingest`).

Registered in :data:`nhc.lake.tables.TABLES` with the source and insight tables.
"""

from __future__ import annotations

import pyarrow as pa

from nhc.lake.tables.schema import Column, TableSchema

#: Resource types a clinical_events / medications row can come from.
EVENT_RESOURCE_TYPES = ("Condition", "Observation", "Procedure", "AllergyIntolerance")
MEDICATION_RESOURCE_TYPES = ("MedicationRequest", "MedicationStatement")

FHIR_CODINGS = TableSchema(
    "fhir_codings",
    "Codings in code systems other than SNOMED CT (events) or dm+d (medicines) carried by ingested FHIR "
    "resources, joined to their lake row by patient, date and lake code.",
    (
        Column("patient_id", pa.int64(), "Pseudonymous patient key."),
        Column(
            "resource_type",
            pa.string(),
            "FHIR resource type the coding came from.",
            allowed=EVENT_RESOURCE_TYPES + MEDICATION_RESOURCE_TYPES,
        ),
        Column("date", pa.date32(), "Date of the resource (the lake row's date)."),
        Column(
            "lake_code",
            pa.string(),
            "SNOMED CT / dm+d code of the lake row the coding belongs to; empty when the resource had no "
            "SNOMED CT / dm+d coding (then it is kept only here).",
            nullable=True,
        ),
        Column("system", pa.string(), "Code system URI of the coding."),
        Column("code", pa.string(), "The code."),
        Column("display", pa.string(), "Display text sent with the coding.", nullable=True),
        Column(
            "value",
            pa.float64(),
            "Observations: the number the coding measures (valueQuantity.value, or valueInteger), as sent "
            "(the clinical_events row has it converted when the concept map maps the code).",
            nullable=True,
        ),
        Column("unit", pa.string(), "Observations: valueQuantity.unit as sent.", nullable=True),
        Column("unit_system", pa.string(), "Observations: valueQuantity.system (UCUM).", nullable=True),
        Column("unit_code", pa.string(), "Observations: valueQuantity.code (the UCUM unit).", nullable=True),
        Column(
            "value_system",
            pa.string(),
            "Observations: valueCodeableConcept's first coding's system.",
            nullable=True,
        ),
        Column(
            "value_code",
            pa.string(),
            "Observations: valueCodeableConcept's first coding's code.",
            nullable=True,
        ),
        Column(
            "value_display",
            pa.string(),
            "Observations: valueCodeableConcept's first coding's display.",
            nullable=True,
        ),
        Column(
            "value_string",
            pa.string(),
            "Observations: valueString, valueBoolean (true/false) or valueCodeableConcept.text.",
            nullable=True,
        ),
    ),
)

FHIR_RECORD_TYPES = TableSchema(
    "fhir_record_types",
    "The FHIR resource type of a clinical_events / medications row where it is not the default "
    "(events: Observation when there is a value, else Condition; medicines: MedicationRequest).",
    (
        Column(
            "lake_table",
            pa.string(),
            "clinical_events or medications.",
            allowed=("clinical_events", "medications"),
        ),
        Column("patient_id", pa.int64(), "Pseudonymous patient key."),
        Column("date", pa.date32(), "Date of the row."),
        Column("code", pa.string(), "snomed_code / dmd_code of the row."),
        Column(
            "resource_type",
            pa.string(),
            "FHIR resource type to use for the row.",
            allowed=EVENT_RESOURCE_TYPES + MEDICATION_RESOURCE_TYPES,
        ),
    ),
    key=("lake_table", "patient_id", "date", "code"),
)

FHIR_LOCAL_PATIENTS = TableSchema(
    "fhir_local_patients",
    "Patients ingested without an NHS number (their patients.nhs_number is empty): the local key they are "
    "matched by on the next ingest (local:<identifier system>|<value>, else local:Patient/<id>). They are "
    "counted like everyone else; data quality reports them as lacking an NHS number.",
    (
        Column("patient_id", pa.int64(), "Pseudonymous patient key."),
        Column("local_key", pa.string(), "The identifier the patient was matched by."),
    ),
    key=("patient_id",),
)

FHIR_RESOURCES = TableSchema(
    "fhir_resources",
    "Every resource an ingest accepted, stored whole as it was received (the analytic tables are a "
    "projection of it): the export re-emits these, so third-party data round-trips without loss. "
    "Rows are in the order they were read. A resource sent again with the same type and id replaces "
    "the stored one.",
    (
        Column("resource_type", pa.string(), "FHIR R4 resource type."),
        Column(
            "id",
            pa.string(),
            "Resource id: as sent; else taken from its Bundle fullUrl (the uuid of a urn:uuid); else "
            "h-<first 20 hex digits of the SHA-1 of its JSON> (then also written into the stored JSON).",
        ),
        Column("version_id", pa.string(), "meta.versionId as sent.", nullable=True),
        Column("last_updated", pa.string(), "meta.lastUpdated as sent (an instant, as text).", nullable=True),
        Column(
            "patient_id",
            pa.int64(),
            "Pseudonymous patient key the resource resolved to (the Patient itself, or the patient its "
            "subject/patient names); empty for resources about no patient (Organization, Practitioner, "
            "...) or whose patient reference named no patient of this input or the lake (types that are "
            "stored, not projected).",
            nullable=True,
        ),
        Column("source", pa.string(), "The input file the resource was read from."),
        Column("line", pa.int64(), "Line of the input file (1 for a JSON document)."),
        Column("entry", pa.int32(), "Index of its Bundle entry; empty when not in a Bundle.", nullable=True),
        Column(
            "resource",
            pa.string(),
            "The resource as compact JSON text: an NDJSON line byte for byte (without its line end); a "
            "Bundle entry's resource serialised again, with references to a urn:uuid fullUrl of its "
            "Bundle rewritten to <Type>/<id>.",
        ),
    ),
    key=("resource_type", "id"),
)

FHIR_TABLES: tuple[TableSchema, ...] = (FHIR_CODINGS, FHIR_RECORD_TYPES, FHIR_LOCAL_PATIENTS, FHIR_RESOURCES)
