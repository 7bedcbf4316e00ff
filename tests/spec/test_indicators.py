"""Outcome indicators: each indicator's monthly numerator and denominator (nhc.outcomes), summed to the
county, before disclosure control.

The months are January to March 2026 (``SPAN``); a month's population is everyone registered and alive
on its last day. ``county(t, id)`` runs the indicator's rules (``nhc.outcomes.report.cell_parts``) and
sums the cells to the county; codes are one-letter stand-ins for each codelist cluster (``CODES``).
"""

from __future__ import annotations

from nhc.outcomes.catalogue import BY_ID
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
        **{f"efi-d{i}": [f"E{i}"] for i in range(1, 10)},
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
            "clinical_events": [ev(1, "2026-02-05", "DM"), ev(2, "2020-01-01", "DM"), ev(3, "2020-01-01", "DM")],
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
