"""Outcome indicators: each indicator's monthly numerator and denominator (nhc.outcomes), summed to the
county, before disclosure control.

The months are January to March 2026 (``SPAN``); a month's population is everyone registered and alive
on its last day. ``county(t, id)`` runs the indicator's rules (``nhc.outcomes.report.cell_parts``) and
sums the cells to the county; codes are one-letter stand-ins for each codelist cluster (``CODES``).
"""

from __future__ import annotations

from nhc.outcomes.catalogue import BY_ID, EFI_CLUSTERS
from nhc.outcomes.months import Span, index_of
from nhc.outcomes.report import cell_parts
from nhc.outcomes.series import breakdowns

from .helpers import codelists, d, person

SPAN = Span(index_of(d("2026-01-01")), index_of(d("2026-03-01")))
JAN, FEB, MAR = d("2026-01-01"), d("2026-02-01"), d("2026-03-01")
CODES = codelists(
    {
        "dm_cod": ["DM"],
        "hyp_cod": ["HYP"],
        "copd_cod": ["COPD"],
        "ast_cod": ["AST"],
        "chd_cod": ["CHD"],
        "hba1c": ["A1C"],
        "systolic-blood-pressure": ["SBP"],
        "diastolic-blood-pressure": ["DBP"],
        "cholesterol": ["CHOL"],
        "creatinine": ["CREAT"],
        "urinary-albumin-creatinine-ratio": ["ACR"],
        "foot-surveillance": ["FOOT"],
        "bmi": ["BMI"],
        "smoking-status-never": ["NEVER"],
        "statins": ["STATIN"],
        "copd-review": ["CREV"],
        "asthma-review": ["AREV"],
        "multidisciplinary-team": ["MDT"],
        **{cluster: [f"E{i}"] for i, cluster in enumerate(EFI_CLUSTERS[:9], 1)},
    }
)
COLUMNS = ("indicator", "month", "numerator", "denominator")


def county(t, *ids):
    """The indicators' cells summed to the county: indicator, month, numerator, denominator."""
    parts = [q for _, q in cell_parts(t, [BY_ID[i] for i in ids], SPAN)]
    cells = parts[0]
    for p in parts[1:]:
        cells = cells.union(p)
    return breakdowns(cells, t.practices, ("county",))


def people(*rows: tuple[dict, dict]) -> dict[str, list[dict]]:
    return {"patients": [p for p, _ in rows], "practice_registrations": [r for _, r in rows]}


def ev(pid: int, date: str, code: str, value: float | None = None) -> dict:
    return {"patient_id": pid, "date": d(date), "snomed_code": code, "value": value}


def row(indicator: str, month, numerator: int, denominator: int) -> dict:
    return {"indicator": indicator, "month": month, "numerator": numerator, "denominator": denominator}


# --- rates ---------------------------------------------------------------------------------------


def test_emergency_admissions_count_in_their_month_over_the_month_end_population(spec):
    """An emergency admission counts in the month it starts, for a person registered and alive at the
    month's end; the denominator is everyone registered and alive then."""
    spec(
        given={
            **people(person(1, "1950-01-01"), person(2, "1980-01-01")),
            "encounters": [
                {"patient_id": 1, "type": "emergency_admission", "start_date": d("2026-02-10")},
                {"patient_id": 1, "type": "emergency_admission", "start_date": d("2026-02-20")},
                {"patient_id": 2, "type": "ae", "start_date": d("2026-02-20")},
            ],
        },
        call=lambda t: county(t, "emergency-admissions"),
        expect=[
            row("emergency-admissions", JAN, 0, 2),
            row("emergency-admissions", FEB, 2, 2),
            row("emergency-admissions", MAR, 0, 2),
        ],
    )


def test_a_death_takes_a_person_out_of_the_month_end_population(spec):
    """Someone who died on or before the month's end is not in that month's population, nor their
    events of that month; someone registered after a month's end is not in it either."""
    late = person(2, "1980-01-01")
    late[1]["start_date"] = d("2026-02-15")
    spec(
        given={
            **people(person(1, "1950-01-01"), late),
            "deaths": [{"patient_id": 1, "date_of_death": d("2026-02-28")}],
            "encounters": [{"patient_id": 1, "type": "ae", "start_date": d("2026-02-10")}],
        },
        call=lambda t: county(t, "ae-attendances"),
        expect=[
            row("ae-attendances", JAN, 0, 1),
            row("ae-attendances", FEB, 0, 1),
            row("ae-attendances", MAR, 0, 1),
        ],
    )


def test_ae_attendances_count_attendances_not_people(spec):
    """Each A&E attendance counts; an admission is not an attendance."""
    spec(
        given={
            **people(person(1, "1950-01-01")),
            "encounters": [
                {"patient_id": 1, "type": "ae", "start_date": d("2026-03-01")},
                {"patient_id": 1, "type": "ae", "start_date": d("2026-03-31")},
                {"patient_id": 1, "type": "emergency_admission", "start_date": d("2026-03-31")},
            ],
        },
        call=lambda t: county(t, "ae-attendances"),
        expect=[
            row("ae-attendances", JAN, 0, 1),
            row("ae-attendances", FEB, 0, 1),
            row("ae-attendances", MAR, 2, 1),
        ],
    )


def test_acs_admissions_count_people_on_an_acs_register_by_then(spec):
    """An emergency admission counts as ambulatory care sensitive when the person was on a chronic ACS
    register (here COPD, first coded in February) by the month's end."""
    spec(
        given={
            **people(person(1, "1950-01-01"), person(2, "1950-01-01")),
            "clinical_events": [ev(1, "2026-02-05", "COPD")],
            "codelists": CODES,
            "encounters": [
                {"patient_id": 1, "type": "emergency_admission", "start_date": d("2026-01-10")},
                {"patient_id": 1, "type": "emergency_admission", "start_date": d("2026-03-10")},
                {"patient_id": 2, "type": "emergency_admission", "start_date": d("2026-03-10")},
            ],
        },
        call=lambda t: county(t, "acs-admissions"),
        expect=[
            row("acs-admissions", JAN, 0, 2),
            row("acs-admissions", FEB, 0, 2),
            row("acs-admissions", MAR, 1, 2),
        ],
    )


# --- the National Diabetes Audit ------------------------------------------------------------------


def test_the_diabetes_register_starts_with_the_first_code_at_17_and_over(spec):
    """A person is on the diabetes register from the month of their first code, aged 17 or over at the
    month's end: a 16-year-old is not counted, one who turns 17 in March is from March."""
    spec(
        given={
            **people(person(1, "1950-01-01"), person(2, "2010-01-01"), person(3, "2009-03-15")),
            "clinical_events": [
                ev(1, "2026-02-05", "DM"),
                ev(2, "2020-01-01", "DM"),
                ev(3, "2020-01-01", "DM"),
            ],
            "codelists": CODES,
        },
        call=lambda t: county(t, "diabetes-hba1c"),
        expect=[row("diabetes-hba1c", FEB, 0, 1), row("diabetes-hba1c", MAR, 0, 2)],
    )


def test_hba1c_counts_in_the_15_months_to_the_month_end(spec):
    """The audit's window is the 15 calendar months ending with the month (for March 2026: 1 January
    2025 to 31 March 2026): an HbA1c of 31 December 2024 counts to February, one of 1 January 2025
    through March."""
    spec(
        given={
            **people(person(1, "1950-01-01"), person(2, "1950-01-01")),
            "clinical_events": [
                ev(1, "2000-01-01", "DM"),
                ev(2, "2000-01-01", "DM"),
                ev(1, "2024-12-31", "A1C", 50),
                ev(2, "2025-01-01", "A1C", 50),
            ],
            "codelists": CODES,
        },
        call=lambda t: county(t, "diabetes-hba1c"),
        expect=[
            row("diabetes-hba1c", JAN, 2, 2),
            row("diabetes-hba1c", FEB, 2, 2),
            row("diabetes-hba1c", MAR, 1, 2),
        ],
    )


def _diabetic(code: str, date: str = "2026-03-10", value: float | None = None) -> dict:
    """One person with diabetes (aged 76) and one event."""
    return {
        **people(person(1, "1950-01-01")),
        "clinical_events": [ev(1, "2000-01-01", "DM"), ev(1, date, code, value)],
        "codelists": CODES,
    }


def _march(indicator: str, numerator: int, denominator: int = 1) -> list[dict]:
    before = [row(indicator, m, 0, denominator) for m in (JAN, FEB)]
    return [*before, row(indicator, MAR, numerator, denominator)]


def test_blood_pressure_care_process_counts_a_systolic_or_diastolic(spec):
    """A systolic reading is a blood pressure recorded (as is a diastolic or a blood pressure code)."""
    spec(
        given=_diabetic("SBP", value=130),
        call=lambda t: county(t, "diabetes-blood-pressure"),
        expect=_march("diabetes-blood-pressure", 1),
    )


def test_cholesterol_care_process(spec):
    """A cholesterol in March counts from March."""
    spec(
        given=_diabetic("CHOL", value=4.1),
        call=lambda t: county(t, "diabetes-cholesterol"),
        expect=_march("diabetes-cholesterol", 1),
    )


def test_creatinine_care_process(spec):
    """A serum creatinine in March counts from March."""
    spec(
        given=_diabetic("CREAT", value=80),
        call=lambda t: county(t, "diabetes-creatinine"),
        expect=_march("diabetes-creatinine", 1),
    )


def test_urine_albumin_care_process(spec):
    """A urine albumin-creatinine ratio in March counts from March."""
    spec(
        given=_diabetic("ACR", value=2.5),
        call=lambda t: county(t, "diabetes-urine-albumin"),
        expect=_march("diabetes-urine-albumin", 1),
    )


def test_foot_surveillance_care_process(spec):
    """A foot surveillance code (no value) in March counts from March."""
    spec(
        given=_diabetic("FOOT"),
        call=lambda t: county(t, "diabetes-foot-surveillance"),
        expect=_march("diabetes-foot-surveillance", 1),
    )


def test_bmi_care_process(spec):
    """A BMI in March counts from March."""
    spec(
        given=_diabetic("BMI", value=31.2),
        call=lambda t: county(t, "diabetes-bmi"),
        expect=_march("diabetes-bmi", 1),
    )


def test_smoking_status_care_process_counts_any_status(spec):
    """A "never smoked" code is a smoking status recorded, as is current or ex."""
    spec(
        given=_diabetic("NEVER"),
        call=lambda t: county(t, "diabetes-smoking-status"),
        expect=_march("diabetes-smoking-status", 1),
    )


def test_all_eight_care_processes_need_every_one(spec):
    """Person 1 has all eight processes in the window; person 2 has seven (no foot surveillance)."""
    eight = ["A1C", "SBP", "CHOL", "CREAT", "ACR", "FOOT", "BMI", "NEVER"]
    events = [ev(p, "2000-01-01", "DM") for p in (1, 2)]
    events += [ev(1, "2025-06-01", c, 1.0) for c in eight]
    events += [ev(2, "2025-06-01", c, 1.0) for c in eight if c != "FOOT"]
    spec(
        given={
            **people(person(1, "1950-01-01"), person(2, "1950-01-01")),
            "clinical_events": events,
            "codelists": CODES,
        },
        call=lambda t: county(t, "diabetes-all-eight"),
        expect=[row("diabetes-all-eight", m, 1, 2) for m in (JAN, FEB, MAR)],
    )


def test_hba1c_target_reads_the_latest_value_of_those_measured(spec):
    """The latest HbA1c in the window decides (58 or less meets it; 59 after a 50 does not); a person
    with no HbA1c in the window is not in the denominator."""
    events = [ev(p, "2000-01-01", "DM") for p in (1, 2, 3)]
    events += [ev(1, "2025-10-01", "A1C", 50), ev(1, "2026-02-10", "A1C", 59)]
    events += [ev(2, "2025-12-01", "A1C", 58)]
    spec(
        given={
            **people(person(1, "1950-01-01"), person(2, "1950-01-01"), person(3, "1950-01-01")),
            "clinical_events": events,
            "codelists": CODES,
        },
        call=lambda t: county(t, "diabetes-hba1c-target"),
        expect=[
            row("diabetes-hba1c-target", JAN, 2, 2),
            row("diabetes-hba1c-target", FEB, 1, 2),
            row("diabetes-hba1c-target", MAR, 1, 2),
        ],
    )


def test_blood_pressure_target_is_140_over_80_or_less(spec):
    """140/80 meets the target; 140/81 and 141/80 do not."""
    bp = {1: (140, 80), 2: (140, 81), 3: (141, 80)}
    events = [ev(p, "2000-01-01", "DM") for p in bp]
    events += [ev(p, "2026-01-05", "SBP", s) for p, (s, _) in bp.items()]
    events += [ev(p, "2026-01-05", "DBP", di) for p, (_, di) in bp.items()]
    spec(
        given={
            **people(*(person(p, "1950-01-01") for p in bp)),
            "clinical_events": events,
            "codelists": CODES,
        },
        call=lambda t: county(t, "diabetes-bp-target"),
        expect=[row("diabetes-bp-target", m, 1, 3) for m in (JAN, FEB, MAR)],
    )


def test_statins_over_people_aged_40_and_over_or_with_cardiovascular_disease(spec):
    """The denominator is people with diabetes aged 40+ or with CVD at any age (person 3, 30, has CHD;
    person 4, 30, has none); the numerator those issued a statin in the 15 months."""
    events = [ev(p, "2000-01-01", "DM") for p in (1, 2, 3, 4)] + [ev(3, "2020-01-01", "CHD")]
    spec(
        given={
            **people(
                *(
                    person(p, dob)
                    for p, dob in ((1, "1950-01-01"), (2, "1950-01-01"), (3, "1996-01-01"), (4, "1996-01-01"))
                )
            ),
            "clinical_events": events,
            "medications": [
                {"patient_id": 1, "date": d("2025-01-15"), "dmd_code": "STATIN"},
                {"patient_id": 3, "date": d("2026-02-01"), "dmd_code": "STATIN"},
                {"patient_id": 4, "date": d("2026-02-01"), "dmd_code": "STATIN"},
            ],
            "codelists": CODES,
        },
        call=lambda t: county(t, "diabetes-statins"),
        expect=[
            row("diabetes-statins", JAN, 1, 3),
            row("diabetes-statins", FEB, 2, 3),
            row("diabetes-statins", MAR, 2, 3),
        ],
    )


# --- respiratory, hypertension, frailty, deaths ---------------------------------------------------


def test_copd_review_in_12_months(spec):
    """A COPD review of 15 February 2025 counts to January 2026 (the 12 months to 31 January 2026
    hold it), not in February."""
    spec(
        given={
            **people(person(1, "1950-01-01")),
            "clinical_events": [ev(1, "2010-01-01", "COPD"), ev(1, "2025-02-15", "CREV")],
            "codelists": CODES,
        },
        call=lambda t: county(t, "copd-review"),
        expect=[row("copd-review", JAN, 1, 1), row("copd-review", FEB, 0, 1), row("copd-review", MAR, 0, 1)],
    )


def test_asthma_review_over_people_aged_6_and_over(spec):
    """People with asthma aged 6+ (a 5-year-old is not counted); a review in 12 months counts."""
    spec(
        given={
            **people(person(1, "1990-01-01"), person(2, "2021-01-01")),
            "clinical_events": [
                ev(1, "2010-01-01", "AST"),
                ev(2, "2025-01-01", "AST"),
                ev(1, "2026-03-01", "AREV"),
            ],
            "codelists": CODES,
        },
        call=lambda t: county(t, "asthma-review"),
        expect=[
            row("asthma-review", JAN, 0, 1),
            row("asthma-review", FEB, 0, 1),
            row("asthma-review", MAR, 1, 1),
        ],
    )


def test_hypertension_controlled_to_the_target_for_age(spec):
    """Aged 79 or under the target is 140/90, aged 80 or over 150/90 (QOF HYP008/HYP009): 145/85 meets
    it at 80, not at 79; a person with no reading in 12 months stays in the denominator."""
    events = [ev(p, "2000-01-01", "HYP") for p in (1, 2, 3)]
    events += [ev(p, "2026-01-10", c, v) for p in (1, 2) for c, v in (("SBP", 145), ("DBP", 85))]
    spec(
        given={
            **people(person(1, "1946-01-01"), person(2, "1946-06-01"), person(3, "1950-01-01")),
            "clinical_events": events,
            "codelists": CODES,
        },
        call=lambda t: county(t, "hypertension-controlled"),
        expect=[row("hypertension-controlled", m, 1, 3) for m in (JAN, FEB, MAR)],
    )


def test_frailty_care_plan_counts_from_the_ninth_deficit(spec):
    """A person aged 65+ is moderately or severely frail from the month their ninth eFI deficit is
    first coded (here February); a care plan or MDT code in 12 months is the numerator."""
    events = [ev(1, "2020-01-01", f"E{i}") for i in range(1, 9)] + [ev(1, "2026-02-03", "E9")]
    events += [ev(1, "2026-03-20", "MDT")]
    spec(
        given={**people(person(1, "1940-01-01")), "clinical_events": events, "codelists": CODES},
        call=lambda t: county(t, "frailty-care-plan"),
        expect=[row("frailty-care-plan", FEB, 0, 1), row("frailty-care-plan", MAR, 1, 1)],
    )


def test_deaths_at_home_over_deaths_of_registered_people(spec):
    """Deaths in the month of people registered on the day they died; the numerator those at home."""
    spec(
        given={
            **people(person(1, "1930-01-01"), person(2, "1930-01-01"), person(3, "1930-01-01")),
            "deaths": [
                {"patient_id": 1, "date_of_death": d("2026-02-01"), "place_of_death": "home"},
                {"patient_id": 2, "date_of_death": d("2026-02-28"), "place_of_death": "hospital"},
                {"patient_id": 3, "date_of_death": d("2026-03-15"), "place_of_death": "care_home"},
            ],
        },
        call=lambda t: county(t, "deaths-at-home"),
        expect=[row("deaths-at-home", FEB, 1, 2), row("deaths-at-home", MAR, 0, 1)],
    )
