"""Registers: clusters, age limits, recorded-since dates, resolution, future-dated and unknown codes."""

from __future__ import annotations

from nhc.analytics import coded, population, registers

from .helpers import AS_OF, World, codelists, d, load, person, rows

CODES = codelists(
    {
        "dm_cod": ["DM1"],
        "ckd_cod": ["CKD3"],
        "depr_cod": ["DEP"],
        "c19can_cod": ["CA"],
        "palcare_cod": ["PAL"],
        "palcareni_cod": ["PALNI"],
        "hyp_cod": ["HYP", "HYP2"],
        "ast_cod": ["AST"],
    }
)


def _run(engine, patients, events, flags=False):
    p = [person(pid, dob)[0] for pid, dob in patients]
    r = [person(pid, dob)[1] for pid, dob in patients]
    w = World(
        engine,
        patients=p,
        practice_registrations=r,
        clinical_events=[{"patient_id": pid, "date": d(dt), "snomed_code": c} for pid, dt, c in events],
    )
    cl = load(engine, "codes", CODES)
    summary = coded.cluster_summary(w["clinical_events"], cl, AS_OF)
    pop = population.population(
        w["patients"],
        w["practice_registrations"],
        w["deaths"],
        w["small_areas"],
        w["practices"],
        w["care_home_residence"],
        AS_OF,
    )
    regs = registers.registers(summary, pop, AS_OF)
    if flags:
        return rows(
            engine, registers.register_flags(regs), ["patient_id", "registers", "ltc_count", "reg_ckd"]
        )
    return rows(engine, regs, ["patient_id", "register", "first_date", "last_date", "code"])


def test_registers_rules(engine):
    patients = [
        (1, "2009-03-31"),  # 17 on as-of (birthday on the day) -> on diabetes register
        (2, "2009-04-01"),  # 16 -> too young for diabetes
        (3, "2008-04-01"),  # 17 -> too young for CKD (18+)
        (4, "1950-01-01"),  # CKD 3 -> on
        (5, "1970-01-01"),  # depression last coded before 2006-04-01 -> off; 6 coded on it -> on
        (6, "1970-01-01"),
        (7, "1960-01-01"),  # cancer first diagnosed 2002 -> off even though coded again later
        (8, "1960-01-01"),  # palliative care then "no longer indicated" later -> off
        (9, "1960-01-01"),  # palliative care after the "no longer indicated" -> on
        (10, "1960-01-01"),  # hypertension only in the future -> off; unknown code ignored
        (11, "1960-01-01"),  # two hypertension codes -> first/last dates, first code
        (12, "2022-01-01"),  # asthma at 4 -> too young (6+)
    ]
    events = [
        (1, "2020-01-01", "DM1"),
        (2, "2020-01-01", "DM1"),
        (3, "2020-01-01", "CKD3"),
        (4, "2020-01-01", "CKD3"),
        (5, "2006-03-31", "DEP"),
        (6, "2006-04-01", "DEP"),
        (7, "2002-06-01", "CA"),
        (7, "2010-06-01", "CA"),
        (8, "2020-01-01", "PAL"),
        (8, "2021-01-01", "PALNI"),
        (9, "2020-01-01", "PALNI"),
        (9, "2021-01-01", "PAL"),
        (10, "2026-04-01", "HYP"),
        (10, "2020-01-01", "NOT_A_CODE"),
        (11, "2019-01-01", "HYP2"),
        (11, "2024-05-05", "HYP"),
        (12, "2025-01-01", "AST"),
    ]
    got = _run(engine, patients, events)
    assert got == [
        {
            "patient_id": 1,
            "register": "diabetes",
            "first_date": d("2020-01-01"),
            "last_date": d("2020-01-01"),
            "code": "DM1",
        },
        {
            "patient_id": 11,
            "register": "hypertension",
            "first_date": d("2019-01-01"),
            "last_date": d("2024-05-05"),
            "code": "HYP2",
        },
        {
            "patient_id": 4,
            "register": "ckd",
            "first_date": d("2020-01-01"),
            "last_date": d("2020-01-01"),
            "code": "CKD3",
        },
        {
            "patient_id": 6,
            "register": "depression",
            "first_date": d("2006-04-01"),
            "last_date": d("2006-04-01"),
            "code": "DEP",
        },
        {
            "patient_id": 9,
            "register": "palliative_care",
            "first_date": d("2021-01-01"),
            "last_date": d("2021-01-01"),
            "code": "PAL",
        },
    ]


def test_register_flags(engine):
    got = _run(
        engine,
        [(1, "1950-01-01"), (2, "1950-01-01")],
        [
            (1, "2020-01-01", "HYP"),
            (1, "2020-01-01", "CKD3"),
            (1, "2021-01-01", "DM1"),
            (1, "2021-01-01", "PAL"),
            (2, "2020-01-01", "AST"),
        ],
        flags=True,
    )
    assert got == [
        # sorted names; palliative care is not a long-term condition
        {
            "patient_id": 1,
            "registers": "ckd; diabetes; hypertension; palliative_care",
            "ltc_count": 3,
            "reg_ckd": True,
        },
        {"patient_id": 2, "registers": "asthma", "ltc_count": 1, "reg_ckd": False},
    ]


def test_register_rules_are_documented():
    for r in registers.REGISTERS:
        assert r.clusters, r.name
        assert r.source
    assert len(set(registers.REGISTER_NAMES)) == len(registers.REGISTERS)
