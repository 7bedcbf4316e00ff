"""Disclosure control: counts of 7 or fewer suppressed, others rounded to the nearest 5 (OpenSAFELY)."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nhc.analytics import disclosure

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
