"""The cube: grouping sets with 'All', counts controlled by the disclosure rule."""

from __future__ import annotations

import pyarrow as pa

from nhc.analytics import cube

from .helpers import load, rows


def _insights(n_low: int, n_high: int) -> pa.Table:
    n = n_low + n_high
    return pa.table(
        {
            "band": ["low"] * n_low + ["high"] * n_high,
            "png": pa.array([3] * n_low + [11] * n_high, pa.int8()),
            "png_name": ["Low need adult"] * n_low + ["Frailty"] * n_high,
            "age_band": ["18-44"] * n_low + ["85+"] * n_high,
            "sex": ["F"] * n,
            "imd_quintile": pa.array([2] * n, pa.int32()),
            "practice_code": ["P1"] * n,
            "neighbourhood": ["N1"] * n,
            "locality": ["L1"] * n,
        }
    )


def test_cube_grouping_sets_and_control(engine):
    t = load(engine, "ins", _insights(13, 7))
    got = rows(engine, cube.cube(t, (("band",), ("locality",))), ["grouping", "band", "locality", "count"])
    assert got == [
        {"grouping": "band", "band": "high", "locality": "All", "count": None},  # 7: suppressed
        {"grouping": "band", "band": "low", "locality": "All", "count": 15},  # 13 -> 15
        {"grouping": "locality", "band": "All", "locality": "L1", "count": 20},
    ]
    raw = rows(engine, cube.cube(t, (("band", "png"),), control=False), ["png", "count"])
    assert raw == [{"png": "11 Frailty", "count": 7}, {"png": "3 Low need adult", "count": 13}]
