"""Disclosure control, as specs: tiny input, expected output, one behaviour per test.

A count of 7 or fewer is suppressed, others are rounded to the nearest 5 (OpenSAFELY); a margin is
the sum of its published cells; and across tables, a figure a combination of tables would pin to
within ±2 is withheld (the audit, :mod:`nhc.insights.audit`)."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nhc.analytics.rules import disclosure
from nhc.insights.audit import Fact, Figure, pinned, withhold_until_safe

from .helpers import load, rows

CASES = [
    (0, None),
    (1, None),
    (7, None),
    (8, 10),
    (12, 10),
    (13, 15),
    (15, 15),
    (17, 15),
    (18, 20),
    (102, 100),
    (103, 105),
]


@pytest.mark.parametrize(("n", "expected"), CASES)
def test_safe_count(n, expected):
    assert disclosure.safe_count(n) == expected


def test_safe_count_column_same_on_every_engine(engine):
    t = load(engine, "counts", pa.table({"k": list(range(len(CASES))), "count": [n for n, _ in CASES]}))
    out = rows(engine, disclosure.apply(t, "count"), sort=["k"])
    assert [r["count"] for r in sorted(out, key=lambda r: r["k"])] == [e for _, e in CASES]


@given(st.integers(min_value=0, max_value=10_000_000))
def test_safe_count_properties(n):
    out = disclosure.safe_count(n)
    if n <= 7:
        assert out is None
    else:
        assert out % 5 == 0
        assert abs(out - n) <= 2
        assert out >= 10


@settings(deadline=None, max_examples=25)
@given(st.lists(st.integers(min_value=0, max_value=100_000), min_size=1, max_size=50))
def test_column_rule_matches_python_rule_on_duckdb(values):
    from nhc.lake.engine import DuckDBEngine

    engine = _duck()
    t = load(engine, "hyp", pa.table({"k": list(range(len(values))), "count": values}))
    got = {r["k"]: r["count"] for r in engine.to_arrow(disclosure.apply(t)).to_pylist()}
    assert [got[i] for i in range(len(values))] == [disclosure.safe_count(v) for v in values]
    assert isinstance(engine, DuckDBEngine)


_ENGINE = []


def _duck():
    from nhc.lake.engine import DuckDBEngine

    if not _ENGINE:
        _ENGINE.append(DuckDBEngine.open())
    return _ENGINE[0]


# ----------------------------------------------------------------- what a published value says
@pytest.mark.parametrize(
    ("published", "interval"),
    [(None, (0, 7)), (0, (0, 0)), (10, (8, 12)), (15, (13, 17)), (100, (98, 102))],
    ids=["suppressed is 0 to 7", "none is exactly 0", "10 is 8 to 12", "15 is 13 to 17", "100 is 98 to 102"],
)
def test_what_a_published_value_tells_a_reader(published, interval):
    assert disclosure.published_interval(published) == interval


def test_a_margin_is_the_sum_of_the_published_cells_with_suppressed_cells_as_zero():
    assert disclosure.derived_total([10, None, 25, 0]) == 35


def test_a_margin_of_cells_that_are_all_suppressed_is_suppressed():
    assert disclosure.derived_total([None, None, 0]) is None


def test_a_margin_of_structural_zeros_is_none():
    assert disclosure.derived_total([0, 0]) == 0


# ---------------------------------------------------------------------- the audit across tables
# One population published as a group count and broken down by sex: {F, M} unknowns.
GROUP = Figure("group", {"F": 1, "M": 1}, 10, "overview")
FEMALE = Figure("female", {"F": 1}, 10, "by sex")
MALE = Figure("male", {"M": 1}, None, "by sex")


def test_a_group_of_10_with_10_women_pins_the_suppressed_men_to_0_to_4():
    assert pinned([GROUP, FEMALE, MALE], [], {"F": 9, "M": 2}, set()) == [MALE]


def test_a_group_of_15_with_10_women_leaves_the_suppressed_men_open():
    group = Figure("group", {"F": 1, "M": 1}, 15, "overview")
    assert pinned([group, FEMALE, MALE], [], {"F": 10, "M": 5}, set()) == []


def test_the_audit_withholds_the_breakdown_that_pins_a_small_count():
    withheld = withhold_until_safe([GROUP, FEMALE, MALE], [], {"F": 9, "M": 2}, lambda f: ["by sex"])
    assert withheld == {"by sex"}


def test_a_fact_linking_two_breakdowns_is_used_by_the_audit():
    # the same people by sex (10 women + suppressed men) and by age (one band of 10)
    figures = [FEMALE, MALE, Figure("age", {"A": 1}, 10, "by age")]
    same_people = Fact({"F": 1, "M": 1, "A": -1}, 0, 0)
    assert pinned(figures, [same_people], {"F": 8, "M": 2, "A": 10}, set()) == [MALE]
