"""Written vignettes: a person, a reason and a time, through the whole navigator (rules, out of
hours, selection) over the synthetic Oxfordshire directory, without a database.

Times used: Monday 2 March 2026 (an ordinary weekday), Saturday 7 and Sunday 8 March 2026, Good
Friday 3 April 2026 and Easter Monday 6 April 2026 (bank holidays in England and Wales), Christmas
Day 2026.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from nhc.navigation.domain import Capacity, Rag
from nhc.navigation.domain.request import parse_request
from nhc.navigation.navigator import navigate
from nhc.navigation.places import locate
from nhc.navigation.rulebook import DISPOSITIONS, load_rulebook
from nhc.navigation.synth import synthetic_directory

MON_AM = "2026-03-02T10:15:00"
MON_EVE = "2026-03-02T19:30:00"
SAT = "2026-03-07T11:00:00"
SUN = "2026-03-08T14:00:00"
NIGHT = "2026-03-03T02:00:00"
GOOD_FRIDAY = "2026-04-03T11:00:00"
EASTER_MONDAY = "2026-04-06T10:00:00"
CHRISTMAS = "2026-12-25T10:00:00"
PRACTICE = "K84013"  # 19 Beaumont Street, Central Oxford


@pytest.fixture(scope="module")
def directory():
    return synthetic_directory()


@pytest.fixture(scope="module")
def rules():
    return load_rulebook()


def run(rules, directory, **body):
    body.setdefault("sex", "female")
    body.setdefault("when", MON_AM)
    body.setdefault("practice_code", PRACTICE)
    reasons = {r.id: tuple(f.id for f in r.red_flags) for r in rules.reasons.values()}
    request = parse_request(body, reasons, now=None)
    place = locate(request.practice_code, request.small_area, request.postcode)
    return navigate(request, rules, directory, place).as_dict()


def kinds(directory, answer):
    return [directory.services[s["id"]].kind for s in answer["services"]]


# (id, request, expected disposition)
VIGNETTES = [
    # red flags override everything
    (
        "crushing chest pain",
        {"age": 55, "sex": "male", "reason": "chest_pain", "red_flags": ["crushing_chest_pain"]},
        "emergency_999",
    ),
    (
        "chest pain, breathless",
        {"age": 62, "reason": "chest_pain", "red_flags": ["chest_pain_breathless"]},
        "emergency_999",
    ),
    (
        "child with blue lips",
        {"age": 4, "reason": "breathing_difficulty", "red_flags": ["blue_lips"]},
        "emergency_999",
    ),
    (
        "sore throat, drooling",
        {"age": 30, "reason": "sore_throat", "red_flags": ["drooling_or_stridor"]},
        "emergency_999",
    ),
    (
        "UTI with loin pain and fever",
        {"age": 30, "reason": "urinary_symptoms", "red_flags": ["loin_pain_fever"]},
        "gp_same_day",
    ),
    (
        "UTI with loin pain, evening",
        {"age": 30, "reason": "urinary_symptoms", "red_flags": ["loin_pain_fever"], "when": MON_EVE},
        "nhs_111",
    ),
    ("UTI in pregnancy", {"age": 29, "reason": "urinary_symptoms", "red_flags": ["pregnant"]}, "gp_same_day"),
    (
        "child earache, swelling behind ear",
        {"age": 8, "reason": "earache", "red_flags": ["swelling_behind_ear"]},
        "gp_same_day",
    ),
    (
        "shingles near the eye",
        {"age": 70, "reason": "shingles", "red_flags": ["shingles_near_eye"]},
        "gp_same_day",
    ),
    (
        "insect bite, lips swelling",
        {"age": 25, "reason": "infected_insect_bite", "red_flags": ["swelling_of_lips_tongue"]},
        "emergency_999",
    ),
    (
        "back pain, saddle numbness",
        {"age": 45, "reason": "back_pain", "red_flags": ["saddle_numbness_bladder"]},
        "emergency_department",
    ),
    (
        "sprain, cannot bear weight",
        {"age": 30, "reason": "sprain", "red_flags": ["cannot_bear_weight"]},
        "urgent_treatment_centre",
    ),
    (
        "baby under 3 months with fever",
        {"age": 0, "reason": "fever", "red_flags": ["fever_under_3_months"]},
        "emergency_department",
    ),
    (
        "child fever, non-blanching rash",
        {"age": 3, "reason": "fever", "red_flags": ["non_blanching_rash"]},
        "emergency_999",
    ),
    (
        "low mood with a plan",
        {"age": 40, "reason": "low_mood", "red_flags": ["plan_or_intent"]},
        "emergency_999",
    ),
    (
        "anxiety with self-harm thoughts",
        {"age": 25, "reason": "anxiety", "red_flags": ["thoughts_of_self_harm"]},
        "nhs_111",
    ),
    (
        "two flags, most urgent wins",
        {"age": 60, "reason": "cough", "red_flags": ["coughing_blood", "breathless_at_rest"]},
        "emergency_department",
    ),
    (
        "head injury, knocked out",
        {"age": 20, "reason": "head_injury", "red_flags": ["knocked_out"]},
        "emergency_department",
    ),
    (
        "emergency contraception at 15",
        {"age": 15, "reason": "contraception", "red_flags": ["unprotected_sex_recent"]},
        "gp_same_day",
    ),
    (
        "emergency contraception at 22",
        {"age": 22, "reason": "contraception", "red_flags": ["unprotected_sex_recent"]},
        "community_pharmacy",
    ),
    (
        "run out of insulin on Sunday",
        {
            "age": 50,
            "reason": "repeat_prescription",
            "red_flags": ["run_out_of_critical_medicine"],
            "when": SUN,
        },
        "community_pharmacy",
    ),
    ("fall, cannot get up", {"age": 85, "reason": "fall", "red_flags": ["cannot_get_up"]}, "emergency_999"),
    (
        "sudden confusion",
        {"age": 80, "sex": "male", "reason": "confusion", "red_flags": ["sudden_confusion"]},
        "emergency_department",
    ),
    (
        "no food or heating",
        {"age": 45, "reason": "money_worries", "red_flags": ["no_food_or_heating"]},
        "social_prescriber",
    ),
    (
        "took too much",
        {"age": 30, "reason": "medication_question", "red_flags": ["took_too_much"]},
        "nhs_111",
    ),
    # no red flags
    ("stroke symptoms", {"age": 70, "sex": "male", "reason": "stroke_symptoms"}, "emergency_999"),
    ("severe bleeding", {"age": 30, "sex": "male", "reason": "severe_bleeding"}, "emergency_department"),
    ("minor head injury", {"age": 30, "reason": "head_injury"}, "urgent_treatment_centre"),
    ("chest pain, no danger signs", {"age": 55, "sex": "male", "reason": "chest_pain"}, "nhs_111"),
    ("suicidal thoughts", {"age": 30, "reason": "suicidal_thoughts"}, "nhs_111"),
    # Pharmacy First age limits
    ("sore throat at 5", {"age": 5, "reason": "sore_throat"}, "community_pharmacy"),
    ("sore throat at 4", {"age": 4, "reason": "sore_throat"}, "gp_same_day"),
    ("earache at 1", {"age": 1, "reason": "earache"}, "community_pharmacy"),
    ("earache at 17", {"age": 17, "reason": "earache"}, "community_pharmacy"),
    ("earache at 18", {"age": 18, "reason": "earache"}, "self_care"),
    ("earache under 1", {"age": 0, "reason": "earache"}, "gp_same_day"),
    ("sinusitis at 12", {"age": 12, "reason": "sinusitis"}, "community_pharmacy"),
    ("sinusitis at 11", {"age": 11, "reason": "sinusitis"}, "gp_routine"),
    ("UTI, woman of 16", {"age": 16, "reason": "urinary_symptoms"}, "community_pharmacy"),
    ("UTI, woman of 64", {"age": 64, "reason": "urinary_symptoms"}, "community_pharmacy"),
    ("UTI, woman of 65", {"age": 65, "reason": "urinary_symptoms"}, "gp_same_day"),
    ("UTI, girl of 15", {"age": 15, "reason": "urinary_symptoms"}, "gp_same_day"),
    ("UTI, man of 30", {"age": 30, "sex": "male", "reason": "urinary_symptoms"}, "gp_same_day"),
    ("shingles at 18", {"age": 18, "reason": "shingles"}, "community_pharmacy"),
    ("shingles at 17", {"age": 17, "reason": "shingles"}, "gp_same_day"),
    ("impetigo at 1", {"age": 1, "reason": "impetigo"}, "community_pharmacy"),
    ("impetigo under 1", {"age": 0, "reason": "impetigo"}, "gp_same_day"),
    ("insect bite at 1", {"age": 1, "reason": "infected_insect_bite"}, "community_pharmacy"),
    # out of hours, weekends, bank holidays
    ("sore throat at 4 on Saturday", {"age": 4, "reason": "sore_throat", "when": SAT}, "nhs_111"),
    (
        "UTI in a man, Monday evening",
        {"age": 30, "sex": "male", "reason": "urinary_symptoms", "when": MON_EVE},
        "nhs_111",
    ),
    (
        "confusion at 18:10 (practice closing)",
        {"age": 80, "reason": "confusion", "when": "2026-03-02T18:10:00"},
        "nhs_111",
    ),
    (
        "confusion at 18:00 (30 minutes left)",
        {"age": 80, "reason": "confusion", "when": "2026-03-02T18:00:00"},
        "gp_same_day",
    ),
    ("confusion on Good Friday", {"age": 80, "reason": "confusion", "when": GOOD_FRIDAY}, "nhs_111"),
    ("fever at 2, at night", {"age": 2, "reason": "fever", "when": NIGHT}, "nhs_111"),
    ("fall at 80, Sunday", {"age": 80, "reason": "fall", "when": SUN}, "nhs_111"),
    # children
    ("back pain at 10", {"age": 10, "reason": "back_pain"}, "gp_routine"),
    ("low mood at 15", {"age": 15, "reason": "low_mood"}, "gp_routine"),
    ("anxiety at 17", {"age": 17, "reason": "anxiety"}, "gp_routine"),
    ("lonely at 12", {"age": 12, "reason": "loneliness"}, "gp_routine"),
    ("fever at 2, in hours", {"age": 2, "reason": "fever"}, "gp_same_day"),
    ("cough under 1", {"age": 0, "reason": "cough"}, "gp_same_day"),
    ("sprain at 8", {"age": 8, "reason": "sprain"}, "urgent_treatment_centre"),
    ("rash under 1", {"age": 0, "reason": "rash"}, "gp_same_day"),
    # the rest of the dispositions
    ("diabetes review", {"age": 70, "reason": "long_term_condition_review"}, "practice_nurse"),
    ("repeat prescription", {"age": 60, "reason": "repeat_prescription"}, "clinical_pharmacist"),
    ("low mood at 30", {"age": 30, "reason": "low_mood"}, "mental_health_link_worker"),
    ("anxiety at 30", {"age": 30, "reason": "anxiety"}, "talking_therapies"),
    ("lonely at 70", {"age": 70, "reason": "loneliness"}, "social_prescriber"),
    ("cough at 40", {"age": 40, "reason": "cough"}, "self_care"),
    ("knee pain at 50", {"age": 50, "reason": "joint_pain"}, "physiotherapist_fcp"),
    ("fall at 80, in hours", {"age": 80, "reason": "fall"}, "gp_same_day"),
    ("test results", {"age": 45, "reason": "test_results"}, "gp_routine"),
]


@pytest.mark.parametrize(
    ("request_body", "disposition"), [v[1:] for v in VIGNETTES], ids=[v[0] for v in VIGNETTES]
)
def test_vignette(rules, directory, request_body, disposition):
    answer = run(rules, directory, **request_body)
    assert answer["disposition"] == disposition
    assert answer["services"], "every answer names a service to go to"
    assert answer["safety_net"].count("If it gets worse, or if this does not work") == 1


def test_the_vignettes_cover_every_disposition():
    assert {v[2] for v in VIGNETTES} == set(DISPOSITIONS)
    assert len(VIGNETTES) >= 60


def test_a_red_flag_beats_a_pharmacy_first_answer(rules, directory):
    plain = run(rules, directory, age=30, reason="sore_throat")
    flagged = run(rules, directory, age=30, reason="sore_throat", red_flags=["drooling_or_stridor"])
    assert (plain["disposition"], flagged["disposition"]) == ("community_pharmacy", "emergency_999")
    assert flagged["rules"] == ["RF10"]


def test_pharmacy_first_sends_to_pharmacies_open_now(rules, directory):
    answer = run(rules, directory, age=30, reason="sore_throat")
    assert kinds(directory, answer) == ["community_pharmacy", "community_pharmacy"]
    assert all(s["opens"] <= "10:15" < s["closes"] for s in answer["services"])


def test_late_evening_pharmacy_answer_is_for_tomorrow_morning(rules, directory):
    answer = run(rules, directory, age=30, reason="sore_throat", when="2026-03-02T23:00:00")
    assert answer["disposition"] == "community_pharmacy"
    assert {s["date"] for s in answer["services"]} == {"2026-03-03"}


def test_sunday_pharmacy_is_a_late_pharmacy(rules, directory):
    answer = run(rules, directory, age=30, reason="sore_throat", when=SUN)
    assert answer["services"] and all("Late Pharmacy" in s["name"] for s in answer["services"])
    assert answer["services"][0]["opens"] == "10:00" and answer["services"][0]["closes"] == "16:00"


def test_christmas_day_only_the_pharmacies_that_open_on_bank_holidays(rules, directory):
    answer = run(rules, directory, age=30, reason="sore_throat", when=CHRISTMAS)
    assert answer["services"] and all("Late Pharmacy" in s["name"] for s in answer["services"])
    assert any("bank holiday" in line for line in answer["explanation"])


def test_routine_booking_on_easter_monday_skips_the_bank_holiday(rules, directory):
    answer = run(rules, directory, age=45, reason="test_results", when=EASTER_MONDAY)
    assert answer["services"][0]["date"] == "2026-04-07"


def test_physio_asked_on_saturday_is_offered_on_monday(rules, directory):
    answer = run(rules, directory, age=40, reason="back_pain", when=SAT)
    assert answer["services"][0]["date"] == "2026-03-09"


def test_same_day_gp_is_the_persons_own_practice(rules, directory):
    answer = run(rules, directory, age=80, reason="confusion")
    assert [s["name"] for s in answer["services"]] == ["19 Beaumont Street: GP appointments"]


def test_practice_nurse_is_the_persons_own_practice(rules, directory):
    answer = run(rules, directory, age=70, reason="long_term_condition_review")
    assert answer["services"][0]["name"] == "19 Beaumont Street: practice nurse"


def test_social_prescribing_offers_the_link_worker_then_a_befriending_group(rules, directory):
    answer = run(rules, directory, age=70, reason="loneliness")
    assert kinds(directory, answer) == ["social_prescribing", "vcse_befriending"]


def test_minor_head_injury_late_at_night_falls_back_to_the_nearest_emergency_departments(rules, directory):
    answer = run(rules, directory, age=30, reason="head_injury", when="2026-03-02T23:30:00")
    assert answer["disposition"] == "urgent_treatment_centre"
    assert kinds(directory, answer) == ["emergency_department", "emergency_department"]
    assert answer["services"][0]["distance_km"] <= answer["services"][1]["distance_km"]
    assert any("Nothing suitable" in line for line in answer["explanation"])


def test_red_capacity_hides_a_service_and_the_catch_all_steps_in(rules, directory):
    full = dataclasses.replace(directory, services=dict(directory.services))
    for sid, s in full.services.items():
        if s.kind == "community_pharmacy":
            full.services[sid] = dataclasses.replace(s, capacity=Capacity(Rag.RED))
    answer = run(rules, full, age=30, reason="sore_throat")
    assert kinds(full, answer) == ["emergency_department", "emergency_department"]


def test_red_capacity_that_has_expired_no_longer_hides_a_service(rules, directory):
    lapsed = dataclasses.replace(directory, services=dict(directory.services))
    for sid, s in lapsed.services.items():
        if s.kind == "community_pharmacy":
            lapsed.services[sid] = dataclasses.replace(s, capacity=Capacity(Rag.RED, dt.datetime(2026, 3, 1)))
    answer = run(rules, lapsed, age=30, reason="sore_throat")
    assert kinds(lapsed, answer) == ["community_pharmacy", "community_pharmacy"]


def test_services_are_ranked_by_distance_from_where_the_person_lives(rules, directory):
    answer = run(rules, directory, age=30, reason="sore_throat", practice_code=None, postcode="OX16 1AB")
    distances = [s["distance_km"] for s in answer["services"]]
    assert distances == sorted(distances) and distances[0] < 5


def test_without_a_place_there_are_no_distances_but_still_services(rules, directory):
    answer = run(rules, directory, age=30, reason="sore_throat", practice_code=None)
    assert answer["services"] and all(s["distance_km"] is None for s in answer["services"])


@pytest.mark.parametrize(
    "vignette", [next(v for v in VIGNETTES if v[2] == d) for d in DISPOSITIONS], ids=list(DISPOSITIONS)
)
def test_every_answer_has_a_phone_route_for_people_who_cannot_use_the_digital_one(rules, directory, vignette):
    answer = run(rules, directory, **vignette[1])
    assert any(line.startswith("Phone") for line in answer["alternatives"])


def test_pharmacy_answer_offers_walking_in(rules, directory):
    answer = run(rules, directory, age=30, reason="sore_throat")
    assert any(line.startswith("Walk in") for line in answer["alternatives"])


def test_the_answer_explains_the_out_of_hours_move(rules, directory):
    answer = run(rules, directory, age=80, reason="confusion", when=MON_EVE)
    assert answer["rules"] == ["T51", "O01"]
    assert "closed" in answer["explanation"][1]
