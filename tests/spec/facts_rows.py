"""Hand-made per-patient facts rows for segmentation and worklist specs."""

from __future__ import annotations

import pyarrow as pa

from nhc.analytics.rules.registers import REGISTER_NAMES

BASE = {
    "patient_id": 0,
    "age": 40,
    "sex": "F",
    "practice_code": "P1",
    "neighbourhood": "N1",
    "ltc_count": 0,
    "major_count": 0,
    "psych_count": 0,
    "efi_deficits": 0,
    "efi_score": 0.0,
    "efi_category": "fit",
    "cms": 0.0,
    "cms_conditions": 0,
    "frailty_markers": 0,
    "pregnant": False,
    "pregnancy_complication": False,
    "selfharm_12m": False,
    "emergency_admissions_12m": 0,
    "ae_12m": 0,
    "active_12m": True,
    "care_home": False,
    "end_of_life_12m": False,
    "care_plan_12m": False,
    "medication_review_12m": False,
    "hba1c_12m": False,
    "social_prescribing_12m": False,
    "social_vulnerability_12m": False,
    "hba1c_last_value": None,
    "risk": 0.0,
    **{f"reg_{n}": False for n in REGISTER_NAMES},
}
TYPES = {
    "patient_id": pa.int64(),
    "age": pa.int32(),
    "ltc_count": pa.int32(),
    "major_count": pa.int32(),
    "psych_count": pa.int32(),
    "efi_deficits": pa.int32(),
    "frailty_markers": pa.int32(),
    "emergency_admissions_12m": pa.int32(),
    "ae_12m": pa.int32(),
    "efi_score": pa.float64(),
    "cms": pa.float64(),
    "cms_conditions": pa.int32(),
    "hba1c_last_value": pa.float64(),
    "risk": pa.float64(),
}


def facts_table(rows: list[dict]) -> pa.Table:
    full = [{**BASE, **r} for r in rows]
    cols = {}
    for k in BASE:
        t = TYPES.get(k, pa.bool_() if isinstance(BASE[k], bool) else pa.string())
        cols[k] = pa.array([r[k] for r in full], type=t)
    return pa.table(cols)
