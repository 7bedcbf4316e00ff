"""Explain one person: why they are in their group and what drives their scores.

Reads the insight tables the pipeline wrote (``patient_insights``, ``patient_evidence``,
``worklists``) and the ``patients`` table to find the person by NHS number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ibis

from nhc.analytics.rules import multimorbidity, segmentation
from nhc.analytics.rules.frailty import N_DEFICITS
from nhc.errors import NhcError
from nhc.identifiers import InvalidIdentifier, parse_nhs_number
from nhc.nhs_number import is_valid as valid_nhs_number

if TYPE_CHECKING:
    from nhc.lake.engine import Engine


def explain(engine: Engine, nhs_number: str) -> dict[str, Any]:
    """Everything known about why this person is where they are (a JSON-ready dict)."""
    number = _canonical(nhs_number)
    person = _person(engine, number)
    pid = person["patient_id"]
    ins = engine.table("patient_insights")
    rows = engine.to_arrow(ins.filter(ins.patient_id == ibis.literal(pid))).to_pylist()
    if not rows:
        raise NhcError(
            f"NHS number {number} is not in the analysed population (not registered or not alive at as-of)",
            hint="run `nhc run` first if the analytics have not been run",
        )
    ev = engine.table("patient_evidence")
    evidence = engine.to_arrow(ev.filter(ev.patient_id == ibis.literal(pid))).to_pylist()
    evidence.sort(key=lambda r: (r["kind"], str(r["date"]), r["item"]))
    wl = engine.table("worklists")
    on_lists = engine.to_arrow(wl.filter(wl.patient_id == ibis.literal(pid))).to_pylist()
    return {"nhs_number": number, **_explanation(person, rows[0], evidence, on_lists)}


def _canonical(nhs_number: str) -> str:
    """The ten digits of a valid NHS number (the one parser, then the check digit); NhcError if not."""
    try:
        number = parse_nhs_number(nhs_number)
    except InvalidIdentifier:
        number = None
    if number is None or not valid_nhs_number(number):
        raise NhcError(f"{nhs_number!r} is not a valid NHS number", hint="10 digits with a valid check digit")
    return number


def _person(engine: Engine, number: str) -> dict[str, Any]:
    patients = engine.table("patients")
    found = engine.to_arrow(
        patients.filter(patients.nhs_number == number).select(
            "patient_id", "given_name", "family_name", "date_of_birth", "sex"
        )
    ).to_pylist()
    if not found:
        raise NhcError(f"no patient with NHS number {number} in the lake")
    return found[0]


def _of(evidence: list[dict], kind: str) -> list[dict]:
    return [
        {
            "item": r["item"],
            "code": r["code"],
            "date": str(r["date"]) if r["date"] else None,
            "detail": r["detail"],
        }
        for r in evidence
        if r["kind"] == kind
    ]


def _explanation(person: dict, row: dict, evidence: list[dict], on_lists: list[dict]) -> dict[str, Any]:
    """The explanation of one person's insight row, with the evidence behind each part."""
    return {
        "name": f"{person['given_name']} {person['family_name']}",
        "patient_id": person["patient_id"],
        "as_of": str(row["as_of"]),
        "age": row["age"],
        "sex": row["sex"],
        "practice_code": row["practice_code"],
        "neighbourhood": row["neighbourhood"],
        "segment": {
            "band": row["band"],
            "png": row["png"],
            "png_name": row["png_name"],
            "reason": row["png_reason"],
            "rule_order": [f"{r.code} {r.name}: {r.description}" for r in segmentation.PNG_RULES],
        },
        "pyramid": {
            "tier": row["pyramid_tier"],
            "name": row["pyramid_name"],
            "rule": next(t.description for t in segmentation.PYRAMID_RULES if t.code == row["pyramid_tier"]),
        },
        "registers": _of(evidence, "register"),
        "ltc_count": row["ltc_count"],
        "efi": {
            "score": round(row["efi_score"], 3),
            "deficits": row["efi_deficits"],
            "of": N_DEFICITS,
            "category": row["efi_category"],
            "found": _of(evidence, "efi"),
        },
        "cms": {
            "score": row["cms"],
            "conditions": _of(evidence, "cms"),
            "conditions_without_codelist": list(multimorbidity.MISSING_CONDITIONS),
        },
        "frailty_markers": {"count": row["frailty_markers"], "found": _of(evidence, "frailty_marker")},
        "use": {"emergency_admissions_12m": row["emergency_admissions_12m"], "ae_12m": row["ae_12m"]},
        "risk": {"probability": row["risk"], "top_factors": row["risk_factors"]},
        "worklists": [
            {"worklist": r["worklist"], "rank": r["rank"], "reasons": r["reasons"]} for r in on_lists
        ],
    }
