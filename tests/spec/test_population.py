"""Population: who is in an analysis at the as-of date, and their age, geography and care-home status.

People with a registration current at as-of (latest start if several), born on or before it and not
dead on or before it. As-of is 2026-03-31 throughout.
"""

from __future__ import annotations

from nhc.analytics.rules import population

from .helpers import AS_OF, d


def _patient(pid: int, dob: str = "1980-01-01", **kw) -> dict:
    return {"patient_id": pid, "date_of_birth": d(dob), **kw}


def _registration(pid: int, start: str, end: str | None = None, practice: str = "P1") -> dict:
    return {
        "patient_id": pid,
        "practice_code": practice,
        "start_date": d(start),
        "end_date": d(end) if end else None,
    }


def _stay(pid: int, start: str, end: str | None = None) -> dict:
    return {"patient_id": pid, "start_date": d(start), "end_date": d(end) if end else None}


def test_registration_current_at_as_of(spec):
    """A registration counts when it starts on or before as-of and has no end or ends on or after it."""
    spec(
        given={
            "patients": [_patient(i) for i in range(1, 7)],
            "practice_registrations": [
                _registration(1, "2010-01-01"),  # open
                _registration(2, "2026-03-31"),  # starts on as-of
                _registration(3, "2010-01-01", "2026-03-31"),  # ends on as-of
                _registration(4, "2026-04-01"),  # starts the day after
                _registration(5, "2010-01-01", "2026-03-30"),  # ended the day before
                # 6 has no registration
            ],
        },
        call=lambda t: population.population(
            t.patients,
            t.practice_registrations,
            t.deaths,
            t.small_areas,
            t.practices,
            t.care_home_residence,
            AS_OF,
        ),
        expect=[{"patient_id": 1}, {"patient_id": 2}, {"patient_id": 3}],
    )


def test_latest_registration_start_wins(spec):
    """A person with several current registrations belongs to the practice of the latest start."""
    spec(
        given={
            "patients": [_patient(1), _patient(2)],
            "practice_registrations": [
                _registration(1, "2010-01-01", practice="P1"),
                _registration(1, "2020-06-01", practice="P2"),  # latest: wins
                _registration(2, "2019-01-01", practice="P2"),
                _registration(2, "2024-01-01", "2026-01-01", practice="P1"),  # later but ended
            ],
            "practices": [
                {"practice_code": "P1", "locality": "Oxford City", "neighbourhood": "N1"},
                {"practice_code": "P2", "locality": "Cherwell", "neighbourhood": "N2"},
            ],
        },
        call=lambda t: population.population(
            t.patients,
            t.practice_registrations,
            t.deaths,
            t.small_areas,
            t.practices,
            t.care_home_residence,
            AS_OF,
        ),
        expect=[
            {"patient_id": 1, "practice_code": "P2", "neighbourhood": "N2", "locality": "Cherwell"},
            {"patient_id": 2, "practice_code": "P2", "neighbourhood": "N2", "locality": "Cherwell"},
        ],
    )


def test_a_death_on_or_before_as_of_excludes(spec):
    """A death on or before as-of takes a person out; a death recorded after as-of does not."""
    spec(
        given={
            "patients": [_patient(i) for i in range(1, 5)],
            "practice_registrations": [_registration(i, "2010-01-01") for i in range(1, 5)],
            "deaths": [
                {"patient_id": 1, "date_of_death": d("2025-12-01")},
                {"patient_id": 2, "date_of_death": d("2026-03-31")},  # on as-of: out
                {"patient_id": 3, "date_of_death": d("2026-04-01")},  # after as-of: still in
            ],
        },
        call=lambda t: population.population(
            t.patients,
            t.practice_registrations,
            t.deaths,
            t.small_areas,
            t.practices,
            t.care_home_residence,
            AS_OF,
        ),
        expect=[{"patient_id": 3}, {"patient_id": 4}],
    )


def test_people_born_after_as_of_are_not_in(spec):
    """Someone born after as-of (a registration dated ahead) is not in; born on as-of is, aged 0."""
    spec(
        given={
            "patients": [_patient(1, "2026-03-31"), _patient(2, "2026-04-01")],
            "practice_registrations": [_registration(1, "2026-03-31"), _registration(2, "2026-03-31")],
        },
        call=lambda t: population.population(
            t.patients,
            t.practice_registrations,
            t.deaths,
            t.small_areas,
            t.practices,
            t.care_home_residence,
            AS_OF,
        ),
        expect=[{"patient_id": 1, "age": 0, "age_band": "0-17"}],
    )


def test_care_home_resident_at_as_of(spec):
    """In a care home when a stay starts on or before as-of and has no end or ends on or after it."""
    spec(
        given={
            "patients": [_patient(i) for i in range(1, 8)],
            "practice_registrations": [_registration(i, "2010-01-01") for i in range(1, 8)],
            "care_home_residence": [
                _stay(1, "2024-01-01"),  # open stay
                _stay(2, "2026-03-31"),  # moved in on as-of
                _stay(3, "2024-01-01", "2026-03-31"),  # left on as-of
                _stay(4, "2024-01-01", "2026-03-30"),  # left the day before
                _stay(5, "2026-04-01"),  # moves in after as-of
                _stay(6, "2020-01-01", "2021-01-01"),  # an old stay and a current one: one row
                _stay(6, "2025-01-01"),
                # 7 never in a care home
            ],
        },
        call=lambda t: population.population(
            t.patients,
            t.practice_registrations,
            t.deaths,
            t.small_areas,
            t.practices,
            t.care_home_residence,
            AS_OF,
        ),
        expect=[
            {"patient_id": 1, "care_home": True},
            {"patient_id": 2, "care_home": True},
            {"patient_id": 3, "care_home": True},
            {"patient_id": 4, "care_home": False},
            {"patient_id": 5, "care_home": False},
            {"patient_id": 6, "care_home": True},
            {"patient_id": 7, "care_home": False},
        ],
    )


def test_age_in_whole_years_at_as_of(spec):
    """Age is whole years at as-of: a birthday on as-of counts, one the day after does not."""
    spec(
        given={
            "patients": [
                _patient(1, "1956-03-31"),  # 70th birthday on as-of
                _patient(2, "1956-04-01"),  # 70 tomorrow
                _patient(3, "1956-03-30"),
                _patient(4, "2024-02-29"),  # born on a leap day
                _patient(5, "1926-12-31"),
            ],
            "practice_registrations": [_registration(i, "2010-01-01") for i in range(1, 6)],
        },
        call=lambda t: population.population(
            t.patients,
            t.practice_registrations,
            t.deaths,
            t.small_areas,
            t.practices,
            t.care_home_residence,
            AS_OF,
        ),
        expect=[
            {"patient_id": 1, "age": 70},
            {"patient_id": 2, "age": 69},
            {"patient_id": 3, "age": 70},
            {"patient_id": 4, "age": 2},
            {"patient_id": 5, "age": 99},
        ],
    )


def test_age_bands(spec):
    """Age bands 0-17, 18-44, 45-64, 65-74, 75-84, 85+ (each band's first and last age)."""
    # (age at as-of, band): born on as-of's day and month, so the age is exact
    ages = [
        (17, "0-17"),
        (18, "18-44"),
        (44, "18-44"),
        (45, "45-64"),
        (64, "45-64"),
        (65, "65-74"),
        (74, "65-74"),
        (75, "75-84"),
        (84, "75-84"),
        (85, "85+"),
        (104, "85+"),
    ]
    spec(
        given={
            "patients": [_patient(i, f"{2026 - age}-03-31") for i, (age, _) in enumerate(ages, 1)],
            "practice_registrations": [_registration(i, "2010-01-01") for i in range(1, len(ages) + 1)],
        },
        call=lambda t: population.population(
            t.patients,
            t.practice_registrations,
            t.deaths,
            t.small_areas,
            t.practices,
            t.care_home_residence,
            AS_OF,
        ),
        expect=[{"patient_id": i, "age": age, "age_band": band} for i, (age, band) in enumerate(ages, 1)],
    )


def test_imd_decile_and_quintile_from_the_small_area(spec):
    """IMD comes from the person's small area: quintile = deciles paired (1-2 -> 1 ... 9-10 -> 5,
    1 = most deprived); a small area not in the lake leaves both empty."""
    deciles = {"SA1": 1, "SA2": 2, "SA3": 3, "SA6": 6, "SA9": 9, "SA10": 10}
    people = [*deciles, "SA99"]
    spec(
        given={
            "patients": [_patient(i, small_area_code=sa) for i, sa in enumerate(people, 1)],
            "practice_registrations": [_registration(i, "2010-01-01") for i in range(1, len(people) + 1)],
            "small_areas": [
                {"small_area_code": sa, "locality": "L", "neighbourhood": "N", "imd_decile": dec}
                for sa, dec in deciles.items()
            ],
        },
        call=lambda t: population.population(
            t.patients,
            t.practice_registrations,
            t.deaths,
            t.small_areas,
            t.practices,
            t.care_home_residence,
            AS_OF,
        ),
        expect=[
            {"patient_id": 1, "small_area_code": "SA1", "imd_decile": 1, "imd_quintile": 1},
            {"patient_id": 2, "small_area_code": "SA2", "imd_decile": 2, "imd_quintile": 1},
            {"patient_id": 3, "small_area_code": "SA3", "imd_decile": 3, "imd_quintile": 2},
            {"patient_id": 4, "small_area_code": "SA6", "imd_decile": 6, "imd_quintile": 3},
            {"patient_id": 5, "small_area_code": "SA9", "imd_decile": 9, "imd_quintile": 5},
            {"patient_id": 6, "small_area_code": "SA10", "imd_decile": 10, "imd_quintile": 5},
            {"patient_id": 7, "small_area_code": "SA99", "imd_decile": None, "imd_quintile": None},
        ],
    )


def test_neighbourhood_and_locality_come_from_the_practice(spec):
    """Neighbourhood and locality are the practice's (teams are built from practices), not the home
    small area's; a practice not in the lake reads "Unknown"."""
    spec(
        given={
            "patients": [_patient(1, small_area_code="SA1"), _patient(2, small_area_code="SA1")],
            "practice_registrations": [
                _registration(1, "2010-01-01", practice="P1"),
                _registration(2, "2010-01-01", practice="PX"),
            ],
            "small_areas": [
                {
                    "small_area_code": "SA1",
                    "locality": "Cherwell",
                    "neighbourhood": "Banbury",
                    "imd_decile": 4,
                }
            ],
            "practices": [{"practice_code": "P1", "locality": "Oxford City", "neighbourhood": "N1"}],
        },
        call=lambda t: population.population(
            t.patients,
            t.practice_registrations,
            t.deaths,
            t.small_areas,
            t.practices,
            t.care_home_residence,
            AS_OF,
        ),
        expect=[
            {"patient_id": 1, "practice_code": "P1", "neighbourhood": "N1", "locality": "Oxford City"},
            {"patient_id": 2, "practice_code": "PX", "neighbourhood": "Unknown", "locality": "Unknown"},
        ],
    )
