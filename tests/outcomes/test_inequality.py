"""Core20 gaps and the slope index of inequality, against values worked out by hand."""

from __future__ import annotations

import pytest

from nhc.outcomes.inequality import core20_gap, sii, sii_of


def test_sii_of_five_equal_quintiles_with_its_confidence_interval():
    """Five quintiles of 100 people, ranks 0.1, 0.3, 0.5, 0.7, 0.9 and values 10, 8, 7, 5, 2.

    By hand: mean rank 0.5, mean value 6.4; Sxy = -0.4*3.6 - 0.2*1.6 + 0 + 0.2*-1.4 + 0.4*-4.4 = -3.8;
    Sxx = 0.4; slope -9.5 (the least deprived end 9.5 lower); fitted 10.2, 8.3, 6.4, 4.5, 2.6;
    residuals -0.2, -0.3, 0.6, 0.5, -0.6, sum of squares 1.1; s^2 = 1.1 / 3; se = sqrt(s^2 / 0.4)
    = 0.957427; t(0.975, 3) = 3.182446; half-width 3.04696."""
    got = sii_of([10, 8, 7, 5, 2], [100] * 5)
    assert got.value == pytest.approx(-9.5)
    assert got.lower == pytest.approx(-12.54696, abs=1e-4)
    assert got.upper == pytest.approx(-6.45304, abs=1e-4)


def test_sii_ranks_are_cumulative_population_midpoints():
    """Populations 200, 100, 100, 100, 500 give ranks 0.1, 0.25, 0.35, 0.45, 0.75; values on the line
    20 - 10 x (19, 17.5, 16.5, 15.5, 12.5) give a slope of exactly -10 and no width."""
    got = sii_of([19, 17.5, 16.5, 15.5, 12.5], [200, 100, 100, 100, 500])
    assert (got.value, got.lower, got.upper) == pytest.approx((-10.0, -10.0, -10.0))


def test_sii_from_published_counts_is_weighted_by_the_denominators():
    """Counts per quintile scaled to a percentage: the same as the values and populations above."""
    counts = {1: (10, 100), 2: (8, 100), 3: (7, 100), 4: (5, 100), 5: (2, 100)}
    assert sii(counts, 100.0).value == pytest.approx(-9.5)


def test_no_sii_when_a_quintile_is_suppressed_or_missing():
    counts = {1: (None, 100), 2: (8, 100), 3: (7, 100), 4: (5, 100), 5: (2, 100)}
    assert sii(counts, 100.0) is None
    assert sii({q: (10, 100) for q in (1, 2, 3, 4)}, 100.0) is None


def test_core20_against_the_rest_summed_count_over_count():
    """Core20 30 of 100 (30 %); the rest (20+10+15+15) of 400 = 15 %: gap +15 points, twice as high."""
    counts = {1: (30, 100), 2: (20, 100), 3: (10, 100), 4: (15, 100), 5: (15, 100), 0: (50, 50)}
    gap = core20_gap(counts, 100.0)
    assert (gap.core20, gap.rest, gap.absolute, gap.relative) == (30.0, 15.0, 15.0, 2.0)


def test_no_core20_gap_when_core20_is_suppressed():
    assert core20_gap({1: (None, 100), 2: (20, 100)}, 100.0) is None
    assert core20_gap({1: (20, 100)}, 100.0) is None
