"""Fixtures shared by the refresh tests."""

from __future__ import annotations

import pytest

from nhc.lake.engine import DuckDBEngine, SparkEngine
from nhc.lake.store import Lake


@pytest.fixture
def engine_for(request):
    """``make(kind, lake)``: an engine of ``kind`` (duckdb or spark) over ``lake``; Spark shares the
    session's backend (the ``spark_engine`` fixture)."""

    def make(kind: str, lake: Lake):
        if kind == "duckdb":
            return DuckDBEngine.open(lake)
        return SparkEngine(request.getfixturevalue("spark_engine").backend, lake)

    return make
