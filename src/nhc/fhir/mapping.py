"""Lake rows <-> FHIR R4 resources: the mapping table, in code.

Reading (FHIR -> lake) is on the ingest hot path, so the ``read_*`` functions work on the parsed
JSON dicts directly (no model objects) and raise :class:`Reject` naming the field on the first
problem. Writing (lake -> FHIR) builds plain dicts that validate against the ``fhir.resources`` R4
models (checked in the tests); the export and the API share these builders, so a resource has the
same id and content wherever it is served from.

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

import datetime as dt
from typing import Any

from nhc.identifiers import InvalidIdentifier, parse_nhs_number
from nhc.nhs_number import is_valid as is_valid_nhs_number

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
_ETHNIC_LETTER = {
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


# --- small readers ------------------------------------------------------------------------------------
def subject_key(ref: Any, field: str) -> str:
    """A patient reference as a resolution key: 'Patient/<id>', 'urn:uuid:...' or 'nhs:<number>'."""
    if type(ref) is not dict:
        raise Reject(field, "missing patient reference")
    r = ref.get("reference")
    if type(r) is str and r.startswith("Patient/") and r.find("/", 8) < 0 and len(r) > 8:
        return r  # the common case, as sent by $export
    if isinstance(r, str) and r:
        if r.startswith("urn:"):
            return r
        parts = r.rstrip("/").split("/")
        if len(parts) >= 2 and parts[-2] == "Patient" and parts[-1]:
            return f"Patient/{parts[-1]}"
        raise Reject(f"{field}.reference", f"not a Patient reference: {r[:80]!r}")
    ident = ref.get("identifier")
    if isinstance(ident, dict) and ident.get("system") == NHS_NUMBER and isinstance(ident.get("value"), str):
        value = ident["value"].replace(" ", "")
        if not is_valid_nhs_number(value):
            raise Reject(f"{field}.identifier", f"NHS number {value!r} fails the modulus 11 check")
        return f"nhs:{value}"
    raise Reject(field, "patient reference has neither reference nor an NHS number identifier")


def split_codings(
    cc: Any, field: str, primary: tuple[str, ...]
) -> tuple[str | None, list[tuple[str, str, Any]]]:
    """(first code in a ``primary`` system, [(system, code, display) for the other codings])."""
    if type(cc) is not dict:
        raise Reject(field, "missing")
    codings = cc.get("coding")
    if type(codings) is not list or not codings:
        raise Reject(f"{field}.coding", "no coding")
    if len(codings) == 1:  # the common case: one coding
        c = codings[0]
        if type(c) is dict and c.get("system") in primary:
            code = c.get("code")
            if type(code) is str and code.isdigit():
                return code, []
    main = None
    others = []
    for c in codings:
        if not isinstance(c, dict):
            raise Reject(f"{field}.coding", "coding is not an object")
        system, code = c.get("system"), c.get("code")
        if not isinstance(code, str) or not code:
            raise Reject(f"{field}.coding.code", "missing code")
        if system in primary and main is None:
            if not code.isdigit():
                raise Reject(f"{field}.coding.code", f"{code!r} is not a SNOMED CT / dm+d id")
            main = code
        else:
            others.append((system if isinstance(system, str) else "", code, c.get("display")))
    return main, others


def ods_code(ref: Any, field: str) -> str:
    """An organisation's ODS code from a Reference (identifier, or 'Organization/<code>')."""
    if type(ref) is not dict:
        raise Reject(field, "missing organisation (ODS code)")
    ident = ref.get("identifier")
    if type(ident) is dict:
        value = ident.get("value")
        if type(value) is str and value:
            return value
    r = ref.get("reference")
    if isinstance(r, str) and r.startswith("Organization/") and len(r) > 13:
        return r[13:]
    raise Reject(field, "no ODS code (identifier or Organization/<code> reference)")


def _first_date(res: dict, names: tuple[str, ...], dates: DateParser, rtype: str) -> int:
    for name in names:
        v = res.get(name)
        if v is None:
            continue
        if type(v) is str:
            return dates(v, name)
        if type(v) is dict:  # a Period
            v = v.get("start")
            if v is None:
                continue
            return dates(v, f"{name}.start")
        return dates(v, name)
    raise Reject(names[0], f"{rtype} needs a date ({' or '.join(names)})")


# --- FHIR -> lake ---------------------------------------------------------------------------------------
EVENT_DATES = {
    "Condition": ("onsetDateTime", "onsetPeriod", "recordedDate"),
    "Observation": ("effectiveDateTime", "effectivePeriod", "effectiveInstant", "issued"),
    "Procedure": ("performedDateTime", "performedPeriod"),
    "AllergyIntolerance": ("onsetDateTime", "onsetPeriod", "recordedDate"),
}
MEDICATION_DATES = {
    "MedicationRequest": ("authoredOn",),
    "MedicationStatement": ("effectiveDateTime", "effectivePeriod", "dateAsserted"),
}


def read_event(res: dict, rtype: str, dates: DateParser):
    """Condition/Observation/Procedure/AllergyIntolerance -> (subject, day, code|None, rows, others).

    ``rows`` are (snomed_code, value, unit) — an Observation with components gives one row per
    SNOMED-coded component with a value.
    """
    if res.get("status") == "entered-in-error":
        raise Reject("status", "entered-in-error")
    if rtype == "Condition" and "verificationStatus" in res:
        for c in (res["verificationStatus"] or {}).get("coding") or ():
            if type(c) is dict and c.get("code") == "entered-in-error":
                raise Reject("verificationStatus", "entered-in-error")
    if rtype == "AllergyIntolerance":
        subject = subject_key(res.get("patient"), "patient")
    else:
        subject = subject_key(res.get("subject"), "subject")
    day = _first_date(res, EVENT_DATES[rtype], dates, rtype)
    code, others = split_codings(res.get("code"), "code", (SNOMED,))
    rows = []
    if rtype == "Observation":
        value, unit = _quantity(res.get("valueQuantity"), "valueQuantity")
        if code is not None:
            rows.append((code, value, unit))
        for i, comp in enumerate(res.get("component") or ()):
            if not isinstance(comp, dict):
                raise Reject(f"component[{i}]", "not an object")
            ccode, cothers = split_codings(comp.get("code"), f"component[{i}].code", (SNOMED,))
            cvalue, cunit = _quantity(comp.get("valueQuantity"), f"component[{i}].valueQuantity")
            if ccode is not None:
                rows.append((ccode, cvalue, cunit))
            others.extend(cothers)
    elif code is not None:
        rows.append((code, None, None))
    return subject, day, code, rows, others


def _quantity(q: Any, field: str) -> tuple[float | None, str | None]:
    if q is None:
        return None, None
    if type(q) is not dict:
        raise Reject(field, "not a Quantity")
    v = q.get("value")
    if v is None:
        return None, None
    tv = type(v)
    if tv is not float and tv is not int:
        raise Reject(f"{field}.value", "not a number")
    unit = q.get("unit") or q.get("code")
    return float(v), unit if isinstance(unit, str) else None


def read_medication(res: dict, rtype: str, dates: DateParser):
    """MedicationRequest/MedicationStatement -> (subject, day, dmd_code|None, quantity, others)."""
    if res.get("status") == "entered-in-error":
        raise Reject("status", "entered-in-error")
    subject = subject_key(res.get("subject"), "subject")
    day = _first_date(res, MEDICATION_DATES[rtype], dates, rtype)
    if "medicationCodeableConcept" not in res:
        raise Reject(
            "medicationCodeableConcept",
            "missing (medicationReference is not supported: send the dm+d coding inline)",
        )
    code, others = split_codings(
        res.get("medicationCodeableConcept"), "medicationCodeableConcept", (DMD, SNOMED)
    )
    quantity = None
    if rtype == "MedicationRequest":
        q = (res.get("dispenseRequest") or {}).get("quantity")
        quantity, _ = _quantity(q, "dispenseRequest.quantity")
    return subject, day, code, quantity, others


def read_encounter(res: dict, dates: DateParser):
    """Encounter -> (fhir id, subject, type, start day, end day|None, provider ODS code)."""
    if res.get("status") == "entered-in-error":
        raise Reject("status", "entered-in-error")
    subject = subject_key(res.get("subject"), "subject")
    period = res.get("period")
    if not isinstance(period, dict) or period.get("start") is None:
        raise Reject("period.start", "Encounter needs period.start")
    start = dates(period["start"], "period.start")
    end = dates(period["end"], "period.end") if period.get("end") is not None else None
    if end is not None and end < start:
        raise Reject("period.end", "ends before it starts")
    etype = None
    types = res.get("type")
    if types:
        for t in types:
            for c in (t or {}).get("coding") or ():
                if c.get("system") == ENCOUNTER_TYPE and c.get("code") in ENCOUNTER_CLASS:
                    etype = c["code"]
    if etype is None:
        cls = res.get("class")
        code = cls.get("code") if isinstance(cls, dict) else None
        etype = CLASS_TO_TYPE.get(code)
        if etype is None:
            raise Reject("class", f"encounter class {code!r} does not map to a lake encounter type")
    provider = ods_code(res.get("serviceProvider"), "serviceProvider")
    rid = res.get("id")
    return rid if isinstance(rid, str) else None, subject, etype, start, end, provider


def read_episode(res: dict, dates: DateParser):
    """EpisodeOfCare -> (subject, kind 'care_home'|'registration', ODS code, start, end|None)."""
    if res.get("status") == "entered-in-error":
        raise Reject("status", "entered-in-error")
    kind = None
    for t in res.get("type") or ():
        for c in (t or {}).get("coding") or ():
            if c.get("system") == EPISODE_TYPE and c.get("code") in ("care-home", "gp-registration"):
                kind = "care_home" if c["code"] == "care-home" else "registration"
    if kind is None:
        raise Reject("type", f"only care-home and gp-registration episodes ({EPISODE_TYPE}) are modelled")
    subject = subject_key(res.get("patient"), "patient")
    period = res.get("period")
    if not isinstance(period, dict) or period.get("start") is None:
        raise Reject("period.start", "EpisodeOfCare needs period.start")
    start = dates(period["start"], "period.start")
    end = dates(period["end"], "period.end") if period.get("end") is not None else None
    if end is not None and end < start:
        raise Reject("period.end", "ends before it starts")
    org = ods_code(res.get("managingOrganization"), "managingOrganization")
    return subject, kind, org, start, end


def _patient_nhs_number(res: dict) -> str:
    """The NHS number identifier, canonical (the one parser: spaces, tabs or hyphens allowed) and valid."""
    nhs = None
    for ident in res.get("identifier") or ():
        if isinstance(ident, dict) and ident.get("system") == NHS_NUMBER:
            nhs = ident.get("value")
            break
    if not isinstance(nhs, str):
        raise Reject("identifier", f"no NHS number ({NHS_NUMBER})")
    try:
        nhs = parse_nhs_number(nhs)
    except InvalidIdentifier as e:
        raise Reject("identifier.value", str(e)) from None
    if not is_valid_nhs_number(nhs):
        raise Reject("identifier.value", f"NHS number {nhs!r} fails the modulus 11 check")
    return nhs


def _first_string(items: Any, key: str | None = None) -> str:
    """The first element of a FHIR list (or its ``key``) when it is a string; else ''."""
    if not isinstance(items, list) or not items:
        return ""
    first = items[0]
    if key is not None:
        first = first.get(key) if isinstance(first, dict) else None
    return first if isinstance(first, str) else ""


def _patient_name_and_address(res: dict) -> dict[str, str]:
    names, addresses = res.get("name"), res.get("address")
    name = names[0] if isinstance(names, list) and names and isinstance(names[0], dict) else {}
    address = (
        addresses[0] if isinstance(addresses, list) and addresses and isinstance(addresses[0], dict) else {}
    )
    family, postcode = name.get("family"), address.get("postalCode")
    return {
        "given_name": _first_string(name.get("given")),
        "family_name": family if isinstance(family, str) else "",
        "address_line": _first_string(address.get("line")),
        "postcode": postcode if isinstance(postcode, str) else "",
    }


def _patient_extensions(res: dict) -> dict[str, Any]:
    """Ethnic category, small area and place of death from NHC's (and NHS England's) extensions."""
    ethnicity, small_area, place = "Not stated", "", None
    for ext in res.get("extension") or ():
        url = ext.get("url") if isinstance(ext, dict) else None
        if url == EXT_ETHNIC:
            for c in (ext.get("valueCodeableConcept") or {}).get("coding") or ():
                code = c.get("code")
                if code in ETHNIC_GROUPS:
                    ethnicity = code
                elif isinstance(code, str) and code[:1] in _ETHNIC_LETTER:
                    ethnicity = _ETHNIC_LETTER[code[:1]]
        elif url == EXT_SMALL_AREA and isinstance(ext.get("valueString"), str):
            small_area = ext["valueString"]
        elif url == EXT_PLACE_OF_DEATH:
            for c in (ext.get("valueCodeableConcept") or {}).get("coding") or ():
                if c.get("code") in PLACES:
                    place = c["code"]
    return {"ethnicity": ethnicity, "small_area_code": small_area, "death_place": place}


def _patient_practice(res: dict, dates: DateParser) -> tuple[str | None, dt.date | None]:
    """The registered practice (ODS code) and, when the record says when it was updated, since when."""
    gp = None
    gps = res.get("generalPractitioner")
    if isinstance(gps, list):
        for i, ref in enumerate(gps):
            if isinstance(ref, dict) and (
                (ref.get("identifier") or {}).get("system") == ODS
                or str(ref.get("reference", "")).startswith("Organization/")
            ):
                gp = ods_code(ref, f"generalPractitioner[{i}]")
                break
    last_updated = (res.get("meta") or {}).get("lastUpdated")
    since = (
        dates(last_updated, "meta.lastUpdated") if gp is not None and isinstance(last_updated, str) else None
    )
    return gp, since


def read_patient(res: dict, dates: DateParser) -> dict[str, Any]:
    """Patient -> the patients columns plus GP and death (validated; raises Reject)."""
    nhs = _patient_nhs_number(res)
    gender = res.get("gender")
    sex = "F" if gender == "female" else "M" if gender == "male" else None
    if sex is None:
        raise Reject("gender", f"gender {gender!r}: the lake records sex as female or male only")
    if res.get("birthDate") is None:
        raise Reject("birthDate", "missing")
    dob = dates(res["birthDate"], "birthDate")
    death = dates(res["deceasedDateTime"], "deceasedDateTime") if res.get("deceasedDateTime") else None
    if death is not None and death < dob:
        raise Reject("deceasedDateTime", "before birthDate")
    gp, since = _patient_practice(res, dates)
    rid = res.get("id")
    return {
        "id": rid if isinstance(rid, str) else None,
        "nhs_number": nhs,
        "sex": sex,
        "date_of_birth": dob,
        "gp_code": gp,
        "gp_since": since,
        "death_date": death,
        **_patient_name_and_address(res),
        **_patient_extensions(res),
    }


# --- lake -> FHIR -----------------------------------------------------------------------------------------
def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _patient_ref(pid: int) -> dict:
    return {"reference": f"Patient/{pid}"}


def _ods(code: str) -> dict:
    return {"identifier": {"system": ODS, "value": code}}


def event_id(pid: int, n: int) -> str:
    return f"ce-{pid}-{n}"


def medication_id(pid: int, n: int) -> str:
    return f"med-{pid}-{n}"


def episode_id(prefix: str, pid: int, start: dt.date) -> str:
    return f"{prefix}-{pid}-{start.strftime('%Y%m%d')}"


def patient_resource(p: dict, death: dict | None = None, gp: str | None = None) -> dict:
    """A patients row (with its death and current practice) as a Patient; empty strings are left out."""
    extension: list[dict] = [
        {
            "url": EXT_ETHNIC,
            "valueCodeableConcept": {
                "coding": [{"system": ETHNIC_GROUP, "code": p["ethnicity"], "display": p["ethnicity"]}]
            },
        }
    ]
    if p["small_area_code"]:
        extension.append({"url": EXT_SMALL_AREA, "valueString": p["small_area_code"]})
    name: dict[str, Any] = {"use": "official"}
    if p["family_name"]:
        name["family"] = p["family_name"]
    if p["given_name"]:
        name["given"] = [p["given_name"]]
    res: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(p["patient_id"]),
        "extension": extension,
        "identifier": [{"system": NHS_NUMBER, "value": p["nhs_number"]}],
        "name": [name],
        "gender": "female" if p["sex"] == "F" else "male",
        "birthDate": _iso(p["date_of_birth"]),
    }
    address: dict[str, Any] = {"use": "home"}
    if p["address_line"]:
        address["line"] = [p["address_line"]]
    if p["postcode"]:
        address["postalCode"] = p["postcode"]
    if len(address) > 1:
        res["address"] = [address | {"country": "GB"}]
    if death is not None:
        res["deceasedDateTime"] = _iso(death["date_of_death"])
        res["extension"].append(
            {
                "url": EXT_PLACE_OF_DEATH,
                "valueCodeableConcept": {
                    "coding": [{"system": PLACE_OF_DEATH, "code": death["place_of_death"]}]
                },
            }
        )
    if gp is not None:
        res["generalPractitioner"] = [{**_ods(gp), "type": "Organization"}]
    return res


def event_resource(e: dict, rtype: str, extra: list[dict] | None = None) -> dict:
    """A clinical_events row (with ``n``, its ordinal within the patient) as its FHIR resource."""
    pid, day = e["patient_id"], _iso(e["date"])
    coding = [{"system": SNOMED, "code": e["snomed_code"]}, *(extra or ())]
    res: dict[str, Any] = {"resourceType": rtype, "id": event_id(pid, e["n"])}
    if rtype == "Observation":
        res |= {
            "status": "final",
            "code": {"coding": coding},
            "subject": _patient_ref(pid),
            "effectiveDateTime": day,
        }
        if e.get("value") is not None:
            q: dict[str, Any] = {"value": e["value"]}
            if e.get("unit"):
                q |= {"unit": e["unit"], "system": UCUM, "code": e["unit"]}
            res["valueQuantity"] = q
    elif rtype == "Procedure":
        res |= {
            "status": "completed",
            "code": {"coding": coding},
            "subject": _patient_ref(pid),
            "performedDateTime": day,
        }
    elif rtype == "AllergyIntolerance":
        res |= {
            "clinicalStatus": {"coding": [{"system": ALLERGY_CLINICAL, "code": "active"}]},
            "code": {"coding": coding},
            "patient": _patient_ref(pid),
            "recordedDate": day,
        }
    else:
        res |= {
            "category": [{"coding": [{"system": CONDITION_CATEGORY, "code": "problem-list-item"}]}],
            "code": {"coding": coding},
            "subject": _patient_ref(pid),
            "onsetDateTime": day,
            "recordedDate": day,
        }
    return res


def medication_resource(m: dict, rtype: str, extra: list[dict] | None = None) -> dict:
    pid, day = m["patient_id"], _iso(m["date"])
    med = {"coding": [{"system": DMD, "code": m["dmd_code"]}, *(extra or ())]}
    res: dict[str, Any] = {"resourceType": rtype, "id": medication_id(pid, m["n"])}
    if rtype == "MedicationStatement":
        res |= {
            "status": "completed",
            "medicationCodeableConcept": med,
            "subject": _patient_ref(pid),
            "effectiveDateTime": day,
        }
        return res
    res |= {
        "status": "completed",
        "intent": "order",
        "medicationCodeableConcept": med,
        "subject": _patient_ref(pid),
        "authoredOn": day,
    }
    if m.get("quantity") is not None:
        res["dispenseRequest"] = {"quantity": {"value": m["quantity"]}}
    return res


def encounter_resource(e: dict) -> dict:
    cls_code, cls_display = ENCOUNTER_CLASS[e["type"]]
    period = {"start": _iso(e["start_date"])}
    if e.get("end_date") is not None:
        period["end"] = _iso(e["end_date"])
    return {
        "resourceType": "Encounter",
        "id": str(e["encounter_id"]),
        "status": "finished",
        "class": {"system": ACT_CODE, "code": cls_code, "display": cls_display},
        "type": [
            {
                "coding": [
                    {"system": ENCOUNTER_TYPE, "code": e["type"], "display": ENCOUNTER_DISPLAY[e["type"]]}
                ]
            }
        ],
        "subject": _patient_ref(e["patient_id"]),
        "period": period,
        "serviceProvider": _ods(e["provider_code"]),
    }


def episode_resource(row: dict, kind: str) -> dict:
    """A care_home_residence (kind 'care-home') or practice_registrations ('gp-registration') row."""
    org = row["care_home_code"] if kind == "care-home" else row["practice_code"]
    prefix = "ch" if kind == "care-home" else "reg"
    period = {"start": _iso(row["start_date"])}
    if row.get("end_date") is not None:
        period["end"] = _iso(row["end_date"])
    display = "Care home residence" if kind == "care-home" else "GP practice registration"
    return {
        "resourceType": "EpisodeOfCare",
        "id": episode_id(prefix, row["patient_id"], row["start_date"]),
        "status": "active" if row.get("end_date") is None else "finished",
        "type": [{"coding": [{"system": EPISODE_TYPE, "code": kind, "display": display}]}],
        "patient": _patient_ref(row["patient_id"]),
        "managingOrganization": _ods(org),
        "period": period,
    }


def organization_resource(p: dict) -> dict:
    return {
        "resourceType": "Organization",
        "id": p["practice_code"],
        "identifier": [{"system": ODS, "value": p["practice_code"]}],
        "active": True,
        "type": [
            {
                "coding": [
                    {
                        "system": "https://fhir.nhs.uk/CodeSystem/organisation-role",
                        "code": "76",
                        "display": "GP PRACTICE",
                    }
                ]
            }
        ],
        "name": p["name"],
    }


def uncoded_resource(row: dict, extra: list[dict]) -> dict:
    """A resource kept only in fhir_codings (no SNOMED CT / dm+d coding): codings as sent."""
    rtype, pid = row["rtype"], row["patient_id"]
    if rtype in MEDICATION_TYPES:
        res = medication_resource({"patient_id": pid, "date": row["date"], "dmd_code": "", "n": 0}, rtype)
        res["medicationCodeableConcept"] = {"coding": extra}
    else:
        res = event_resource({"patient_id": pid, "date": row["date"], "snomed_code": "", "n": 0}, rtype)
        res["code"] = {"coding": extra}
    res["id"] = f"cx-{pid}-{row['n']}"
    return res
