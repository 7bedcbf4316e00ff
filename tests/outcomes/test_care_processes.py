"""Spec tests of the person-level care processes (:mod:`nhc.outcomes.care_processes`) on every
engine: tiny tables in, the expected rows out, one behaviour per test. As of 31 March 2026 the
audit's 15-month window is 1 January 2025 to 31 March 2026."""

from __future__ import annotations

import ibis

from nhc.outcomes.care_processes import (
    ASTHMA,
    COPD,
    care_processes,
    due_next,
    on_register,
    window_start,
)
from tests.spec.helpers import arrow, codelists, d, load, rows

AS_OF = d("2026-03-31")
CODES = codelists(
    {
        "dm_cod": ["DM"],
        "hba1c": ["A1C"],
        "systolic-blood-pressure": ["SYS"],
        "diastolic-blood-pressure": ["DIA"],
        "cholesterol": ["CHOL"],
        "creatinine": ["CREAT"],
        "urinary-albumin-creatinine-ratio": ["ACR"],
        "foot-surveillance": ["FOOT"],
        "bmi": ["BMI"],
        "smoking-status-never": ["NEVER"],
        "statins": ["STATIN"],
        "copd-review": ["COPDREV"],
        "ast_cod": ["AST"],
    }
)
ALL_EIGHT = ("A1C", "SYS", "CHOL", "CREAT", "ACR", "FOOT", "BMI", "NEVER")


def _run(engine, events: list[dict], medicines: list[dict] = (), people=(1,), audit=None):
    people_t = ibis.memtable({"patient_id": list(people)}, schema={"patient_id": "int64"})
    expr = care_processes(
        people_t,
        load(engine, "clinical_events", arrow("clinical_events", events)),
        load(engine, "medications", arrow("medications", list(medicines))),
        load(engine, "codelists", CODES),
        AS_OF,
        *([audit] if audit else []),
    )
    return {r["patient_id"]: r for r in rows(engine, expr)}


def _ev(code: str, date: str, value: float | None = None, pid: int = 1) -> dict:
    return {"patient_id": pid, "date": d(date), "snomed_code": code, "value": value}


def test_the_window_is_the_fifteen_calendar_months_ending_with_the_as_of_month():
    assert window_start(AS_OF) == d("2025-01-01")
    assert window_start(d("2026-01-15")) == d("2024-11-01")


def test_a_process_on_the_first_day_of_the_window_counts_and_the_day_before_does_not(engine):
    got = _run(
        engine, [_ev("A1C", "2025-01-01", 50, pid=1), _ev("A1C", "2024-12-31", 50, pid=2)], people=(1, 2)
    )
    assert got[1]["last_hba1c"] == d("2025-01-01")
    assert got[2]["last_hba1c"] is None


def test_an_event_after_the_as_of_date_is_not_counted(engine):
    assert _run(engine, [_ev("BMI", "2026-04-01", 30)])[1]["last_bmi"] is None


def test_the_latest_date_of_each_process_is_reported(engine):
    got = _run(engine, [_ev("CHOL", "2025-03-01", 4), _ev("CHOL", "2025-11-20", 5)])[1]
    assert got["last_cholesterol"] == d("2025-11-20")
    assert got["value_cholesterol"] == 5


def test_all_eight_done_means_none_missing(engine):
    got = _run(engine, [_ev(c, "2025-06-01", 1) for c in ALL_EIGHT])[1]
    assert (got["processes_done"], got["processes_missing"]) == (8, 0)


def test_a_person_with_nothing_recorded_misses_all_eight(engine):
    got = _run(engine, [])[1]
    assert (got["processes_done"], got["processes_missing"]) == (0, 8)
    assert got["hba1c_target"] is None and got["bp_target"] is None and got["statin"] is False


def test_a_diastolic_alone_is_a_blood_pressure_process(engine):
    assert _run(engine, [_ev("DIA", "2025-06-01", 70)])[1]["processes_done"] == 1


def test_the_hba1c_target_reads_the_latest_reading_not_the_best(engine):
    got = _run(engine, [_ev("A1C", "2025-02-01", 48), _ev("A1C", "2026-02-01", 59)])[1]
    assert got["hba1c_target"] is False


def test_an_hba1c_of_58_meets_the_target(engine):
    assert _run(engine, [_ev("A1C", "2026-02-01", 58)])[1]["hba1c_target"] is True


def test_two_readings_on_the_latest_day_are_judged_by_the_higher(engine):
    got = _run(engine, [_ev("A1C", "2026-02-01", 50), _ev("A1C", "2026-02-01", 60)])[1]
    assert got["value_hba1c"] == 60 and got["hba1c_target"] is False


def test_blood_pressure_target_needs_both_at_or_below_140_over_80(engine):
    events = [
        _ev("SYS", "2026-01-01", 140, 1), _ev("DIA", "2026-01-01", 80, 1),
        _ev("SYS", "2026-01-01", 138, 2), _ev("DIA", "2026-01-01", 81, 2),
        _ev("SYS", "2026-01-01", 130, 3),
    ]  # fmt: skip
    got = _run(engine, events, people=(1, 2, 3))
    assert [got[p]["bp_target"] for p in (1, 2, 3)] == [True, False, None]


def test_a_statin_issued_in_the_window_meets_the_statin_target(engine):
    meds = [{"patient_id": 1, "date": d("2025-08-01"), "dmd_code": "STATIN"},
            {"patient_id": 2, "date": d("2024-08-01"), "dmd_code": "STATIN"}]  # fmt: skip
    got = _run(engine, [], meds, people=(1, 2))
    assert (got[1]["statin"], got[2]["statin"]) == (True, False)


def test_the_register_is_people_coded_17_and_over_registered_and_alive(engine):
    patients = [
        {"patient_id": 1, "date_of_birth": d("1960-01-01")},
        {"patient_id": 2, "date_of_birth": d("2009-04-01")},  # 16 on the as-of date
        {"patient_id": 3, "date_of_birth": d("1960-01-01")},  # died
        {"patient_id": 4, "date_of_birth": d("1960-01-01")},  # coded after the as-of date
        {"patient_id": 5, "date_of_birth": d("1960-01-01")},  # not coded
        {"patient_id": 6, "date_of_birth": d("2009-03-31")},  # 17 on the as-of date
    ]
    regs = [{"patient_id": p, "practice_code": "P1", "start_date": d("2000-01-01")} for p in range(1, 7)]
    events = [_ev("DM", "2020-01-01", pid=p) for p in (1, 2, 3, 6)] + [_ev("DM", "2026-04-01", pid=4)]
    expr = on_register(
        load(engine, "patients", arrow("patients", patients)),
        load(engine, "practice_registrations", arrow("practice_registrations", regs)),
        load(engine, "practices", arrow("practices", [{"practice_code": "P1", "neighbourhood": "N"}])),
        load(engine, "deaths", arrow("deaths", [{"patient_id": 3, "date_of_death": d("2026-01-01")}])),
        load(engine, "clinical_events", arrow("clinical_events", events)),
        load(engine, "codelists", CODES),
        AS_OF,
    )
    got = rows(engine, expr, ["patient_id", "age", "practice_code", "neighbourhood"])
    assert got == [
        {"patient_id": 1, "age": 66, "practice_code": "P1", "neighbourhood": "N"},
        {"patient_id": 6, "age": 17, "practice_code": "P1", "neighbourhood": "N"},
    ]


def test_processes_are_listed_soonest_due_first_missing_ones_due_now():
    row = {"last_hba1c": d("2025-05-10"), "last_bmi": d("2024-02-29")}
    got = due_next(row, AS_OF)
    assert [(p.group, p.due) for p in got] == [
        ("bmi", d("2025-02-28")),  # overdue: a year after 29 February is 28 February
        *((g, AS_OF) for g in ("bp", "cholesterol", "creatinine", "acr", "foot", "smoking")),
        ("hba1c", d("2026-05-10")),
    ]
    assert [p.done for p in got] == [True, *[False] * 6, True]


def test_a_copd_review_counts_in_the_12_months_ending_with_the_as_of_month(engine):
    events = [_ev("COPDREV", "2025-04-01", pid=1), _ev("COPDREV", "2025-03-31", pid=2)]
    got = _run(engine, events, people=(1, 2), audit=COPD)
    assert [(got[p]["last_copd_review"], got[p]["processes_missing"]) for p in (1, 2)] == [
        (d("2025-04-01"), 0),
        (None, 1),
    ]


def test_copd_has_no_treatment_targets(engine):
    got = _run(engine, [], audit=COPD)[1]
    assert "hba1c_target" not in got and "statin" not in got


def test_the_asthma_register_starts_at_age_6(engine):
    patients = [
        {"patient_id": 1, "date_of_birth": d("2020-03-31")},  # 6 on the as-of date
        {"patient_id": 2, "date_of_birth": d("2020-04-01")},  # 5
    ]
    regs = [{"patient_id": p, "practice_code": "P1", "start_date": d("2020-05-01")} for p in (1, 2)]
    expr = on_register(
        load(engine, "patients", arrow("patients", patients)),
        load(engine, "practice_registrations", arrow("practice_registrations", regs)),
        load(engine, "practices", arrow("practices", [{"practice_code": "P1", "neighbourhood": "N"}])),
        load(engine, "deaths", arrow("deaths", [])),
        load(
            engine,
            "clinical_events",
            arrow("clinical_events", [_ev("AST", "2024-01-01", pid=p) for p in (1, 2)]),
        ),
        load(engine, "codelists", CODES),
        AS_OF,
        ASTHMA,
    )
    assert rows(engine, expr, ["patient_id", "age"]) == [{"patient_id": 1, "age": 6}]


def test_a_review_is_due_a_year_after_it_was_done():
    got = due_next({"last_copd_review": d("2025-06-15")}, AS_OF, COPD)
    assert [(p.title, p.due) for p in got] == [("a COPD review", d("2026-06-15"))]
