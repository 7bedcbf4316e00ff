"""Worklists: criteria, reasons with values, ranking within neighbourhood, top 2% of risk."""

from __future__ import annotations

import pyarrow as pa
import pytest

from nhc.analytics.rules import worklists

from .helpers import load, rows


def _only(name: str) -> tuple[worklists.Worklist, ...]:
    """The one worklist a test is about (the others would list some of its people too)."""
    return tuple(w for w in worklists.WORKLISTS if w.name == name)


def test_frailty_without_a_care_plan(spec):
    """frailty_no_care_plan: eFI moderate or severe, no care-plan or MDT code in 12 months and 2+
    emergency admissions in 12 months; ranked within the neighbourhood by admissions, then eFI."""
    spec(
        given={
            "facts": [
                {
                    "patient_id": 1,
                    "efi_category": "moderate",
                    "efi_score": 0.3,
                    "emergency_admissions_12m": 2,
                },
                {"patient_id": 2, "efi_category": "severe", "efi_score": 0.4, "emergency_admissions_12m": 3},
                {
                    "patient_id": 3,
                    "efi_category": "severe",
                    "efi_score": 0.4,
                    "emergency_admissions_12m": 3,
                    "care_plan_12m": True,
                },  # has a care plan: not on it
                {"patient_id": 4, "efi_category": "mild", "emergency_admissions_12m": 5},  # mild: not on it
                {"patient_id": 5, "efi_category": "moderate", "emergency_admissions_12m": 1},  # 1 admission
                {
                    "patient_id": 6,
                    "efi_category": "moderate",
                    "efi_score": 0.3,
                    "emergency_admissions_12m": 2,
                    "neighbourhood": "N2",
                    "practice_code": "P2",
                },
            ]
        },
        call=lambda t: worklists.worklists(t.facts, _only("frailty_no_care_plan")),
        expect=[
            {
                "worklist": "frailty_no_care_plan",
                "neighbourhood": "N1",
                "practice_code": "P1",
                "patient_id": 2,
                "rank": 1,
                "reasons": "eFI severe; no care plan or MDT review in 12 months; 3 emergency admissions in 12 months",
            },
            {
                "worklist": "frailty_no_care_plan",
                "neighbourhood": "N1",
                "practice_code": "P1",
                "patient_id": 1,
                "rank": 2,
                "reasons": "eFI moderate; no care plan or MDT review in 12 months; 2 emergency admissions in 12 months",
            },
            {
                "worklist": "frailty_no_care_plan",
                "neighbourhood": "N2",
                "practice_code": "P2",
                "patient_id": 6,
                "rank": 1,
                "reasons": "eFI moderate; no care plan or MDT review in 12 months; 2 emergency admissions in 12 months",
            },
        ],
    )


def test_diabetes_with_a_high_hba1c_not_reviewed(spec):
    """diabetes_unreviewed_high_hba1c: on the diabetes register, latest HbA1c above 58 mmol/mol, no
    HbA1c and no medication review in 12 months (no HbA1c ever: not on it)."""
    spec(
        given={
            "facts": [
                {"patient_id": 10, "reg_diabetes": True, "hba1c_last_value": 75.0},
                {"patient_id": 11, "reg_diabetes": True, "hba1c_last_value": 58.0},  # not above 58
                {"patient_id": 12, "reg_diabetes": True, "hba1c_last_value": 80.0, "hba1c_12m": True},
                {
                    "patient_id": 13,
                    "reg_diabetes": True,
                    "hba1c_last_value": 80.0,
                    "medication_review_12m": True,
                },
                {"patient_id": 14, "reg_diabetes": False, "hba1c_last_value": 90.0},  # not on the register
                {"patient_id": 15, "reg_diabetes": True, "hba1c_last_value": None},
            ]
        },
        call=lambda t: worklists.worklists(t.facts, _only("diabetes_unreviewed_high_hba1c")),
        expect=[
            {
                "worklist": "diabetes_unreviewed_high_hba1c",
                "neighbourhood": "N1",
                "practice_code": "P1",
                "patient_id": 10,
                "rank": 1,
                "reasons": "on the diabetes register; latest HbA1c 75.0 mmol/mol; no HbA1c in 12 months; "
                "no medication review in 12 months",
            },
        ],
    )


def test_frail_or_isolated_without_a_social_prescribing_referral(spec):
    """frail_or_isolated_no_social_prescribing: eFI moderate or severe, or a social vulnerability
    (lives alone, lonely, bereaved...) coded in 12 months, and no referral to social prescribing in
    12 months; the reasons name what holds; ranked by eFI score."""
    spec(
        given={
            "facts": [
                {"patient_id": 20, "efi_category": "moderate", "efi_score": 0.3},
                {"patient_id": 21, "efi_score": 0.1, "social_vulnerability_12m": True},  # fit, isolated
                {
                    "patient_id": 22,
                    "efi_category": "severe",
                    "efi_score": 0.5,
                    "social_vulnerability_12m": True,
                },
                {
                    "patient_id": 23,
                    "efi_category": "severe",
                    "efi_score": 0.6,
                    "social_prescribing_12m": True,
                },  # referred already: not on it
                {"patient_id": 24, "efi_category": "mild", "efi_score": 0.2},  # mild, not isolated
            ]
        },
        call=lambda t: worklists.worklists(t.facts, _only("frail_or_isolated_no_social_prescribing")),
        expect=[
            {
                "worklist": "frail_or_isolated_no_social_prescribing",
                "neighbourhood": "N1",
                "practice_code": "P1",
                "patient_id": 22,
                "rank": 1,
                "reasons": "eFI severe and lives alone, lonely or socially vulnerable (coded in 12 months); "
                "no social prescribing referral in 12 months",
            },
            {
                "worklist": "frail_or_isolated_no_social_prescribing",
                "neighbourhood": "N1",
                "practice_code": "P1",
                "patient_id": 20,
                "rank": 2,
                "reasons": "eFI moderate; no social prescribing referral in 12 months",
            },
            {
                "worklist": "frail_or_isolated_no_social_prescribing",
                "neighbourhood": "N1",
                "practice_code": "P1",
                "patient_id": 21,
                "rank": 3,
                "reasons": "lives alone, lonely or socially vulnerable (coded in 12 months); "
                "no social prescribing referral in 12 months",
            },
        ],
    )


def test_top_2_percent_of_risk_in_the_neighbourhood(spec):
    """high_admission_risk: risk in the top 2% of the neighbourhood (percent rank 0.98 or more): of
    100 people with risks 0.01 to 1.00, the two highest."""
    spec(
        given={
            "facts": [
                {"patient_id": 100 + i, "neighbourhood": "N3", "risk": (i + 1) / 100} for i in range(100)
            ]
        },
        call=lambda t: worklists.worklists(t.facts, _only("high_admission_risk")),
        expect=[
            {
                "worklist": "high_admission_risk",
                "neighbourhood": "N3",
                "practice_code": "P1",
                "patient_id": 199,
                "rank": 1,
                "reasons": "risk in the top 2% of the neighbourhood (percent rank 1.0)",
            },
            {
                "worklist": "high_admission_risk",
                "neighbourhood": "N3",
                "practice_code": "P1",
                "patient_id": 198,
                "rank": 2,
                "reasons": "risk in the top 2% of the neighbourhood (percent rank 0.99)",
            },
        ],
    )


def test_risk_centiles_in_numpy_match_the_engine_window(engine):
    """The run ranks risk in numpy (risk_centiles) as the engine's percent rank does
    (with_risk_centile): ties share a rank, a neighbourhood of one ranks 0, ranks are per
    neighbourhood, not county-wide."""
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
    """A person with no risk ranks last in their neighbourhood."""
    got = worklists.risk_centiles(pa.array(["N1"] * 4), pa.array([0.2, None, 0.1, 0.2]))
    assert got.to_pylist() == pytest.approx([1 / 3, 1.0, 0.0, 1 / 3])


def test_the_top_centiles_are_found_without_ranking_everyone(engine):
    """with_top_risk_centile (what the worklist reads): the same centiles as the window for everyone
    it keeps, and it keeps everyone at or above the bound. Of 201 people in N1 (risks 0.005 to
    0.99 in steps of 0.005, two tied at 1.0, one missing: ranked last) the centiles 0.98 and up
    are 196/200, 197/200, two of 198/200 and the missing risk's 1.0; in a neighbourhood not known,
    the highest of three; alone in N2, no one."""
    risks = [(i + 1) / 200 for i in range(198)] + [1.0, 1.0, None]
    people = [(100 + i, "N1", r) for i, r in enumerate(risks)]
    people += [(1, None, 0.1), (2, None, 0.3), (3, None, 0.2), (4, "N2", 0.99)]
    table = pa.table(
        {
            "patient_id": pa.array([p for p, _, _ in people], pa.int64()),
            "neighbourhood": pa.array([h for _, h, _ in people], pa.string()),
            "risk": pa.array([r for _, _, r in people], pa.float64()),
        }
    )
    t = load(engine, "t", table)
    window = {
        r["patient_id"]: r["risk_centile_in_neighbourhood"]
        for r in rows(engine, worklists.with_risk_centile(t))
    }
    kept = {
        r["patient_id"]: r["risk_centile_in_neighbourhood"]
        for r in rows(engine, worklists.with_top_risk_centile(t, 0.98))
    }

    assert {p: c for p, c in kept.items() if c >= 0.98} == {
        296: 0.98,
        297: 0.985,
        298: 0.99,
        299: 0.99,
        300: 1.0,
        2: 1.0,
    }
    assert kept == {p: window[p] for p in kept}  # exactly the window's values, not approximately
    assert {p for p, c in window.items() if c >= 0.98} <= set(kept)
