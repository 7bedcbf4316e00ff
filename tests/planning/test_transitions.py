"""Moves between need groups: counted from two as-of dates on every engine, turned into a year's
chances, and used in the projection as people age. Tiny inputs, outputs worked out by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from nhc.planning import demography
from nhc.planning.transitions import NEED_GROUPS, Transitions, transition_counts
from nhc.vocab import AGE_BANDS
from tests.spec.helpers import load, rows
from tests.unit.planning.helpers import rates

EARLIER, LATER = dt.date(2025, 3, 31), dt.date(2026, 3, 31)


def _snapshot(engine, name: str, people: list[tuple[int, int, str]]):
    """A need-group snapshot from ``(patient_id, png, age_band)``."""
    table = pa.table(
        {
            "patient_id": pa.array([p[0] for p in people], pa.int64()),
            "png": pa.array([p[1] for p in people], pa.int8()),
            "age_band": pa.array([p[2] for p in people], pa.string()),
        }
    )
    return load(engine, name, table)


def test_people_are_counted_by_their_group_then_and_a_year_later(engine):
    """Two stay in group 5, one moves from 5 to 11, one leaves the population (to 0); someone only
    in the later snapshot (born or arrived) is not counted; the age band is the earlier one's."""
    earlier = _snapshot(
        engine, "earlier", [(1, 5, "75-84"), (2, 5, "75-84"), (3, 5, "75-84"), (4, 5, "75-84")]
    )
    later = _snapshot(engine, "later", [(1, 5, "75-84"), (2, 5, "85+"), (3, 11, "75-84"), (9, 2, "0-17")])
    got = sorted(rows(engine, transition_counts(earlier, later)), key=lambda r: r["png_to"])
    assert got == [
        {"age_band": "75-84", "png_from": 5, "png_to": 0, "persons": 1},
        {"age_band": "75-84", "png_from": 5, "png_to": 5, "persons": 2},
        {"age_band": "75-84", "png_from": 5, "png_to": 11, "persons": 1},
    ]


def test_an_empty_later_snapshot_sends_everyone_to_gone(engine):
    """Nobody in the later population: every earlier person is counted as gone (0)."""
    earlier = _snapshot(engine, "earlier", [(1, 3, "18-44"), (2, 3, "18-44")])
    later = _snapshot(engine, "later", [])
    assert rows(engine, transition_counts(earlier, later)) == [
        {"age_band": "18-44", "png_from": 3, "png_to": 0, "persons": 2}
    ]


def _counts(band: str, spec: dict[tuple[int, int], int]) -> list[dict]:
    return [{"age_band": band, "png_from": i, "png_to": j, "persons": n} for (i, j), n in spec.items()]


def test_chances_are_shares_of_those_still_registered():
    """Of 100 people in group 5 aged 75-84, 10 left and 90 stayed: 72 in 5 and 18 moved to 11, so
    the chance of moving is 18/90 = 0.2; group 11 (40 people, 8 left) leaves at 0.2 against the
    band's 18/140, a ratio of 0.2 / (18/140) = 1.556."""
    t = Transitions.from_counts(
        _counts("75-84", {(5, 5): 72, (5, 11): 18, (5, 0): 10, (11, 11): 32, (11, 0): 8}), EARLIER, LATER
    )
    b, five, eleven = AGE_BANDS.index("75-84"), NEED_GROUPS.index(5), NEED_GROUPS.index(11)
    assert t.matrix[b, five, eleven] == pytest.approx(0.2)
    assert t.matrix[b, five, five] == pytest.approx(0.8)
    assert t.matrix[b].sum(axis=1) == pytest.approx(np.ones(len(NEED_GROUPS)))
    assert t.exit_ratio[b, eleven] == pytest.approx(0.2 / (18 / 140))
    assert t.exit_ratio[b, five] == pytest.approx(0.1 / (18 / 140))


def test_a_group_too_small_to_estimate_stays_put():
    """A group with fewer than the minimum people keeps everyone (identity row, ratio 1)."""
    t = Transitions.from_counts(_counts("85+", {(10, 11): 5, (10, 0): 1}), EARLIER, LATER, min_people=20)
    b, ten = AGE_BANDS.index("85+"), NEED_GROUPS.index(10)
    assert t.matrix[b, ten, ten] == 1.0 and t.exit_ratio[b, ten] == 1.0
    assert not t.estimated[b, ten]


def test_moves_over_two_years_are_scaled_to_one():
    """Snapshots two years apart: the chance of moving in a year is half the chance over two."""
    two = dt.date(2024, 3, 31)
    t = Transitions.from_counts(_counts("75-84", {(5, 5): 60, (5, 11): 40}), two, LATER)
    b = AGE_BANDS.index("75-84")
    assert t.matrix[b, NEED_GROUPS.index(5), NEED_GROUPS.index(11)] == pytest.approx(0.2, abs=0.001)


def _people(by: dict[tuple[int, int, int], float]) -> np.ndarray:
    """People (sex x age x need group) from ``{(sex index, age, png): n}``."""
    out = np.zeros((2, 101, len(NEED_GROUPS)))
    for (s, a, png), n in by.items():
        out[s, a, NEED_GROUPS.index(png)] = n
    return out


def test_without_moves_the_need_projection_is_the_age_projection():
    """No one moving and every group leaving at its band's rate: summed over need groups, the
    projection by need group is the plain projection (deaths, migration and births included)."""
    pop = _people({(0, 30, 3): 100, (0, 31, 5): 50, (1, 80, 11): 40, (1, 100, 11): 10})
    r = rates(
        mortality=[(0, 99, 0.01), (100, 100, 0.3)], migration=[(0, 100, 0.02)], fertility=[(20, 40, 0.05)]
    )
    by_need = demography.project_by_need(pop, r, Transitions.identity(LATER), 3)
    plain = demography.project(pop.sum(axis=2), r, 3)
    for a, b in zip(by_need, plain, strict=True):
        assert a.sum(axis=2) == pytest.approx(b)


def test_people_move_group_as_they_age():
    """100 women of 80 in group 5, a fifth of whom move to 11 each year, nobody dying: after one
    year 80 are in group 5 and 20 in group 11, all aged 81; after two, 64 and 36."""
    moves = Transitions.from_counts(_counts("75-84", {(5, 5): 80, (5, 11): 20, (11, 11): 50}), EARLIER, LATER)
    out = demography.project_by_need(_people({(0, 80, 5): 100}), rates(), moves, 2)
    five, eleven = NEED_GROUPS.index(5), NEED_GROUPS.index(11)
    assert out[1][0, 81, five] == pytest.approx(80) and out[1][0, 81, eleven] == pytest.approx(20)
    assert out[2][0, 82, five] == pytest.approx(64) and out[2][0, 82, eleven] == pytest.approx(36)


def test_deaths_are_shared_out_by_the_exit_ratio():
    """Mortality 10% at 80; group 11 leaves twice as often as its band (20 of 100 against 20 of
    200: a ratio of 2) and group 5 never: 80 of 100 frail people survive, all 100 of group 5."""
    moves = Transitions.from_counts(
        _counts("75-84", {(5, 5): 100, (11, 11): 80, (11, 0): 20}), EARLIER, LATER
    )
    pop = _people({(0, 80, 5): 100, (0, 80, 11): 100})
    out = demography.project_by_need(pop, rates(mortality=[(0, 100, 0.1)]), moves, 1)
    assert out[1][0, 81, NEED_GROUPS.index(11)] == pytest.approx(100 * (1 - 0.1 * 2))
    assert out[1][0, 81, NEED_GROUPS.index(5)] == pytest.approx(100)
