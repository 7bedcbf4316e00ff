"""Patient Need Groups (each group, the hierarchy and ties) and the pyramid tiers."""

from __future__ import annotations

from nhc.analytics import segmentation

from .facts_rows import facts_table
from .helpers import load, rows

CASES = [
    # (patient facts, expected png, expected pyramid tier)
    ({"active_12m": False, "age": 30}, 1, 1),
    ({"age": 10}, 2, 1),
    ({"age": 17}, 2, 1),
    ({"age": 18}, 3, 1),
    ({"ltc_count": 1, "reg_hypertension": True}, 4, 1),
    ({"ltc_count": 1, "active_12m": False}, 4, 1),  # an LTC outranks non-use
    ({"ltc_count": 2}, 5, 2),
    ({"ltc_count": 2, "major_count": 2}, 5, 2),  # two major conditions: medium complexity, not dominant
    ({"ltc_count": 3, "major_count": 1}, 5, 2),  # one major + two others: medium complexity
    ({"pregnant": True, "age": 30}, 6, 1),
    ({"pregnant": True, "age": 41}, 7, 1),
    ({"pregnant": True, "pregnancy_complication": True}, 7, 1),
    (
        {"pregnant": True, "reg_smi": True, "ltc_count": 1, "major_count": 1, "psych_count": 1},
        7,
        1,
    ),  # 7 over 8
    ({"reg_smi": True, "ltc_count": 1, "major_count": 1, "psych_count": 1}, 8, 1),  # SMI over dominant major
    ({"selfharm_12m": True, "age": 22}, 8, 1),
    ({"ltc_count": 2, "psych_count": 2, "reg_depression": True, "reg_anxiety": True}, 8, 2),
    ({"ltc_count": 3, "psych_count": 2}, 5, 2),  # psychiatric plus another LTC: not dominant psychiatric
    ({"ltc_count": 1, "major_count": 1, "reg_diabetes": True}, 9, 1),
    ({"ltc_count": 2, "major_count": 1}, 9, 2),
    ({"reg_palliative_care": True, "age": 60}, 10, 4),
    ({"cms": 4.0, "ltc_count": 3, "major_count": 3}, 10, 3),
    ({"cms": 3.99, "ltc_count": 3, "major_count": 3}, 5, 2),
    ({"ltc_count": 4, "emergency_admissions_12m": 2}, 10, 3),
    ({"ltc_count": 4, "emergency_admissions_12m": 3}, 10, 4),  # 3+ admissions: crisis tier
    ({"age": 65, "frailty_markers": 2}, 11, 3),
    ({"age": 64, "frailty_markers": 3}, 3, 1),  # under 65: not the frailty group
    ({"age": 80, "frailty_markers": 2, "reg_palliative_care": True}, 11, 4),  # frailty outranks 10
    ({"age": 70, "efi_category": "moderate", "ltc_count": 1}, 4, 3),  # moderate frailty: pyramid tier 3
    ({"age": 70, "care_home": True}, 3, 3),
    ({"age": 50, "end_of_life_12m": True}, 3, 4),
    # one LTC made complex by an emergency admission or 4+ eFI deficits: medium complexity
    ({"ltc_count": 1, "emergency_admissions_12m": 1}, 5, 1),
    ({"ltc_count": 1, "efi_deficits": 4}, 5, 1),
    ({"ltc_count": 1, "efi_deficits": 3}, 4, 1),
    ({"ltc_count": 1, "major_count": 1, "emergency_admissions_12m": 1}, 9, 1),  # dominant major first
    ({"ltc_count": 0, "efi_deficits": 6}, 3, 1),  # deficits without an LTC: low need
    # pyramid tier 2 also counts two or more Cambridge Multimorbidity Score conditions
    ({"ltc_count": 1, "cms_conditions": 2}, 4, 2),
    ({"ltc_count": 0, "cms_conditions": 1}, 3, 1),
]


def _case(facts: dict) -> int:
    return next(i for i, (f, _, _) in enumerate(CASES) if f == facts)


def test_png_and_pyramid(engine):
    facts = facts_table([{"patient_id": i, **f} for i, (f, _, _) in enumerate(CASES)])
    out = segmentation.segment(load(engine, "facts", facts))
    got = rows(engine, out, ["patient_id", "png", "band", "pyramid_tier", "png_reason"], sort=["patient_id"])
    got = {r["patient_id"]: r for r in got}
    for i, (f, png, tier) in enumerate(CASES):
        assert (got[i]["png"], got[i]["pyramid_tier"]) == (png, tier), (i, f)
        assert got[i]["band"] == segmentation.BANDS[png]
        assert got[i]["png_reason"].startswith(f"PNG {png} {segmentation.PNG_NAMES[png]}: ")
    assert got[24]["png_reason"] == "PNG 11 Frailty: aged 65 with 2 frailty markers in 12 months (65+ and 2+)"
    assert (
        got[20]["png_reason"]
        == "PNG 10 Multi-morbidity high complexity: Cambridge Multimorbidity Score 4.0 >= 4.0"
    )
    assert got[19]["png_reason"] == "PNG 10 Multi-morbidity high complexity: on the palliative care register"
    assert (
        got[_case({"ltc_count": 1, "emergency_admissions_12m": 1})]["png_reason"]
        == "PNG 5 Medium complexity morbidity: one long-term condition with 1 emergency admission(s) in 12 months"
    )
    assert (
        got[_case({"ltc_count": 1, "efi_deficits": 4})]["png_reason"]
        == "PNG 5 Medium complexity morbidity: one long-term condition with 4 eFI deficits"
    )
    assert got[6]["png_reason"] == "PNG 5 Medium complexity morbidity: 2 long-term conditions, 0 major"


def test_rules_cover_every_group_once():
    assert sorted(segmentation.PNG_ORDER) == list(range(1, 12))
    assert set(segmentation.BANDS.values()) == {"low", "moderate", "high"}
    assert abs(sum(segmentation.BAND_TARGETS.values()) - 1) < 1e-9
