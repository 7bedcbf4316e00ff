"""Cambridge Multimorbidity Score: the sum of published weights of the conditions a person has
(Payne 2020, general-outcome weights), rounded to 2 decimals, and the number of those conditions."""

from __future__ import annotations

from nhc.analytics.rules import coded, multimorbidity

from .helpers import AS_OF, d

CODELISTS = [
    {"code": "DM", "cluster": "dm_cod"},
    {"code": "COPD", "cluster": "copd_cod"},
    {"code": "HYP", "cluster": "hyp_cod"},
    {"code": "ANX", "cluster": "anxiety"},
    {"code": "DEP", "cluster": "depr_cod"},
    {"code": "DEM", "cluster": "dem_cod"},
    {"code": "HF", "cluster": "hf_cod"},
    {"code": "AF", "cluster": "afib_cod"},
    {"code": "CA", "cluster": "c19can_cod"},
    {"code": "CA", "cluster": "cancer"},
]


def test_score_hand_worked(spec):
    """Diabetes 0.75 + COPD 1.46 + hypertension 0.08 = 2.29; anxiety and depression are one condition
    (0.50); dementia 2.50 + heart failure 1.18 + AF 1.34 + cancer 1.53 = 6.55 (a code in two cancer
    clusters counts once); a code after as-of does not count."""
    codes = {1: ["DM", "COPD", "HYP"], 2: ["ANX", "DEP"], 3: [], 4: ["DEM", "HF", "AF", "CA"]}
    spec(
        given={
            "clinical_events": [
                {"patient_id": p, "date": d("2015-01-01"), "snomed_code": c}
                for p, cs in codes.items()
                for c in cs
            ]
            + [{"patient_id": 3, "date": d("2026-06-01"), "snomed_code": "DM"}],
            "codelists": CODELISTS,
            "population": [{"patient_id": p} for p in codes],
        },
        call=lambda t: multimorbidity.cms(
            multimorbidity.cms_conditions(
                coded.cluster_summary(t.clinical_events, t.codelists, AS_OF), AS_OF
            ),
            t.population,
        ),
        expect=[
            {"patient_id": 1, "cms": 2.29, "cms_conditions": 3},
            {"patient_id": 2, "cms": 0.5, "cms_conditions": 1},
            {"patient_id": 3, "cms": 0.0, "cms_conditions": 0},
            {"patient_id": 4, "cms": 6.55, "cms_conditions": 4},
        ],
    )


def test_missing_conditions_listed():
    """Two of the score's 20 conditions have no codelist yet (IBS, constipation) and say so; the
    weights are Payne's."""
    assert set(multimorbidity.MISSING_CONDITIONS) == {"ibs", "constipation"}
    weights = {c.name: c.weight for c in multimorbidity.CMS_CONDITIONS}
    assert len(weights) == 20
    assert weights["dementia"] == 2.50 and weights["hypertension"] == 0.08
