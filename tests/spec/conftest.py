"""The ``spec`` fixture: a spec test's example run and compared on each engine (see ``framework``)."""

from __future__ import annotations

import pytest

from .framework import checker


@pytest.fixture
def spec(engine):
    """Run a spec (given, call, expect) on ``engine``: DuckDB, then Spark."""
    return checker(engine)
