"""Code systems, identifiers and the vocabulary both directions of the mapping share; Reject and DateParser."""

from __future__ import annotations

import datetime as dt
from typing import Any

# --- code systems and identifiers -----------------------------------------------------------------
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
SNOMED = "http://snomed.info/sct"
DMD = "https://dmd.nhs.uk"
UCUM = "http://unitsofmeasure.org"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
NHC = "https://nhc.example.org/fhir"
ENCOUNTER_TYPE = f"{NHC}/CodeSystem/encounter-type"
EPISODE_TYPE = f"{NHC}/CodeSystem/episode-type"
ETHNIC_GROUP = f"{NHC}/CodeSystem/ethnic-group"
PLACE_OF_DEATH = f"{NHC}/CodeSystem/place-of-death"
EXT_ETHNIC = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"
EXT_SMALL_AREA = f"{NHC}/StructureDefinition/small-area"
EXT_PLACE_OF_DEATH = f"{NHC}/StructureDefinition/place-of-death"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"

EVENT_TYPES = ("Condition", "Observation", "Procedure", "AllergyIntolerance")
MEDICATION_TYPES = ("MedicationRequest", "MedicationStatement")
MODELLED = frozenset(("Patient", *EVENT_TYPES, *MEDICATION_TYPES, "Encounter", "EpisodeOfCare"))
#: Reference data: read and counted, not stored (the lake's practices come from the geography).
SKIPPED = frozenset(("Organization", "Location", "Practitioner", "PractitionerRole"))

# Encounter.class (v3 ActCode) for each lake type, and what an external class maps to.
ENCOUNTER_CLASS = {
    "gp": ("AMB", "ambulatory"),
    "community": ("HH", "home health"),
    "ae": ("EMER", "emergency"),
    "emergency_admission": ("IMP", "inpatient encounter"),
    "outpatient": ("AMB", "ambulatory"),
}
CLASS_TO_TYPE = {
    "AMB": "gp",
    "VR": "gp",
    "HH": "community",
    "FLD": "community",
    "EMER": "ae",
    "IMP": "emergency_admission",
    "ACUTE": "emergency_admission",
    "NONAC": "emergency_admission",
    "SS": "emergency_admission",
}
ENCOUNTER_DISPLAY = {
    "gp": "General practice contact",
    "community": "Community services contact",
    "ae": "A&E attendance",
    "emergency_admission": "Emergency admission",
    "outpatient": "Outpatient attendance",
}
# NHS Data Dictionary ethnic category letters -> the lake's five groups.
ETHNIC_LETTER = {
    **dict.fromkeys("ABC", "White"),
    **dict.fromkeys("DEFG", "Mixed"),
    **dict.fromkeys("HJKL", "Asian"),
    **dict.fromkeys("MNP", "Black"),
    **dict.fromkeys("RS", "Other"),
    "Z": "Not stated",
}
ETHNIC_GROUPS = ("White", "Mixed", "Asian", "Black", "Other", "Not stated")
PLACES = ("home", "care_home", "hospital", "hospice")

EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
MIN_DAY = dt.date(1880, 1, 1).toordinal() - EPOCH_ORDINAL


class Reject(Exception):
    """A resource that cannot be accepted: ``field`` is the FHIR path, ``reason`` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class DateParser:
    """FHIR date / dateTime -> day number (days since 1970-01-01), cached: dates repeat a lot."""

    def __init__(self, today: dt.date | None = None) -> None:
        self.max_day = (today or dt.date.today()).toordinal() - EPOCH_ORDINAL + 1
        self._cache: dict[str, int | str] = {}

    def __call__(self, value: Any, field: str) -> int:
        hit = self._cache.get(value) if type(value) is str else None
        if hit is None:
            hit = self._parse(value)
            if type(value) is str and len(self._cache) < 500_000:
                self._cache[value] = hit
        if type(hit) is str:
            raise Reject(field, hit)
        return hit

    def _parse(self, value: Any) -> int | str:
        if not isinstance(value, str):
            return f"expected a date string, got {type(value).__name__}"
        if len(value) < 10:
            return f"partial date {value!r}: the lake needs a full date (YYYY-MM-DD)"
        if len(value) > 10 and value[10] != "T":
            return f"not a FHIR date/dateTime: {value[:40]!r}"
        try:
            day = dt.date.fromisoformat(value[:10]).toordinal() - EPOCH_ORDINAL
        except ValueError:
            return f"impossible or malformed date {value[:10]!r}"
        if day < MIN_DAY:
            return f"date {value[:10]} is before 1880"
        if day > self.max_day:
            return f"date {value[:10]} is in the future"
        return day
