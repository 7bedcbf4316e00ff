"""Shared fixtures.

``engine`` runs a test once per analytics engine (DuckDB and Spark local mode) — the spec-test
pattern: a tiny input table, a call, an expected table, the same answer on every engine. The Spark
session is started once per test process because its start-up takes seconds.
"""

from __future__ import annotations

import shutil

import pytest

from nhc.lake.engine import DuckDBEngine, Engine, SparkEngine


def _java_available() -> bool:
    return shutil.which("java") is not None


@pytest.fixture(scope="session")
def duckdb_engine() -> Engine:
    return DuckDBEngine.open()


@pytest.fixture(scope="session")
def spark_engine() -> Engine:
    if not _java_available():
        pytest.fail("Spark tests need Java: run `make test`, which installs it")
    return SparkEngine.open()


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine(request: pytest.FixtureRequest) -> Engine:
    """Each engine in turn; use ``engine.from_arrow`` to load inputs and ``engine.to_arrow`` to run."""
    return request.getfixturevalue(f"{request.param}_engine")
