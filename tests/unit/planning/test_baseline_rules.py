"""The baseline rules on every engine: activity per cell in the 12 months to as-of, bed days, people by age."""

from __future__ import annotations

import datetime as dt

from nhc.planning import baseline
from tests.spec.helpers import arrow, load, rows

AS_OF = dt.date(2026, 3, 31)
DAY = dt.timedelta(days=1)


def _person(
    pid: int, png: int, age: int, sex: str = "F", imd: int | None = 3, age_band: str = "75-84"
) -> dict:
    return {
        "patient_id": pid,
        "as_of": AS_OF,
        "png": png,
        "png_name": f"group {png}",
        "band": "high" if png >= 10 else "low",
        "age": age,
        "age_band": age_band,
        "sex": sex,
        "imd_quintile": imd,
    }


def _enc(pid: int, typ: str, start: dt.date, end: dt.date | None = None) -> dict:
    return {"patient_id": pid, "type": typ, "start_date": start, "end_date": end, "provider_code": "P1"}


def _tables(engine, people: list[dict], encounters: list[dict]):
    insights = load(engine, "patient_insights", arrow("patient_insights", people))
    enc = load(engine, "encounters", arrow("encounters", encounters))
    return insights, enc


PEOPLE = [_person(1, 11, 80), _person(2, 11, 81), _person(3, 3, 30, imd=1, age_band="18-44")]
ENCOUNTERS = [
    _enc(1, "emergency_admission", AS_OF - 10 * DAY, AS_OF - 6 * DAY),  # 4 bed days
    _enc(1, "emergency_admission", AS_OF - 3 * DAY, AS_OF - 3 * DAY),  # same day: 0 bed days
    _enc(2, "gp", AS_OF),  # on as-of: counts
    _enc(2, "gp", AS_OF - 365 * DAY),  # 365 days before: outside the 12 months
    _enc(3, "ae", AS_OF - DAY),
    _enc(9, "ae", AS_OF - DAY),  # not in the population: not attributed
]


def test_cells_count_people_and_activity_in_the_12_months(engine):
    """Each cell has its people as person-years and its activity by setting; bed days are discharge
    minus admission; a person outside the population is not counted."""
    insights, enc = _tables(engine, PEOPLE, ENCOUNTERS)
    got = sorted(rows(engine, baseline.baseline_cells(insights, enc, AS_OF)), key=lambda r: r["png"])
    zero = {s: 0 for s in baseline.COUNTED}
    assert got == [
        {
            "png": 3,
            "png_name": "group 3",
            "band": "low",
            "age_band": "18-44",
            "sex": "F",
            "imd_quintile": 1,
            "person_years": 1,
            **zero,
            "ae": 1,
        },
        {
            "png": 11,
            "png_name": "group 11",
            "band": "high",
            "age_band": "75-84",
            "sex": "F",
            "imd_quintile": 3,
            "person_years": 2,
            **zero,
            "gp": 1,
            "emergency_admission": 2,
            "bed_days": 4,
        },
    ]


def test_people_by_single_year_of_age_cap_at_100(engine):
    """People are counted by sex and single year of age; 100 and over are one age, 100."""
    people = [_person(1, 11, 80), _person(2, 11, 103, sex="M"), _person(3, 11, 100, sex="M")]
    insights, _ = _tables(engine, people, [])
    got = rows(engine, baseline.population_by_age(insights))
    assert got == [{"sex": "F", "age": 80, "persons": 1}, {"sex": "M", "age": 100, "persons": 2}]


def test_coverage_says_how_much_activity_is_attributed(engine):
    """Coverage gives all the year's activity and the part belonging to the population."""
    insights, enc = _tables(engine, PEOPLE, ENCOUNTERS)
    (got,) = rows(engine, baseline.coverage(insights, enc, AS_OF))
    assert (got["ae__total"], got["ae__attributed"]) == (2, 1)
    assert (got["bed_days__total"], got["bed_days__attributed"]) == (4, 4)
    assert (got["gp__total"], got["gp__attributed"]) == (1, 1)


def test_empty_encounters_give_zero_activity(engine):
    """People with no encounters still have their cell, with zero activity."""
    insights, _ = _tables(engine, PEOPLE[:1], [])
    enc = load(engine, "encounters", arrow("encounters", []))
    (got,) = rows(engine, baseline.baseline_cells(insights, enc, AS_OF))
    assert got["person_years"] == 1 and all(got[s] == 0 for s in baseline.COUNTED)


def test_an_unknown_imd_quintile_reads_0(duckdb_engine):
    """A person whose small area has no IMD quintile is in quintile 0 ("not known"), not dropped.

    DuckDB only: an in-memory input table reaches Spark through pandas, which loses the values of
    a nullable integer column that has a null (the lake's Parquet files do not go that way)."""
    people = [_person(1, 11, 80, imd=None), _person(2, 11, 80, imd=2)]
    insights, enc = _tables(duckdb_engine, people, [])
    got = rows(duckdb_engine, baseline.baseline_cells(insights, enc, AS_OF))
    assert sorted((r["imd_quintile"], r["person_years"]) for r in got) == [(0, 1), (2, 1)]
