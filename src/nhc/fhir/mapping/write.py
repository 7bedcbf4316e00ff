"""Lake -> FHIR: builders of plain resource dicts shared by the export and the API (same id and content)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from nhc.fhir.mapping.codes import (
    ACT_CODE,
    ALLERGY_CLINICAL,
    CONDITION_CATEGORY,
    DMD,
    ENCOUNTER_CLASS,
    ENCOUNTER_DISPLAY,
    ENCOUNTER_TYPE,
    EPISODE_TYPE,
    ETHNIC_GROUP,
    EXT_ETHNIC,
    EXT_PLACE_OF_DEATH,
    EXT_SMALL_AREA,
    MEDICATION_TYPES,
    NHS_NUMBER,
    ODS,
    PLACE_OF_DEATH,
    SNOMED,
    UCUM,
)


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
    if not p["nhs_number"]:  # a person ingested without one has an empty nhs_number
        del res["identifier"]
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
