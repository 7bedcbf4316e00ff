"""The monthly population counted two ways agrees: per registration's run of months in each age band
(:func:`population_cells`, fast) and per person-month (:func:`registered_months`, plain), on every
engine, over the edges: births, deaths and registrations ending on a month's last day, a move between
practices, birthdays into a new band and a leap-day birthday in a common year."""

from __future__ import annotations

from nhc.outcomes.months import CELL, Span, index_of, population_cells, registered_months
from tests.spec.helpers import arrow, d, load, rows

SPAN = Span(index_of(d("2025-11-01")), index_of(d("2026-04-01")))  # November 2025 to April 2026
BORN = {
    1: "2008-02-28",  # 18 on 28 February 2026
    2: "2008-02-29",  # no 29 February in 2026: 18 from March
    3: "1981-03-31",  # 45 on 31 March 2026, the month's last day
    4: "2025-12-15",  # born and registered in December
    5: "1940-05-01",  # dies on 31 January 2026
    6: "1990-06-01",  # moves from P1 to P2 in January
    7: "1950-06-01",  # registration ends on 28 February 2026
}
REGISTRATIONS = [
    *({"patient_id": p, "practice_code": "P1", "start_date": d("2000-01-01")} for p in (1, 2, 3, 5)),
    {"patient_id": 4, "practice_code": "P1", "start_date": d("2025-12-20")},
    {"patient_id": 6, "practice_code": "P1", "start_date": d("2000-01-01"), "end_date": d("2026-01-14")},
    {"patient_id": 6, "practice_code": "P2", "start_date": d("2026-01-15")},
    {"patient_id": 7, "practice_code": "P1", "start_date": d("2000-01-01"), "end_date": d("2026-02-28")},
]


def _tables(engine):
    area = {"small_area_code": "SA1", "imd_decile": 3, "neighbourhood": "N", "locality": "L"}
    given = {
        "patients": arrow("patients", [{"patient_id": p, "date_of_birth": d(b)} for p, b in BORN.items()]),
        "practice_registrations": arrow("practice_registrations", REGISTRATIONS),
        "deaths": arrow("deaths", [{"patient_id": 5, "date_of_death": d("2026-01-31")}]),
        "small_areas": arrow("small_areas", [area]),
    }
    return [load(engine, n, t) for n, t in given.items()]


def test_runs_of_months_count_what_person_months_count(engine):
    tables = _tables(engine)
    grid = registered_months(*tables, SPAN)
    plain = rows(engine, grid.group_by(list(CELL)).aggregate(people=grid.count()))
    fast = rows(engine, population_cells(*tables, SPAN))
    assert fast == plain
    # six months each for 1, 2, 3 and 6; person 4 from December (5), 5 to December (2), 7 to February (4)
    assert sum(r["people"] for r in fast) == 35


def test_bands_in_march_2026(engine):
    """In March 2026: person 4 is 0-17; 1, 2 and 6 are 18-44; 3 is 45-64 (5 has died, 7 has left)."""
    fast = rows(engine, population_cells(*_tables(engine), SPAN))
    march: dict[int, int] = {}
    for r in fast:
        if r["month"] == SPAN.last - 1:
            march[r["age_band"]] = march.get(r["age_band"], 0) + r["people"]
    assert march == {0: 1, 1: 3, 2: 1}


def test_a_leap_day_birthday_counts_from_the_first_of_march(engine):
    """Born 29 February 2008: 17 at the end of February 2026 (no 29th), 18 at the end of March."""
    grid = registered_months(*_tables(engine), SPAN)
    got = rows(engine, grid.filter(grid.patient_id == 2).select("month", "age"), sort=["month"])
    assert [r["age"] for r in got] == [17, 17, 17, 17, 18, 18]
