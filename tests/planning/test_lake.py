"""The baseline read from a lake: need-group moves estimated from two as-of dates when the lake has
its source records, and said to be missing (with the reason) when it has insight tables only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from nhc.analytics.pipeline import run
from nhc.lake.engine import DuckDBEngine
from nhc.lake.store import Lake
from nhc.planning.lake import baseline_on, year_before
from nhc.synth.county import SynthOptions, generate_to_lake
from tests.cli.test_planning import data as insights_only  # noqa: F401  (a fixture)


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    """An 800-person synthetic county with the analytics run on it."""
    lake = Lake(tmp_path_factory.mktemp("planning-county") / "lake")
    generate_to_lake(SynthOptions(patients=800, seed=2), lake.root)
    run(DuckDBEngine.open(lake))
    return lake


def test_moves_are_estimated_from_a_year_before_the_latest_run(county):
    b = baseline_on(DuckDBEngine.open(county))
    moves = b.transitions
    assert moves is not None
    assert (moves.earlier, moves.later) == (dt.date(2025, 3, 31), b.as_of)
    assert "31 March 2025" in b.transitions_note and "31 March 2026" in b.transitions_note
    assert moves.matrix.sum(axis=2) == pytest.approx(np.ones(moves.matrix.shape[:2]))
    assert moves.estimated.any() and (moves.exit_ratio >= 0).all()
    # people at the earlier date are those registered then: fewer than now in a growing list, never none
    assert 0 < moves.people.sum() <= b.population.sum() * 1.2


def test_people_by_need_group_add_up_to_the_population_and_person_years(county):
    b = baseline_on(DuckDBEngine.open(county), moves=False)
    assert b.by_need is not None and b.transitions is None
    assert b.by_need.sum() == pytest.approx(b.population.sum()) == pytest.approx(b.person_years.sum())


def test_a_lake_of_insight_tables_only_says_why_there_are_no_moves(insights_only: Path):  # noqa: F811
    b = baseline_on(DuckDBEngine.open(Lake(insights_only / "lake")))
    assert b.transitions is None
    assert (
        b.transitions_note == "not estimated: the lake has no patients table to derive an earlier date from"
    )


@pytest.mark.parametrize(
    ("day", "before"),
    [(dt.date(2026, 3, 31), dt.date(2025, 3, 31)), (dt.date(2024, 2, 29), dt.date(2023, 2, 28))],
)
def test_a_year_before(day, before):
    assert year_before(day) == before
