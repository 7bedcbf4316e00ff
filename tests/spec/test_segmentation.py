"""Segmentation: Patient Need Groups (PNG 1-11, first matching group in the hierarchy wins), the band
each group falls in, the reason text, and the four tiers of the population health pyramid.

Each input row is a person's facts; a column not given takes its default (a 40-year-old woman,
active in the last 12 months, with no condition, no frailty and no use of services).
"""

from __future__ import annotations

from nhc.analytics.rules import segmentation


def test_no_activity_in_12_months_is_png_1_non_user(spec):
    """No encounter, coded event or prescription in 12 months and no long-term condition: PNG 1."""
    spec(
        given={"facts": [{"patient_id": 1, "active_12m": False, "age": 30}]},
        call=lambda t: segmentation.segment(t.facts),
        expect=[
            {
                "patient_id": 1,
                "png": 1,
                "band": "low",
                "pyramid_tier": 1,
                "png_reason": "PNG 1 Non-user: no recorded activity in 12 months",
            },
        ],
    )


def test_under_18_without_a_condition_is_png_2_child(spec):
    """A child (under 18) with no long-term condition is PNG 2; from their 18th birthday, PNG 3."""
    spec(
        given={
            "facts": [
                {"patient_id": 1, "age": 10},
                {"patient_id": 2, "age": 17},
                {"patient_id": 3, "age": 18},
            ]
        },
        call=lambda t: segmentation.segment(t.facts),
        expect=[
            {
                "patient_id": 1,
                "png": 2,
                "band": "low",
                "pyramid_tier": 1,
                "png_reason": "PNG 2 Low need child: aged 10, no long-term condition",
            },
            {
                "patient_id": 2,
                "png": 2,
                "band": "low",
                "pyramid_tier": 1,
                "png_reason": "PNG 2 Low need child: aged 17, no long-term condition",
            },
            {
                "patient_id": 3,
                "png": 3,
                "band": "low",
                "pyramid_tier": 1,
                "png_reason": "PNG 3 Low need adult: aged 18, no long-term condition",
            },
        ],
    )


def test_efi_deficits_without_a_condition_leave_an_adult_in_png_3(spec):
    """eFI deficits alone, without a long-term condition, do not move an adult out of PNG 3."""
    spec(
        given={"facts": [{"patient_id": 1, "ltc_count": 0, "efi_deficits": 6}]},
        call=lambda t: segmentation.segment(t.facts),
        expect=[
            {
                "patient_id": 1,
                "png": 3,
                "band": "low",
                "pyramid_tier": 1,
                "png_reason": "PNG 3 Low need adult: aged 40, no long-term condition",
            },
        ],
    )


def test_one_long_term_condition_is_png_4(spec):
    """One long-term condition (not major) is PNG 4, even with no activity in 12 months (a condition
    outranks non-use)."""
    spec(
        given={
            "facts": [
                {"patient_id": 1, "ltc_count": 1, "reg_hypertension": True},
                {"patient_id": 2, "ltc_count": 1, "active_12m": False},
            ]
        },
        call=lambda t: segmentation.segment(t.facts),
        expect=[
            {
                "patient_id": 1,
                "png": 4,
                "band": "low",
                "pyramid_tier": 1,
                "png_reason": "PNG 4 Low complexity morbidity: one long-term condition",
            },
            {
                "patient_id": 2,
                "png": 4,
                "band": "low",
                "pyramid_tier": 1,
                "png_reason": "PNG 4 Low complexity morbidity: one long-term condition",
            },
        ],
    )


def test_two_or_more_conditions_is_png_5(spec):
    """Two or more long-term conditions are PNG 5 (medium complexity), also with two major ones, or
    one major and two others: no single major condition dominates."""
    spec(
        given={
            "facts": [
                {"patient_id": 1, "ltc_count": 2},
                {"patient_id": 2, "ltc_count": 2, "major_count": 2},
                {"patient_id": 3, "ltc_count": 3, "major_count": 1},
            ]
        },
        call=lambda t: segmentation.segment(t.facts),
        expect=[
            {
                "patient_id": 1,
                "png": 5,
                "band": "moderate",
                "pyramid_tier": 2,
                "png_reason": "PNG 5 Medium complexity morbidity: 2 long-term conditions, 0 major",
            },
            {
                "patient_id": 2,
                "png": 5,
                "band": "moderate",
                "pyramid_tier": 2,
                "png_reason": "PNG 5 Medium complexity morbidity: 2 long-term conditions, 2 major",
            },
            {
                "patient_id": 3,
                "png": 5,
                "band": "moderate",
                "pyramid_tier": 2,
                "png_reason": "PNG 5 Medium complexity morbidity: 3 long-term conditions, 1 major",
            },
        ],
    )


def test_one_condition_made_complex_is_png_5(spec):
    """One long-term condition with an emergency admission in 12 months, or with 4+ eFI deficits, is
    PNG 5; 3 deficits are not enough; a dominant major condition (PNG 9) comes first."""
    spec(
        given={
            "facts": [
                {"patient_id": 1, "ltc_count": 1, "emergency_admissions_12m": 1},
                {"patient_id": 2, "ltc_count": 1, "efi_deficits": 4},
                {"patient_id": 3, "ltc_count": 1, "efi_deficits": 3},
                {"patient_id": 4, "ltc_count": 1, "major_count": 1, "emergency_admissions_12m": 1},
            ]
        },
        call=lambda t: segmentation.segment(t.facts),
        expect=[
            {
                "patient_id": 1,
                "png": 5,
                "band": "moderate",
                "pyramid_tier": 1,
                "png_reason": "PNG 5 Medium complexity morbidity: one long-term condition with 1 emergency "
                "admission(s) in 12 months",
            },
            {
                "patient_id": 2,
                "png": 5,
                "band": "moderate",
                "pyramid_tier": 1,
                "png_reason": "PNG 5 Medium complexity morbidity: one long-term condition with 4 eFI deficits",
            },
            {
                "patient_id": 3,
                "png": 4,
                "band": "low",
                "pyramid_tier": 1,
                "png_reason": "PNG 4 Low complexity morbidity: one long-term condition",
            },
            {
                "patient_id": 4,
                "png": 9,
                "band": "moderate",
                "pyramid_tier": 1,
                "png_reason": "PNG 9 Dominant major chronic condition: one major chronic condition; "
                "1 long-term condition(s) in all",
            },
        ],
    )


def test_pregnancy_without_a_complicating_factor_is_png_6(spec):
    """Pregnant, under 40, with no complication and no major condition: PNG 6."""
    spec(
        given={"facts": [{"patient_id": 1, "pregnant": True, "age": 30}]},
        call=lambda t: segmentation.segment(t.facts),
        expect=[
            {
                "patient_id": 1,
                "png": 6,
                "band": "moderate",
                "pyramid_tier": 1,
                "png_reason": "PNG 6 Pregnancy low complexity: pregnant with no complicating factor",
            },
        ],
    )


def test_pregnancy_with_a_complicating_factor_is_png_7(spec):
    """Pregnant and aged 40+, or with gestational diabetes or pre-eclampsia, or a major condition:
    PNG 7, which outranks the mental-health group (PNG 8)."""
    spec(
        given={
            "facts": [
                {"patient_id": 1, "pregnant": True, "age": 41},
                {"patient_id": 2, "pregnant": True, "pregnancy_complication": True},
                {
                    "patient_id": 3,
                    "pregnant": True,
                    "reg_smi": True,
                    "ltc_count": 1,
                    "major_count": 1,
                    "psych_count": 1,
                },
            ]
        },
        call=lambda t: segmentation.segment(t.facts),
        expect=[
            {
                "patient_id": 1,
                "png": 7,
                "band": "moderate",
                "pyramid_tier": 1,
                "png_reason": "PNG 7 Pregnancy high complexity: pregnant and aged 41",
            },
            {
                "patient_id": 2,
                "png": 7,
                "band": "moderate",
                "pyramid_tier": 1,
                "png_reason": "PNG 7 Pregnancy high complexity: pregnant and gestational diabetes or "
                "pre-eclampsia coded; aged 40",
            },
            {
                "patient_id": 3,
                "png": 7,
                "band": "moderate",
                "pyramid_tier": 1,
                "png_reason": "PNG 7 Pregnancy high complexity: pregnant and aged 40; 1 major chronic "
                "condition(s)",
            },
        ],
    )


def test_mental_health_is_png_8(spec):
    """Severe mental illness (over a dominant major condition), self-harm in 12 months, or two or more
    psychiatric conditions and nothing else: PNG 8. Psychiatric conditions plus another: PNG 5."""
    spec(
        given={
            "facts": [
                {"patient_id": 1, "reg_smi": True, "ltc_count": 1, "major_count": 1, "psych_count": 1},
                {"patient_id": 2, "selfharm_12m": True, "age": 22},
                {
                    "patient_id": 3,
                    "ltc_count": 2,
                    "psych_count": 2,
                    "reg_depression": True,
                    "reg_anxiety": True,
                },
                {"patient_id": 4, "ltc_count": 3, "psych_count": 2},
            ]
        },
        call=lambda t: segmentation.segment(t.facts),
        expect=[
            {
                "patient_id": 1,
                "png": 8,
                "band": "moderate",
                "pyramid_tier": 1,
                "png_reason": "PNG 8 Dominant psychiatric condition: on the severe mental illness register",
            },
            {
                "patient_id": 2,
                "png": 8,
                "band": "moderate",
                "pyramid_tier": 1,
                "png_reason": "PNG 8 Dominant psychiatric condition: self-harm in 12 months",
            },
            {
                "patient_id": 3,
                "png": 8,
                "band": "moderate",
                "pyramid_tier": 2,
                "png_reason": "PNG 8 Dominant psychiatric condition: 2 psychiatric conditions and no other LTC",
            },
            {
                "patient_id": 4,
                "png": 5,
                "band": "moderate",
                "pyramid_tier": 2,
                "png_reason": "PNG 5 Medium complexity morbidity: 3 long-term conditions, 0 major",
            },
        ],
    )


def test_one_dominant_major_condition_is_png_9(spec):
    """One major chronic condition with at most one other long-term condition: PNG 9."""
    spec(
        given={
            "facts": [
                {"patient_id": 1, "ltc_count": 1, "major_count": 1, "reg_diabetes": True},
                {"patient_id": 2, "ltc_count": 2, "major_count": 1},
            ]
        },
        call=lambda t: segmentation.segment(t.facts),
        expect=[
            {
                "patient_id": 1,
                "png": 9,
                "band": "moderate",
                "pyramid_tier": 1,
                "png_reason": "PNG 9 Dominant major chronic condition: one major chronic condition; "
                "1 long-term condition(s) in all",
            },
            {
                "patient_id": 2,
                "png": 9,
                "band": "moderate",
                "pyramid_tier": 2,
                "png_reason": "PNG 9 Dominant major chronic condition: one major chronic condition; "
                "2 long-term condition(s) in all",
            },
        ],
    )


def test_high_complexity_is_png_10(spec):
    """On the palliative care register, a Cambridge Multimorbidity Score of 4.0 or more (3.99 is not),
    or 4+ long-term conditions with 2+ emergency admissions: PNG 10; 3+ admissions put them in the
    crisis tier of the pyramid."""
    spec(
        given={
            "facts": [
                {"patient_id": 1, "reg_palliative_care": True, "age": 60},
                {"patient_id": 2, "cms": 4.0, "ltc_count": 3, "major_count": 3},
                {"patient_id": 3, "cms": 3.99, "ltc_count": 3, "major_count": 3},
                {"patient_id": 4, "ltc_count": 4, "emergency_admissions_12m": 2},
                {"patient_id": 5, "ltc_count": 4, "emergency_admissions_12m": 3},
            ]
        },
        call=lambda t: segmentation.segment(t.facts),
        expect=[
            {
                "patient_id": 1,
                "png": 10,
                "band": "high",
                "pyramid_tier": 4,
                "png_reason": "PNG 10 Multi-morbidity high complexity: on the palliative care register",
            },
            {
                "patient_id": 2,
                "png": 10,
                "band": "high",
                "pyramid_tier": 3,
                "png_reason": "PNG 10 Multi-morbidity high complexity: Cambridge Multimorbidity Score "
                "4.0 >= 4.0",
            },
            {
                "patient_id": 3,
                "png": 5,
                "band": "moderate",
                "pyramid_tier": 2,
                "png_reason": "PNG 5 Medium complexity morbidity: 3 long-term conditions, 3 major",
            },
            {
                "patient_id": 4,
                "png": 10,
                "band": "high",
                "pyramid_tier": 3,
                "png_reason": "PNG 10 Multi-morbidity high complexity: 4 long-term conditions and 2 emergency "
                "admission(s) in 12 months",
            },
            {
                "patient_id": 5,
                "png": 10,
                "band": "high",
                "pyramid_tier": 4,
                "png_reason": "PNG 10 Multi-morbidity high complexity: 4 long-term conditions and 3 emergency "
                "admission(s) in 12 months",
            },
        ],
    )


def test_frailty_is_png_11(spec):
    """Aged 65+ with two or more frailty markers in 12 months: PNG 11, the top of the hierarchy (it
    outranks palliative care's PNG 10); at 64, not the frailty group."""
    spec(
        given={
            "facts": [
                {"patient_id": 1, "age": 65, "frailty_markers": 2},
                {"patient_id": 2, "age": 64, "frailty_markers": 3},
                {"patient_id": 3, "age": 80, "frailty_markers": 2, "reg_palliative_care": True},
            ]
        },
        call=lambda t: segmentation.segment(t.facts),
        expect=[
            {
                "patient_id": 1,
                "png": 11,
                "band": "high",
                "pyramid_tier": 3,
                "png_reason": "PNG 11 Frailty: aged 65 with 2 frailty markers in 12 months (65+ and 2+)",
            },
            {
                "patient_id": 2,
                "png": 3,
                "band": "low",
                "pyramid_tier": 1,
                "png_reason": "PNG 3 Low need adult: aged 64, no long-term condition",
            },
            {
                "patient_id": 3,
                "png": 11,
                "band": "high",
                "pyramid_tier": 4,
                "png_reason": "PNG 11 Frailty: aged 80 with 2 frailty markers in 12 months (65+ and 2+)",
            },
        ],
    )


def test_pyramid_tiers_beyond_the_groups(spec):
    """The pyramid also reads facts the groups do not: moderate eFI at 65+ or a care home put a person
    in tier 3, an end-of-life code in tier 4, and two or more of the Cambridge Multimorbidity Score's
    conditions in tier 2 (one is not enough)."""
    spec(
        given={
            "facts": [
                {"patient_id": 1, "age": 70, "efi_category": "moderate", "ltc_count": 1},
                {"patient_id": 2, "age": 70, "care_home": True},
                {"patient_id": 3, "age": 50, "end_of_life_12m": True},
                {"patient_id": 4, "ltc_count": 1, "cms_conditions": 2},
                {"patient_id": 5, "ltc_count": 0, "cms_conditions": 1},
            ]
        },
        call=lambda t: segmentation.segment(t.facts),
        expect=[
            {
                "patient_id": 1,
                "png": 4,
                "band": "low",
                "pyramid_tier": 3,
                "pyramid_name": "Frail or complex at home",
                "png_reason": "PNG 4 Low complexity morbidity: one long-term condition",
            },
            {
                "patient_id": 2,
                "png": 3,
                "band": "low",
                "pyramid_tier": 3,
                "pyramid_name": "Frail or complex at home",
                "png_reason": "PNG 3 Low need adult: aged 70, no long-term condition",
            },
            {
                "patient_id": 3,
                "png": 3,
                "band": "low",
                "pyramid_tier": 4,
                "pyramid_name": "End of life or in crisis",
                "png_reason": "PNG 3 Low need adult: aged 50, no long-term condition",
            },
            {
                "patient_id": 4,
                "png": 4,
                "band": "low",
                "pyramid_tier": 2,
                "pyramid_name": "Two or more long-term conditions",
                "png_reason": "PNG 4 Low complexity morbidity: one long-term condition",
            },
            {
                "patient_id": 5,
                "png": 3,
                "band": "low",
                "pyramid_tier": 1,
                "pyramid_name": "Generally healthy or one long-term condition",
                "png_reason": "PNG 3 Low need adult: aged 40, no long-term condition",
            },
        ],
    )


def test_rules_cover_every_group_once():
    """The hierarchy lists each of the 11 groups once; every group has a band; band targets sum to 1."""
    assert sorted(segmentation.PNG_ORDER) == list(range(1, 12))
    assert set(segmentation.BANDS.values()) == {"low", "moderate", "high"}
    assert abs(sum(segmentation.BAND_TARGETS.values()) - 1) < 1e-9
