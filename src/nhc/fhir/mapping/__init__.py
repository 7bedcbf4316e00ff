"""Lake rows <-> FHIR R4 resources: the mapping table, in code.

``codes`` holds the code systems and shared vocabulary, ``read`` the FHIR -> lake readers (the ingest hot
path: parsed JSON dicts, no model objects, :class:`Reject` naming the field on the first problem) and
``write`` the lake -> FHIR builders (plain dicts that validate against the R4 models; the export and the
API share them, so a resource has the same id and content wherever it is served from).

| FHIR element | lake column |
|---|---|
| Patient.identifier[nhs-number] | patients.nhs_number |
| Patient.id | patients.patient_id (kept when free; existing patients matched by NHS number) |
| Patient.name[0].given[0] / .family | patients.given_name / family_name |
| Patient.gender (female/male) | patients.sex (F/M) |
| Patient.birthDate | patients.date_of_birth |
| Patient.extension[ethnic-category] | patients.ethnicity |
| Patient.extension[small-area] | patients.small_area_code |
| Patient.address[0].line[0] / .postalCode | patients.address_line / postcode |
| Patient.deceasedDateTime + extension[place-of-death] | deaths |
| Patient.generalPractitioner (ODS) | practice_registrations (when no registration episode says more) |
| EpisodeOfCare[type=gp-registration] | practice_registrations |
| EpisodeOfCare[type=care-home] | care_home_residence |
| Condition / Observation / Procedure / AllergyIntolerance | clinical_events |
| MedicationRequest / MedicationStatement | medications |
| Encounter | encounters |
"""

from __future__ import annotations

from nhc.fhir.mapping.codes import (
    DMD,
    ENCOUNTER_TYPE,
    EPISODE_TYPE,
    EPOCH_ORDINAL,
    EVENT_TYPES,
    MEDICATION_TYPES,
    MODELLED,
    SKIPPED,
    SNOMED,
    DateParser,
    Reject,
)
from nhc.fhir.mapping.read import (
    EVENT_DATES,
    MEDICATION_DATES,
    organization_code,
    read_encounter,
    read_episode,
    read_event,
    read_medication,
    read_patient,
)
from nhc.fhir.mapping.write import (
    encounter_resource,
    episode_resource,
    event_resource,
    medication_resource,
    organization_resource,
    patient_resource,
    uncoded_resource,
)

__all__ = [
    "DMD",
    "ENCOUNTER_TYPE",
    "EPISODE_TYPE",
    "EPOCH_ORDINAL",
    "EVENT_DATES",
    "EVENT_TYPES",
    "MEDICATION_DATES",
    "MEDICATION_TYPES",
    "MODELLED",
    "SKIPPED",
    "SNOMED",
    "DateParser",
    "Reject",
    "encounter_resource",
    "episode_resource",
    "event_resource",
    "medication_resource",
    "organization_code",
    "organization_resource",
    "patient_resource",
    "read_encounter",
    "read_episode",
    "read_event",
    "read_medication",
    "read_patient",
    "uncoded_resource",
]
