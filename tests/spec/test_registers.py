"""Registers: QOF-style condition registers from the coded-event summary: clusters, age limits,
recorded-since dates, resolution codes; future-dated and unknown codes do not count.

Each spec gives the events, the codelists and each person's age at as-of (the population's
``age``).
"""

from __future__ import annotations

from nhc.analytics.rules import coded, registers

from .helpers import AS_OF, d


def _events(*rows: tuple[int, str, str]) -> list[dict]:
    return [{"patient_id": pid, "date": d(date), "snomed_code": code} for pid, date, code in rows]


def test_age_limits(spec):
    """A register's age limit is met at as-of: diabetes from 17, CKD from 18, asthma from 6."""
    spec(
        given={
            "clinical_events": _events(
                (1, "2020-01-01", "DM1"),
                (2, "2020-01-01", "DM1"),
                (3, "2020-01-01", "CKD3"),
                (4, "2020-01-01", "CKD3"),
                (12, "2025-01-01", "AST"),
            ),
            "codelists": [
                {"code": "DM1", "cluster": "dm_cod"},
                {"code": "CKD3", "cluster": "ckd_cod"},
                {"code": "AST", "cluster": "ast_cod"},
            ],
            "population": [
                {"patient_id": 1, "age": 17},  # 17 on as-of (birthday on the day): on
                {"patient_id": 2, "age": 16},
                {"patient_id": 3, "age": 17},  # too young for CKD
                {"patient_id": 4, "age": 76},
                {"patient_id": 12, "age": 4},  # too young for asthma
            ],
        },
        call=lambda t: registers.registers(
            coded.cluster_summary(t.clinical_events, t.codelists, AS_OF), t.population, AS_OF
        ),
        expect=[
            {
                "patient_id": 1,
                "register": "diabetes",
                "first_date": d("2020-01-01"),
                "last_date": d("2020-01-01"),
                "code": "DM1",
            },
            {
                "patient_id": 4,
                "register": "ckd",
                "first_date": d("2020-01-01"),
                "last_date": d("2020-01-01"),
                "code": "CKD3",
            },
        ],
    )


def test_recorded_since_dates(spec):
    """Depression counts when coded on or after 2006-04-01; cancer when first diagnosed on or after
    2003-04-01 (a diagnosis in 2002 keeps a person off even when coded again later)."""
    spec(
        given={
            "clinical_events": _events(
                (5, "2006-03-31", "DEP"),
                (6, "2006-04-01", "DEP"),
                (7, "2002-06-01", "CA"),
                (7, "2010-06-01", "CA"),
            ),
            "codelists": [{"code": "DEP", "cluster": "depr_cod"}, {"code": "CA", "cluster": "c19can_cod"}],
            "population": [
                {"patient_id": 5, "age": 56},
                {"patient_id": 6, "age": 56},
                {"patient_id": 7, "age": 66},
            ],
        },
        call=lambda t: registers.registers(
            coded.cluster_summary(t.clinical_events, t.codelists, AS_OF), t.population, AS_OF
        ),
        expect=[
            {
                "patient_id": 6,
                "register": "depression",
                "first_date": d("2006-04-01"),
                "last_date": d("2006-04-01"),
                "code": "DEP",
            },
        ],
    )


def test_a_later_resolution_code_takes_a_person_off(spec):
    """Palliative care then "no longer indicated" later: off; palliative care again after it: on."""
    spec(
        given={
            "clinical_events": _events(
                (8, "2020-01-01", "PAL"),
                (8, "2021-01-01", "PALNI"),
                (9, "2020-01-01", "PALNI"),
                (9, "2021-01-01", "PAL"),
            ),
            "codelists": [
                {"code": "PAL", "cluster": "palcare_cod"},
                {"code": "PALNI", "cluster": "palcareni_cod"},
            ],
            "population": [{"patient_id": 8, "age": 66}, {"patient_id": 9, "age": 66}],
        },
        call=lambda t: registers.registers(
            coded.cluster_summary(t.clinical_events, t.codelists, AS_OF), t.population, AS_OF
        ),
        expect=[
            {
                "patient_id": 9,
                "register": "palliative_care",
                "first_date": d("2021-01-01"),
                "last_date": d("2021-01-01"),
                "code": "PAL",
            },
        ],
    )


def test_dates_and_code_of_a_register_entry(spec):
    """An entry carries the first and last diagnosis dates and the first code; a code dated after
    as-of and a code in no codelist do not count."""
    spec(
        given={
            "clinical_events": _events(
                (10, "2026-04-01", "HYP"),  # only in the future: off
                (10, "2020-01-01", "NOT_A_CODE"),
                (11, "2019-01-01", "HYP2"),
                (11, "2024-05-05", "HYP"),
            ),
            "codelists": [{"code": "HYP", "cluster": "hyp_cod"}, {"code": "HYP2", "cluster": "hyp_cod"}],
            "population": [{"patient_id": 10, "age": 66}, {"patient_id": 11, "age": 66}],
        },
        call=lambda t: registers.registers(
            coded.cluster_summary(t.clinical_events, t.codelists, AS_OF), t.population, AS_OF
        ),
        expect=[
            {
                "patient_id": 11,
                "register": "hypertension",
                "first_date": d("2019-01-01"),
                "last_date": d("2024-05-05"),
                "code": "HYP2",
            },
        ],
    )


def test_register_flags(spec):
    """One row per person: the register names sorted and joined, a flag per register, and the count
    of long-term conditions (palliative care is a register but not a long-term condition)."""
    entry = {"first_date": d("2020-01-01"), "last_date": d("2020-01-01"), "code": "c"}
    spec(
        given={
            "registers": [
                {"patient_id": 1, "register": "hypertension", **entry},
                {"patient_id": 1, "register": "ckd", **entry},
                {"patient_id": 1, "register": "diabetes", **entry},
                {"patient_id": 1, "register": "palliative_care", **entry},
                {"patient_id": 2, "register": "asthma", **entry},
            ]
        },
        call=lambda t: registers.register_flags(t.registers),
        expect=[
            {
                "patient_id": 1,
                "registers": "ckd; diabetes; hypertension; palliative_care",
                "ltc_count": 3,
                "reg_ckd": True,
            },
            {"patient_id": 2, "registers": "asthma", "ltc_count": 1, "reg_ckd": False},
        ],
    )


def test_register_rules_are_documented():
    """Every register names its clusters and its source, and each name is used once."""
    for r in registers.REGISTERS:
        assert r.clusters, r.name
        assert r.source
    assert len(set(registers.REGISTER_NAMES)) == len(registers.REGISTERS)
