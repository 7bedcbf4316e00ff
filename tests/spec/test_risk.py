"""Risk model: who it learns from, how their outcome is labelled, and each person's factor text.

Features describe a person one year before as-of (the feature date, 2025-03-31); the outcome is one or
more emergency admissions in the following 365 days (the outcome year, which ends at as-of).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from nhc.analytics.rules import population, risk, utilisation

from .helpers import AS_OF, d, load

FEATURE_DATE = d("2025-03-31")


def test_training_sample_is_the_same_people_on_every_engine(engine):
    """The training sample is chosen by a multiplicative hash of patient_id in integer arithmetic:
    the same people on every engine, about the fraction asked for, independent of the held-out
    split."""
    ids = np.concatenate([np.arange(1, 5001), [9_990_000_001, 4_000_000_000_123]]).astype(np.int64)
    t = load(engine, "ids", pa.table({"patient_id": ids}))
    picked = engine.to_arrow(t.filter(risk.in_training_sample(t.patient_id, 0.25)))
    got = sorted(picked.column("patient_id").to_pylist())
    # the rule, worked in Python integers: hash bucket below a quarter of 2**32
    expected = sorted(int(i) for i in ids if ((int(i) % 1_000_003) * 2_654_435_761) % 2**32 < 2**30)
    assert got == expected
    assert 0.22 < len(got) / len(ids) < 0.28
    # ids used in the held-out split are independent of the sample: about one in five of each
    assert 0.17 < risk.is_test(np.array(got)).mean() < 0.23
    everyone = engine.to_arrow(t.filter(risk.in_training_sample(t.patient_id, 1.0)))
    assert everyone.num_rows == len(ids)


def test_sample_fraction():
    """Everyone up to 200,000 people; above that, the fraction that gives about 200,000."""
    assert risk.sample_fraction(150_000) == 1.0
    assert risk.sample_fraction(800_000, 200_000) == 0.25


def _labels(*names: str) -> list[int]:
    return [risk.FEATURE_NAMES.index(n) for n in names]


def test_factor_text_orders_rounds_and_drops_small_contributions():
    """A person's factors: the three largest positive contributions, largest first (ties in feature
    order), rounded to 2 decimals; none above 0.005 reads "no factor above average"."""
    k = len(risk.FEATURE_NAMES)
    c = np.zeros((4, k))
    age, ae, ea, female = _labels("age_decades", "ae_12m", "emergency_admissions_12m", "female")
    c[0, [age, ae, ea, female]] = [0.2, 1.234, 0.5, 0.1]  # four positive: top three, largest first
    c[1, [age, ae]] = [0.004, -2.0]  # nothing above 0.005
    c[2, [ae, ea]] = [0.3, 0.3]  # a tie: the earlier feature first
    c[3, [female]] = [0.456]
    text = risk.factor_text(c).to_pylist()
    assert text == [
        "A&E attendances in 12 months (+1.23); emergency admissions in 12 months (+0.5); age (+0.2)",
        "no factor above average",
        "A&E attendances in 12 months (+0.3); emergency admissions in 12 months (+0.3)",
        "female (+0.46)",
    ]
    assert c[0, ae] == 1.234  # the caller's array is left alone


def test_factor_text_of_nobody_is_empty():
    """No people, no factor texts."""
    assert risk.factor_text(np.zeros((0, len(risk.FEATURE_NAMES)))).to_pylist() == []


def test_the_outcome_year_follows_the_feature_date():
    """Features are read at as-of - 365 days; the outcome year is the 365 days after, ending at as-of."""
    assert risk.training_window(AS_OF) == (FEATURE_DATE, AS_OF)
    assert risk.training_window(d("2024-03-01")) == (d("2023-03-02"), d("2024-03-01"))  # a leap year


def test_outcome_is_1_for_the_admitted_and_0_for_everyone_else(spec):
    """Everyone with features gets an outcome: 1 if among the admitted, else 0; their features are
    kept as they are, and admitted people without features are not added."""
    spec(
        given={
            "features": [
                {"patient_id": 1, "age_decades": 8.1},
                {"patient_id": 2, "age_decades": 4.5},
                {"patient_id": 3, "age_decades": 6.0},
            ],
            "admitted": [{"patient_id": 1}, {"patient_id": 3}, {"patient_id": 9}],
        },
        call=lambda t: risk.with_outcome(t.features, t.admitted),
        expect=[
            {"patient_id": 1, "age_decades": 8.1, "outcome": 1},
            {"patient_id": 2, "age_decades": 4.5, "outcome": 0},
            {"patient_id": 3, "age_decades": 6.0, "outcome": 1},
        ],
    )


def test_outcome_counts_emergency_admissions_in_the_outcome_year(spec):
    """The admitted are those with an emergency admission after the feature date and on or before
    as-of (the as-of utilisation's 12 months); an admission on the feature date is history, one after
    as-of is too late, and an A&E attendance alone is not an admission."""
    admission = "emergency_admission"
    spec(
        given={
            "features": [{"patient_id": i, "age_decades": 7.0} for i in range(1, 8)],
            "encounters": [
                {"patient_id": 1, "type": admission, "start_date": d("2025-04-01")},  # first day
                {"patient_id": 2, "type": admission, "start_date": d("2026-03-31")},  # on as-of
                {"patient_id": 3, "type": admission, "start_date": d("2025-03-31")},  # feature date
                {"patient_id": 4, "type": admission, "start_date": d("2026-04-01")},  # after as-of
                {"patient_id": 5, "type": "ae", "start_date": d("2025-10-10")},
                {"patient_id": 6, "type": admission, "start_date": d("2025-06-01")},  # twice: once
                {"patient_id": 6, "type": admission, "start_date": d("2025-09-01")},
            ],
        },
        call=lambda t: risk.with_outcome(
            t.features,
            utilisation.utilisation(t.encounters, AS_OF).filter(lambda u: u.emergency_admissions_12m > 0),
        ),
        expect=[
            {"patient_id": 1, "outcome": 1},
            {"patient_id": 2, "outcome": 1},
            {"patient_id": 3, "outcome": 0},
            {"patient_id": 4, "outcome": 0},
            {"patient_id": 5, "outcome": 0},
            {"patient_id": 6, "outcome": 1},
            {"patient_id": 7, "outcome": 0},
        ],
    )


def test_people_who_die_in_the_outcome_year_are_learnt_from(spec):
    """The training population is the population at the feature date, so a person who dies in the
    outcome year is in it; one who died before the feature date, or registers after it, is not."""
    spec(
        given={
            "patients": [{"patient_id": i, "date_of_birth": d("1940-01-01")} for i in range(1, 5)],
            "practice_registrations": [
                {"patient_id": i, "practice_code": "P1", "start_date": d(start), "end_date": None}
                for i, start in ((1, "2000-01-01"), (2, "2000-01-01"), (3, "2000-01-01"), (4, "2025-06-01"))
            ],
            "deaths": [
                {"patient_id": 1, "date_of_death": d("2025-09-09")},  # in the outcome year
                {"patient_id": 2, "date_of_death": d("2025-03-31")},  # on the feature date
            ],
        },
        call=lambda t: population.population(
            t.patients,
            t.practice_registrations,
            t.deaths,
            t.small_areas,
            t.practices,
            t.care_home_residence,
            risk.training_window(AS_OF)[0],
        ),
        expect=[{"patient_id": 1, "age": 85}, {"patient_id": 3, "age": 85}],
    )
