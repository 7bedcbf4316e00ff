"""Worklists: criteria, reasons with values, ranking within neighbourhood, top 2% of risk."""

from __future__ import annotations

import pyarrow as pa
import pytest

from nhc.analytics import worklists

from .facts_rows import facts_table
from .helpers import load, rows


def test_worklists(engine):
    people = [
        # frailty worklist
        {"patient_id": 1, "efi_category": "moderate", "efi_score": 0.3, "emergency_admissions_12m": 2},
        {"patient_id": 2, "efi_category": "severe", "efi_score": 0.4, "emergency_admissions_12m": 3},
        {
            "patient_id": 3,
            "efi_category": "severe",
            "efi_score": 0.4,
            "emergency_admissions_12m": 3,
            "care_plan_12m": True,
        },  # has a care plan: not on it
        {"patient_id": 4, "efi_category": "mild", "emergency_admissions_12m": 5},  # mild: not on it
        {
            "patient_id": 5,
            "efi_category": "moderate",
            "emergency_admissions_12m": 1,
        },  # 1 admission: not on it
        {
            "patient_id": 6,
            "efi_category": "moderate",
            "efi_score": 0.3,
            "emergency_admissions_12m": 2,
            "neighbourhood": "N2",
            "practice_code": "P2",
        },
        # diabetes worklist
        {"patient_id": 10, "reg_diabetes": True, "hba1c_last_value": 75.0},
        {"patient_id": 11, "reg_diabetes": True, "hba1c_last_value": 58.0},  # not above 58
        {"patient_id": 12, "reg_diabetes": True, "hba1c_last_value": 80.0, "hba1c_12m": True},  # reviewed
        {"patient_id": 13, "reg_diabetes": True, "hba1c_last_value": 80.0, "medication_review_12m": True},
        {"patient_id": 14, "reg_diabetes": False, "hba1c_last_value": 90.0},  # not on register
        {"patient_id": 15, "reg_diabetes": True, "hba1c_last_value": None},  # no HbA1c ever
    ]
    # 100 people in N3 with risks 0.01..1.00: the top 2% are the two highest
    people += [{"patient_id": 100 + i, "neighbourhood": "N3", "risk": (i + 1) / 100} for i in range(100)]
    t = load(engine, "insights", facts_table(people))
    got = rows(engine, worklists.worklists(t), sort=["worklist", "neighbourhood", "rank"])
    simple = [
        (r["worklist"], r["neighbourhood"], r["practice_code"], r["patient_id"], r["rank"]) for r in got
    ]
    assert simple == [
        ("diabetes_unreviewed_high_hba1c", "N1", "P1", 10, 1),
        ("frailty_no_care_plan", "N1", "P1", 2, 1),
        ("frailty_no_care_plan", "N1", "P1", 1, 2),
        ("frailty_no_care_plan", "N2", "P2", 6, 1),
        ("high_admission_risk", "N3", "P1", 199, 1),
        ("high_admission_risk", "N3", "P1", 198, 2),
    ]
    reasons = {r["patient_id"]: r["reasons"] for r in got}
    assert (
        reasons[2] == "eFI severe; no care plan or MDT code in 12 months; 3 emergency admissions in 12 months"
    )
    assert reasons[10] == (
        "on the diabetes register; latest HbA1c 75.0 mmol/mol; no HbA1c in 12 months; "
        "no medication review in 12 months"
    )
    assert reasons[199].startswith("risk in the top 2% of the neighbourhood (percent rank 1.0")


def test_risk_centiles_in_numpy_match_the_engine_window(engine):
    # The run ranks risk in numpy (worklists.risk_centiles); the rule is the engine's percent rank
    # (with_risk_centile). Ties share a rank, a neighbourhood of one ranks 0, and ranks are per
    # neighbourhood, not county-wide.
    risks = [0.5, 0.1, 0.5, 0.9, 0.3, 0.5, 0.1, 0.7, 0.2, 0.4, 0.8, 0.6]
    hoods = ["N1", "N1", "N1", "N1", "N1", "N2", "N2", "N2", "N3", "N2", "N2", "N1"]
    table = pa.table(
        {
            "patient_id": pa.array(range(1, len(risks) + 1), type=pa.int64()),
            "neighbourhood": hoods,
            "risk": risks,
        }
    )
    ranked = rows(engine, worklists.with_risk_centile(load(engine, "t", table)))
    want = {r["patient_id"]: r["risk_centile_in_neighbourhood"] for r in ranked}
    got = worklists.risk_centiles(table.column("neighbourhood"), table.column("risk")).to_pylist()
    by_id = dict(zip(table.column("patient_id").to_pylist(), got, strict=True))
    assert by_id == pytest.approx(want)
    assert by_id[9] == 0.0  # alone in N3
    assert by_id[1] == by_id[3] == pytest.approx(2 / 5)  # N1: two of six lower (0.1, 0.3), tied
    assert by_id[4] == 1.0  # highest in N1


def test_risk_centiles_rank_a_missing_risk_last():
    got = worklists.risk_centiles(pa.array(["N1"] * 4), pa.array([0.2, None, 0.1, 0.2]))
    assert got.to_pylist() == pytest.approx([1 / 3, 1.0, 0.0, 1 / 3])
