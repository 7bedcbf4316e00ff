"""The virtual-ward evaluation recovers an effect planted in synthetic data, and finds none when none
is planted, even though people are chosen for the ward because of high recent use (the trap of
regression to the mean that a plain before-and-after falls into)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from nhc.outcomes.evaluation import Design, estimate, stratum_sums

AS_OF = dt.date(2026, 6, 30)
START = dt.date(2024, 1, 1)
INDEX_MONTH = dt.date(2025, 6, 1)


def _world(seed: int, effect: float, people: int = 40_000) -> dict[str, pa.Table]:
    """People with a persistent personal rate of emergency admissions; those with more admissions in
    the year before June 2025 are likelier to go on the virtual ward then; for them each admission
    in the six months after is removed with probability ``effect``."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["female", "male"], people)
    age_band = rng.choice(["65-74", "75-84", "85+"], people)
    band = rng.choice(["moderate", "high"], people)
    base = 0.6 * np.where(band == "high", 1.6, 1.0) * np.where(age_band == "85+", 1.4, 1.0)
    rate = base * rng.gamma(1.5, 1 / 1.5, people)  # admissions a year
    span = (AS_OF - START).days
    counts = rng.poisson(rate * span / 365.25)
    who = np.repeat(np.arange(people), counts)
    day = rng.integers(0, span, len(who))
    index_day = (INDEX_MONTH - START).days + rng.integers(0, 28, people)
    prior = np.bincount(who[(day >= index_day[who] - 365) & (day < index_day[who])], minlength=people)
    chosen = rng.random(people) < 0.01 + 0.04 * np.minimum(prior, 3)
    after = (day >= index_day[who]) & (day < index_day[who] + 182)
    removed = chosen[who] & after & (rng.random(len(who)) < effect)
    who, day = who[~removed], day[~removed]
    start = np.datetime64(START)
    insights = pa.table(
        {
            "patient_id": np.arange(people, dtype=np.int64),
            "sex": sex,
            "age_band": age_band,
            "band": band,
            "efi_category": np.full(people, "mild"),
            "risk": rng.random(people) * 0 + 0.5,  # one risk group: risk plays no part here
        }
    )
    encounters = pa.table(
        {
            "patient_id": who.astype(np.int64),
            "type": np.full(len(who), "emergency_admission"),
            "start_date": (start + day.astype("timedelta64[D]")).astype("datetime64[D]"),
        }
    )
    treated = np.flatnonzero(chosen)
    care_records = pa.table(
        {
            "patient_id": treated.astype(np.int64),
            "record_type": np.full(len(treated), "virtual_ward"),
            "start_date": (start + index_day[treated].astype("timedelta64[D]")).astype("datetime64[D]"),
        }
    )
    return {"insights": insights, "encounters": encounters, "care_records": care_records}


def _evaluate(engine, world: dict[str, pa.Table], design: Design):
    t = {name: engine.from_arrow(table, f"eval_{name}") for name, table in world.items()}
    sums = stratum_sums(t["insights"], t["care_records"], t["encounters"], design, AS_OF)
    return estimate(engine.to_arrow(sums).to_pylist(), design)


def test_a_planted_20_percent_fall_in_admissions_is_recovered_within_the_interval(duckdb_engine) -> None:
    effect = _evaluate(duckdb_engine, _world(seed=7, effect=0.2), Design())
    low, high = effect.relative_interval
    assert low <= -0.2 <= high, effect.as_dict()
    assert high < 0, "a 20 % fall on this many people should be detected"
    assert effect.matched == effect.treated > 1000


def test_no_effect_planted_gives_an_interval_around_zero(duckdb_engine) -> None:
    effect = _evaluate(duckdb_engine, _world(seed=11, effect=0.0), Design())
    low, high = effect.relative_interval
    assert low <= 0 <= high, effect.as_dict()


def test_a_plain_before_and_after_would_have_claimed_an_effect_that_is_not_there(duckdb_engine) -> None:
    """Why matching matters: with no effect, the treated still fall (they were picked at a peak)."""
    effect = _evaluate(duckdb_engine, _world(seed=11, effect=0.0), Design())
    assert effect.after < 0.9 * effect.before


def test_people_whose_follow_up_is_not_complete_are_left_out(duckdb_engine) -> None:
    world = _world(seed=3, effect=0.0, people=2_000)
    late = pa.table(
        {
            "patient_id": pa.array([1_999], pa.int64()),
            "record_type": ["virtual_ward"],
            "start_date": pa.array([AS_OF - dt.timedelta(days=30)], pa.date32()),
        }
    )
    world["care_records"] = late
    effect = _evaluate(duckdb_engine, world, Design())
    assert effect.treated == 0 and effect.matched == 0


@pytest.mark.spark
def test_the_same_estimate_on_spark_as_on_duckdb(duckdb_engine, spark_engine) -> None:
    world = _world(seed=5, effect=0.2, people=3_000)
    on_duckdb = _evaluate(duckdb_engine, world, Design()).as_dict()
    on_spark = _evaluate(spark_engine, world, Design()).as_dict()
    assert on_spark == on_duckdb


def test_an_unknown_outcome_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="outcome must be one of emergency_admission, ae"):
        Design(outcome="falls")
