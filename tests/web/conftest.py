from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.fixture_lake import write_fixture_lake


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing():
    from nhc.security import passwords

    passwords.configure(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords.configure()


@pytest.fixture(scope="session")
def fixture_lake(tmp_path_factory: pytest.TempPathFactory):
    return write_fixture_lake(tmp_path_factory.mktemp("fixture-data") / "lake")


@pytest.fixture(scope="session")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3,000-person synthetic county with the analytics run on it (the real insight tables).
    Session-scoped: built once in each test process (each xdist worker that runs a module using it)."""
    from nhc.analytics.pipeline import run
    from nhc.lake.engine import DuckDBEngine
    from nhc.lake.store import Lake
    from nhc.synth.county import SynthOptions, generate_to_lake

    data = tmp_path_factory.mktemp("county")
    generate_to_lake(SynthOptions(patients=3000, seed=1), data / "lake")
    run(DuckDBEngine.open(Lake(data / "lake")))
    return data
