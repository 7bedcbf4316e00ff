"""Explain one person: why they are in their group and what drives their scores.

Reads the insight tables the pipeline wrote (``patient_insights``, ``patient_evidence``,
``worklists``) and the ``patients`` table to find the person by NHS number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ibis

from nhc.analytics import multimorbidity, segmentation
from nhc.analytics.frailty import N_DEFICITS
from nhc.errors import NhcError
from nhc.nhs_number import is_valid

if TYPE_CHECKING:
    from nhc.lake.engine import Engine


# The one NHS number rule (kept under this name for callers of the analytics).
valid_nhs_number = is_valid


def explain(engine: Engine, nhs_number: str) -> dict[str, Any]:
    """Everything known about why this person is where they are (a JSON-ready dict)."""
    number = nhs_number.replace(" ", "")
    if not valid_nhs_number(number):
        raise NhcError(f"{nhs_number!r} is not a valid NHS number", hint="10 digits with a valid check digit")
    patients = engine.table("patients")
    found = engine.to_arrow(
        patients.filter(patients.nhs_number == number).select(
            "patient_id", "given_name", "family_name", "date_of_birth", "sex"
        )
    ).to_pylist()
    if not found:
        raise NhcError(f"no patient with NHS number {number} in the lake")
    person = found[0]
    pid = person["patient_id"]
    ins = engine.table("patient_insights")
    rows = engine.to_arrow(ins.filter(ins.patient_id == ibis.literal(pid))).to_pylist()
    if not rows:
        raise NhcError(
            f"NHS number {number} is not in the analysed population (not registered or not alive at as-of)",
            hint="run `nhc run` first if the analytics have not been run",
        )
    row = rows[0]
    ev = engine.table("patient_evidence")
    evidence = engine.to_arrow(ev.filter(ev.patient_id == ibis.literal(pid))).to_pylist()
    evidence.sort(key=lambda r: (r["kind"], str(r["date"]), r["item"]))
    wl = engine.table("worklists")
    on_lists = engine.to_arrow(wl.filter(wl.patient_id == ibis.literal(pid))).to_pylist()

    def of(kind: str) -> list[dict]:
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

    return {
        "nhs_number": number,
        "name": f"{person['given_name']} {person['family_name']}",
        "patient_id": pid,
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
        "registers": of("register"),
        "ltc_count": row["ltc_count"],
        "efi": {
            "score": round(row["efi_score"], 3),
            "deficits": row["efi_deficits"],
            "of": N_DEFICITS,
            "category": row["efi_category"],
            "found": of("efi"),
        },
        "cms": {
            "score": row["cms"],
            "conditions": of("cms"),
            "conditions_without_codelist": list(multimorbidity.MISSING_CONDITIONS),
        },
        "frailty_markers": {"count": row["frailty_markers"], "found": of("frailty_marker")},
        "use": {"emergency_admissions_12m": row["emergency_admissions_12m"], "ae_12m": row["ae_12m"]},
        "risk": {"probability": row["risk"], "top_factors": row["risk_factors"]},
        "worklists": [
            {"worklist": r["worklist"], "rank": r["rank"], "reasons": r["reasons"]} for r in on_lists
        ],
    }
