"""Cambridge Multimorbidity Score with hand-worked patients."""

from __future__ import annotations

from nhc.analytics import coded, multimorbidity, population

from .helpers import AS_OF, World, codelists, d, load, person, rows

CODES = codelists(
    {
        "dm_cod": ["DM"],
        "copd_cod": ["COPD"],
        "hyp_cod": ["HYP"],
        "anxiety": ["ANX"],
        "depr_cod": ["DEP"],
        "dem_cod": ["DEM"],
        "hf_cod": ["HF"],
        "afib_cod": ["AF"],
        "c19can_cod": ["CA"],
        "cancer": ["CA"],
    }
)


def test_cms_hand_worked(engine):
    ev = {
        1: ["DM", "COPD", "HYP"],  # 0.75 + 1.46 + 0.08 = 2.29
        2: ["ANX", "DEP"],  # anxiety/depression counts once: 0.50
        3: [],  # 0
        4: ["DEM", "HF", "AF", "CA"],  # 2.50 + 1.18 + 1.34 + 1.53 = 6.55 (cancer in two clusters: once)
    }
    events = [
        {"patient_id": p, "date": d("2015-01-01"), "snomed_code": c} for p, cs in ev.items() for c in cs
    ]
    events.append({"patient_id": 3, "date": d("2026-06-01"), "snomed_code": "DM"})  # future: ignored
    w = World(
        engine,
        patients=[person(p, "1950-01-01")[0] for p in ev],
        practice_registrations=[person(p, "1950-01-01")[1] for p in ev],
        clinical_events=events,
    )
    summary = coded.cluster_summary(w["clinical_events"], load(engine, "codes", CODES), AS_OF)
    pop = population.population(
        w["patients"],
        w["practice_registrations"],
        w["deaths"],
        w["small_areas"],
        w["practices"],
        w["care_home_residence"],
        AS_OF,
    )
    conds = multimorbidity.cms_conditions(summary, AS_OF)
    got = rows(engine, multimorbidity.cms(conds, pop), sort=["patient_id"])
    assert {r["patient_id"]: (r["cms"], r["cms_conditions"]) for r in got} == {
        1: (2.29, 3),
        2: (0.5, 1),
        3: (0.0, 0),
        4: (6.55, 4),
    }


def test_missing_conditions_listed():
    assert set(multimorbidity.MISSING_CONDITIONS) == {"ibs", "constipation"}
    weights = {c.name: c.weight for c in multimorbidity.CMS_CONDITIONS}
    assert len(weights) == 20
    assert weights["dementia"] == 2.50 and weights["hypertension"] == 0.08
