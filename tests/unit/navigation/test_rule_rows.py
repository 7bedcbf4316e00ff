"""Spec tests for the navigator's decision tables: one behaviour per row, every row covered.

Each case is a tiny input, the row expected to fire and the disposition it must give. The expected
values are written here from the clinical specification (``rules/PROVENANCE.md``), not read from
the tables, so a changed row fails its test until the change is confirmed here too.
"""

from __future__ import annotations

import pytest

from nhc.navigation.rulebook import load_rulebook

RED_FLAGS = [
    ("RF01", "crushing_chest_pain", 55, "emergency_999"),
    ("RF02", "chest_pain_breathless", 55, "emergency_999"),
    ("RF03", "cannot_complete_sentences", 30, "emergency_999"),
    ("RF04", "blue_lips", 3, "emergency_999"),
    ("RF05", "face_arm_speech", 70, "emergency_999"),
    ("RF06", "bleeding_not_stopping", 40, "emergency_999"),
    ("RF07", "knocked_out", 20, "emergency_department"),
    ("RF08", "vomiting_after_head_injury", 9, "emergency_department"),
    ("RF09", "on_anticoagulants", 80, "emergency_department"),
    ("RF10", "drooling_or_stridor", 6, "emergency_999"),
    ("RF11", "cannot_swallow_fluids", 30, "emergency_department"),
    ("RF12", "swelling_behind_ear", 7, "gp_same_day"),
    ("RF13", "swelling_around_eye", 30, "gp_same_day"),
    ("RF14", "loin_pain_fever", 30, "gp_same_day"),
    ("RF15", "pregnant", 28, "gp_same_day"),
    ("RF16", "shingles_near_eye", 70, "gp_same_day"),
    ("RF17", "immunosuppressed", 50, "gp_same_day"),
    ("RF18", "widespread_or_unwell", 4, "gp_same_day"),
    ("RF19", "swelling_of_lips_tongue", 25, "emergency_999"),
    ("RF20", "spreading_redness_fever", 40, "gp_same_day"),
    ("RF21", "saddle_numbness_bladder", 45, "emergency_department"),
    ("RF22", "back_pain_fever_weight_loss", 60, "gp_same_day"),
    ("RF23", "hot_swollen_joint_fever", 70, "emergency_department"),
    ("RF24", "cannot_bear_weight", 30, "urgent_treatment_centre"),
    ("RF25", "deformity", 12, "urgent_treatment_centre"),
    ("RF26", "non_blanching_rash", 2, "emergency_999"),
    ("RF27", "coughing_blood", 60, "gp_same_day"),
    ("RF28", "breathless_at_rest", 60, "emergency_department"),
    ("RF29", "fever_under_3_months", 0, "emergency_department"),
    ("RF30", "fever_drowsy_or_confused", 75, "emergency_999"),
    ("RF31", "plan_or_intent", 35, "emergency_999"),
    ("RF32", "thoughts_of_self_harm", 19, "nhs_111"),
    ("RF33", "no_food_or_heating", 45, "social_prescriber"),
    ("RF34", "carer_cannot_cope_today", 68, "gp_same_day"),
    ("RF35", "run_out_of_critical_medicine", 50, "community_pharmacy"),
    ("RF36", "took_too_much", 30, "nhs_111"),
    ("RF37", "symptoms_worse_today", 66, "gp_same_day"),
    ("RF38", "told_to_call_urgently", 50, "gp_same_day"),
    ("RF39", "unprotected_sex_recent", 15, "gp_same_day"),
    ("RF40", "unprotected_sex_recent", 16, "community_pharmacy"),
    ("RF41", "cannot_get_up", 88, "emergency_999"),
    ("RF42", "hit_head_on_anticoagulants", 79, "emergency_department"),
    ("RF43", "sudden_confusion", 82, "emergency_department"),
]

TRIAGE = [
    ("T01", "chest_pain", 55, "male", "nhs_111"),
    ("T02", "breathing_difficulty", 40, "female", "nhs_111"),
    ("T03", "stroke_symptoms", 70, "male", "emergency_999"),
    ("T04", "severe_bleeding", 30, "male", "emergency_department"),
    ("T05", "head_injury", 30, "female", "urgent_treatment_centre"),
    ("T06", "sore_throat", 5, "male", "community_pharmacy"),
    ("T07", "sore_throat", 4, "male", "gp_same_day"),
    ("T08", "earache", 1, "female", "community_pharmacy"),
    ("T09", "earache", 18, "female", "self_care"),
    ("T10", "earache", 0, "female", "gp_same_day"),
    ("T11", "sinusitis", 12, "male", "community_pharmacy"),
    ("T12", "sinusitis", 11, "male", "gp_routine"),
    ("T13", "urinary_symptoms", 64, "female", "community_pharmacy"),
    ("T14", "urinary_symptoms", 65, "female", "gp_same_day"),
    ("T15", "shingles", 18, "male", "community_pharmacy"),
    ("T16", "shingles", 17, "male", "gp_same_day"),
    ("T17", "impetigo", 1, "female", "community_pharmacy"),
    ("T18", "impetigo", 0, "female", "gp_same_day"),
    ("T19", "infected_insect_bite", 1, "male", "community_pharmacy"),
    ("T20", "infected_insect_bite", 0, "male", "gp_same_day"),
    ("T21", "back_pain", 16, "female", "physiotherapist_fcp"),
    ("T22", "back_pain", 15, "female", "gp_routine"),
    ("T23", "joint_pain", 70, "male", "physiotherapist_fcp"),
    ("T24", "joint_pain", 10, "male", "gp_routine"),
    ("T25", "sprain", 16, "female", "self_care"),
    ("T26", "sprain", 15, "female", "urgent_treatment_centre"),
    ("T27", "rash", 0, "male", "gp_same_day"),
    ("T28", "rash", 1, "male", "community_pharmacy"),
    ("T29", "cough", 0, "female", "gp_same_day"),
    ("T30", "cough", 1, "female", "self_care"),
    ("T31", "fever", 4, "male", "gp_same_day"),
    ("T32", "fever", 5, "male", "self_care"),
    ("T33", "low_mood", 18, "female", "mental_health_link_worker"),
    ("T34", "low_mood", 17, "female", "gp_routine"),
    ("T35", "anxiety", 18, "male", "talking_therapies"),
    ("T36", "anxiety", 17, "male", "gp_routine"),
    ("T37", "suicidal_thoughts", 14, "female", "nhs_111"),
    ("T38", "loneliness", 16, "male", "social_prescriber"),
    ("T39", "money_worries", 40, "female", "social_prescriber"),
    ("T40", "housing_problem", 25, "male", "social_prescriber"),
    ("T41", "carer_support", 70, "female", "social_prescriber"),
    ("T42", "carer_support", 15, "female", "gp_routine"),
    ("T43", "repeat_prescription", 60, "male", "clinical_pharmacist"),
    ("T44", "medication_question", 60, "female", "community_pharmacy"),
    ("T45", "long_term_condition_review", 70, "male", "practice_nurse"),
    ("T46", "test_results", 45, "female", "gp_routine"),
    ("T47", "contraception", 13, "female", "practice_nurse"),
    ("T48", "contraception", 12, "female", "gp_routine"),
    ("T49", "fall", 65, "female", "gp_same_day"),
    ("T50", "fall", 64, "female", "urgent_treatment_centre"),
    ("T51", "confusion", 80, "male", "gp_same_day"),
]

OUT_OF_HOURS = [
    ("O01", "gp_same_day", False, "nhs_111"),
    ("O02", "gp_same_day", True, "gp_same_day"),
]


@pytest.fixture(scope="module")
def rules():
    return load_rulebook()


@pytest.mark.parametrize(("rule", "flag", "age", "disposition"), RED_FLAGS, ids=[c[0] for c in RED_FLAGS])
def test_red_flag_row(rules, rule, flag, age, disposition):
    out = rules.decide("red_flags", {"red_flag": flag, "age": age})
    assert (out["rule"], out["disposition"]) == (rule, disposition)


@pytest.mark.parametrize(("rule", "reason", "age", "sex", "disposition"), TRIAGE, ids=[c[0] for c in TRIAGE])
def test_triage_row(rules, rule, reason, age, sex, disposition):
    out = rules.decide("triage", {"reason": reason, "age": age, "sex": sex})
    assert (out["rule"], out["disposition"]) == (rule, disposition)


@pytest.mark.parametrize(("rule", "disposition", "in_hours", "answer"), OUT_OF_HOURS, ids=["O01", "O02"])
def test_out_of_hours_row(rules, rule, disposition, in_hours, answer):
    out = rules.decide("out_of_hours", {"disposition": disposition, "in_hours": in_hours})
    assert (out["rule"], out["disposition"]) == (rule, answer)


def test_out_of_hours_leaves_other_dispositions_alone(rules):
    out = rules.decide("out_of_hours", {"disposition": "community_pharmacy", "in_hours": False})
    assert (out["rule"], out["disposition"]) == ("O02", "community_pharmacy")


def test_a_man_is_never_sent_to_pharmacy_first_for_urinary_symptoms(rules):
    out = rules.decide("triage", {"reason": "urinary_symptoms", "age": 30, "sex": "male"})
    assert out["disposition"] == "gp_same_day"


def test_every_row_of_every_table_has_a_spec_test(rules):
    tested = {c[0] for c in RED_FLAGS + TRIAGE + OUT_OF_HOURS}
    rows = {row["_id"] for table in rules.rows.values() for row in table}
    assert rows - tested == set(), "rows without a spec test"
    assert tested - rows == set(), "spec tests for rows that no longer exist"


def test_every_reason_has_an_answer_at_every_age(rules):
    for reason in rules.reasons:
        for age in (0, 1, 4, 5, 11, 12, 15, 16, 17, 18, 64, 65, 120):
            for sex in ("female", "male", "other", "unknown"):
                assert rules.decide("triage", {"reason": reason, "age": age, "sex": sex}), (reason, age, sex)


def test_every_explanation_is_plain_english(rules):
    for table in rules.rows.values():
        for row in table:
            text = row["_description"]
            assert text and text[0].isupper() and text.endswith("."), row["_id"]
