"""Engines read the lake as Ibis tables; the data dictionary in docs/ is current."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from nhc.errors import NhcError
from nhc.lake.engine import DuckDBEngine, connect
from nhc.lake.store import Lake
from nhc.lake.tables import TABLES
from nhc.lake.tables.dictionary import render_dictionary
from nhc.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def small_lake(tmp_path) -> Lake:
    lake = Lake(tmp_path / "lake")
    lake.write(
        "deaths",
        pa.table(
            {
                "patient_id": pa.array([1, 2, 3], pa.int64()),
                "date_of_death": [dt.date(2025, 1, 2), dt.date(2025, 6, 1), dt.date(2026, 1, 1)],
                "place_of_death": ["home", "hospital", "home"],
            }
        ),
    )
    return lake


def test_each_engine_reads_lake_tables_with_dates_intact(engine, small_lake):
    engine.lake = small_lake
    t = engine.table("deaths")
    result = engine.to_arrow(
        t.group_by("place_of_death").agg(n=t.count(), last=t.date_of_death.max()).order_by("place_of_death")
    )
    assert result.to_pylist() == [
        {"place_of_death": "home", "n": 2, "last": dt.date(2026, 1, 1)},
        {"place_of_death": "hospital", "n": 1, "last": dt.date(2025, 6, 1)},
    ]


def test_queries_run_beside_a_running_query_on_a_helper_thread(engine, small_lake):
    # The pipeline runs queries that read only the sources on a helper thread while the main thread
    # runs another (on DuckDB each gets a connection of its own).
    import threading
    import uuid
    from concurrent.futures import ThreadPoolExecutor

    engine.lake = small_lake
    t = engine.table("deaths")
    name = f"test_beside_{uuid.uuid4().hex[:8]}"
    started = threading.Event()

    def beside():
        started.set()
        cached = engine.cache_beside(t.filter(t.place_of_death == "home"), name)
        return engine.fetch_beside(t.aggregate(n=t.count())), cached

    with ThreadPoolExecutor(max_workers=1) as helper:
        future = helper.submit(beside)
        started.wait()
        main = engine.to_arrow(t.aggregate(last=t.date_of_death.max()))
        counted, cached = future.result()
    assert main.to_pylist() == [{"last": dt.date(2026, 1, 1)}]
    assert counted.to_pylist() == [{"n": 3}]
    # the table made beside reads on the main thread like any other
    got = engine.to_arrow(cached.aggregate(n=cached.count(), first=cached.date_of_death.min()))
    assert got.to_pylist() == [{"n": 2, "first": dt.date(2025, 1, 2)}]
    engine.drop(name)


def test_missing_table_says_how_to_make_it(small_lake):
    eng = DuckDBEngine.open(small_lake)
    with pytest.raises(NhcError, match=r"lake table 'patients' not found.*nhc synth"):
        eng.table("patients")


def test_connect_uses_settings(tmp_path, small_lake):
    eng = connect(Settings(data_dir=small_lake.root.parent, engine="duckdb"))
    assert eng.name == "duckdb"
    assert eng.to_arrow(eng.table("deaths").count()).as_py() == 3


def test_settings_from_environment(tmp_path):
    s = Settings.from_env({"NHC_DATA": str(tmp_path), "NHC_ENGINE": "Spark"})
    assert s.engine == "spark" and s.lake_dir == tmp_path / "lake"
    assert s.db_url.startswith("sqlite:///") and s.db_url.endswith("nhc.sqlite3")
    assert Settings.from_env({"NHC_DATABASE_URL": "postgresql://x/y"}).db_url == "postgresql://x/y"
    assert Settings.from_env({}).engine == "duckdb"
    with pytest.raises(NhcError, match="unknown analytics engine 'oracle'"):
        Settings.from_env({"NHC_ENGINE": "oracle"})


def test_data_dictionary_in_docs_is_up_to_date():
    assert (ROOT / "docs" / "data-dictionary.md").read_text() == render_dictionary(), (
        "docs/data-dictionary.md is stale: run `nhc lake dictionary`"
    )
    for name in TABLES:
        assert f"## `{name}`" in render_dictionary()
