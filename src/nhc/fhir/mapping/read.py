"""FHIR -> lake: readers of parsed JSON dicts (the ingest hot path) that raise Reject naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from nhc.fhir.mapping.codes import (
    CLASS_TO_TYPE,
    DMD,
    ENCOUNTER_CLASS,
    ENCOUNTER_TYPE,
    EPISODE_TYPE,
    ETHNIC_GROUPS,
    ETHNIC_LETTER,
    EXT_ETHNIC,
    EXT_PLACE_OF_DEATH,
    EXT_SMALL_AREA,
    NHS_NUMBER,
    ODS,
    PLACES,
    SNOMED,
    DateParser,
    Reject,
)
from nhc.fhir.mapping.values import map_loinc, observation_value
from nhc.identifiers import InvalidIdentifier, parse_nhs_number
from nhc.nhs_number import is_valid as is_valid_nhs_number


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


def organization_code(res: dict) -> str | None:
    """The code an Organization resource is known by in the lake: its ODS code, else its own id."""
    for ident in res.get("identifier") or ():
        if isinstance(ident, dict) and ident.get("system") == ODS:
            value = ident.get("value")
            if isinstance(value, str) and value:
                return value
    rid = res.get("id")
    return rid if isinstance(rid, str) and rid else None


def ods_code(ref: Any, field: str, orgs: dict[str, str] | None = None) -> str:
    """An organisation's code from a Reference: its identifier value; else, through ``orgs`` (the
    Organizations of the same Bundle by every reference that may name them), the referenced
    Organization's ODS code or id; else the ``<id>`` of 'Organization/<id>'."""
    if type(ref) is not dict:
        raise Reject(field, "missing organisation (ODS code)")
    ident = ref.get("identifier")
    if type(ident) is dict:
        value = ident.get("value")
        if type(value) is str and value:
            return value
    r = ref.get("reference")
    if orgs and isinstance(r, str) and r in orgs:
        return orgs[r]
    if isinstance(r, str):
        parts = r.rstrip("/").split("/")
        if not r.startswith("urn:") and len(parts) >= 2 and parts[-2] == "Organization" and parts[-1]:
            return parts[-1]
        if r.startswith("urn:"):
            raise Reject(f"{field}.reference", f"organisation {r[:80]!r} is not in this Bundle")
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
    SNOMED-coded component with a value; a LOINC code in the concept map (:mod:`.values`) gives the
    mapped row. ``others`` are the codings that are not the main SNOMED CT one: (system, code,
    display), and for an Observation (system, code, display, lake code, value) with the value of the
    Observation or component they code (see :func:`.values.observation_value`).
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
        if others:  # codings beside (or instead of) SNOMED CT: kept with the value, mapped if the map says
            code, others = _with_value(res, "value", code, others, rows)
        for i, comp in enumerate(res.get("component") or ()):
            if not isinstance(comp, dict):
                raise Reject(f"component[{i}]", "not an object")
            ccode, cothers = split_codings(comp.get("code"), f"component[{i}].code", (SNOMED,))
            cvalue, cunit = _quantity(comp.get("valueQuantity"), f"component[{i}].valueQuantity")
            if ccode is not None:
                rows.append((ccode, cvalue, cunit))
            if cothers:
                lake_code, cothers = _with_value(comp, f"component[{i}]", ccode, cothers, rows)
                if lake_code is None:  # unmapped: they belong to the Observation's own code
                    cothers = [(s, c, d, code, v) for s, c, d, _l, v in cothers]
                others.extend(cothers)
    elif code is not None:
        rows.append((code, None, None))
    return subject, day, code, rows, others


def _with_value(obj: dict, field: str, code: str | None, others: list, rows: list) -> tuple[str | None, list]:
    """An Observation's (or component's) other codings with their value and lake code, for
    ``fhir_codings``; when it has no SNOMED CT code, the concept map's row is added to ``rows`` and
    its code returned as the lake code."""
    value = observation_value(obj, field)
    if code is None:
        mapped = map_loinc(others, obj, value)
        if mapped is not None:
            rows.append(mapped)
            code = mapped[0]
    return code, [(s, c, d, code, value) for s, c, d in others]


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


def read_encounter(res: dict, dates: DateParser, orgs: dict[str, str] | None = None):
    """Encounter -> (fhir id, subject, type, start day, end day|None, provider code).

    ``orgs``: the Organizations of the enclosing Bundle (see :func:`ods_code`)."""
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
    provider = ods_code(res.get("serviceProvider"), "serviceProvider", orgs)
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


def _patient_nhs_number(res: dict) -> str | None:
    """The NHS number identifier, canonical (the one parser) and valid; ``None`` when the Patient has none.

    An NHS number is not required, but one that is sent must be ten digits passing the modulus 11 check.
    """
    nhs = None
    for ident in res.get("identifier") or ():
        if isinstance(ident, dict) and ident.get("system") == NHS_NUMBER:
            nhs = ident.get("value")
            break
    else:
        return None
    try:
        nhs = parse_nhs_number(nhs)
    except InvalidIdentifier as e:
        raise Reject("identifier.value", str(e)) from None
    if not is_valid_nhs_number(nhs):
        raise Reject("identifier.value", f"NHS number {nhs!r} fails the modulus 11 check")
    return nhs


def patient_local_key(res: dict, full_url: str | None = None) -> str:
    """The key a Patient without an NHS number is known by: its first identifier with a system and a value
    (``local:<system>|<value>``), else its id (``local:Patient/<id>``), else its Bundle ``fullUrl``.

    Stable across runs, so ingesting the same record again finds the same person. Raises
    :class:`Reject` when the Patient has none of these.
    """
    for ident in res.get("identifier") or ():
        if isinstance(ident, dict):
            system, value = ident.get("system"), ident.get("value")
            if isinstance(system, str) and system and isinstance(value, str) and value.strip():
                return f"local:{system}|{value.strip()}"
    rid = res.get("id")
    if isinstance(rid, str) and rid:
        return f"local:Patient/{rid}"
    if full_url:
        return f"local:{full_url}"
    raise Reject("identifier", "a Patient needs an identifier, an id or a fullUrl")


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
                elif isinstance(code, str) and code[:1] in ETHNIC_LETTER:
                    ethnicity = ETHNIC_LETTER[code[:1]]
        elif url == EXT_SMALL_AREA and isinstance(ext.get("valueString"), str):
            small_area = ext["valueString"]
        elif url == EXT_PLACE_OF_DEATH:
            for c in (ext.get("valueCodeableConcept") or {}).get("coding") or ():
                if c.get("code") in PLACES:
                    place = c["code"]
    return {"ethnicity": ethnicity, "small_area_code": small_area, "death_place": place}


def _patient_practice(
    res: dict, dates: DateParser, orgs: dict[str, str] | None = None
) -> tuple[str | None, dt.date | None]:
    """The registered practice (ODS code; through ``orgs``, the Bundle's Organizations, when the
    reference names one of them) and, when the record says when it was updated, since when."""
    gp = None
    gps = res.get("generalPractitioner")
    if isinstance(gps, list):
        for i, ref in enumerate(gps):
            if isinstance(ref, dict) and (
                (ref.get("identifier") or {}).get("system") == ODS
                or str(ref.get("reference", "")).startswith("Organization/")
                or (orgs is not None and ref.get("reference") in orgs)
            ):
                gp = ods_code(ref, f"generalPractitioner[{i}]", orgs)
                break
    last_updated = (res.get("meta") or {}).get("lastUpdated")
    since = (
        dates(last_updated, "meta.lastUpdated") if gp is not None and isinstance(last_updated, str) else None
    )
    return gp, since


def read_patient(
    res: dict, dates: DateParser, full_url: str | None = None, orgs: dict[str, str] | None = None
) -> dict[str, Any]:
    """Patient -> the patients columns plus GP, death and ``match_key`` (validated; raises Reject).
    ``orgs``: the Organizations of the enclosing Bundle (a ``generalPractitioner`` may name one).

    ``match_key`` is ``nhs:<number>`` when the Patient has an NHS number (``nhs_number`` is then that
    number), else its :func:`patient_local_key` (``nhs_number`` is then ``""``).
    """
    nhs = _patient_nhs_number(res)
    match_key = f"nhs:{nhs}" if nhs is not None else patient_local_key(res, full_url)
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
    gp, since = _patient_practice(res, dates, orgs)
    rid = res.get("id")
    return {
        "id": rid if isinstance(rid, str) else None,
        "nhs_number": nhs or "",
        "match_key": match_key,
        "sex": sex,
        "date_of_birth": dob,
        "gp_code": gp,
        "gp_since": since,
        "death_date": death,
        **_patient_name_and_address(res),
        **_patient_extensions(res),
    }
