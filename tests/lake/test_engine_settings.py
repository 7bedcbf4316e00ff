"""Where Spark runs and how much memory DuckDB takes come from the settings (``NHC_SPARK_MASTER``,
``NHC_DUCKDB_MEMORY``, ``NHC_DUCKDB_TEMP``); past its limit DuckDB spills to disk instead of failing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nhc.errors import NhcError
from nhc.lake.engine import DuckDBEngine, connect, duckdb_memory_limit
from nhc.lake.store import Lake
from nhc.settings import Settings

MACHINE_MEMORY = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _setting(engine: DuckDBEngine, name: str) -> str:
    return engine.backend.con.execute(f"SELECT current_setting('{name}')").fetchone()[0]


def test_spark_runs_locally_on_its_cores_unless_a_master_is_named() -> None:
    assert Settings.from_env({}).spark_master_url == "local[2]"
    assert Settings.from_env({"NHC_SPARK_CORES": "6"}).spark_master_url == "local[6]"
    named = Settings.from_env({"NHC_SPARK_MASTER": " spark://10.0.0.7:7077 "})
    assert named.spark_master == named.spark_master_url == "spark://10.0.0.7:7077"


@pytest.mark.parametrize(
    "master", ["local", "local[*]", "local[3]", "spark://a:7077,b:7077", "yarn", "k8s://https://k:443"]
)
def test_the_spark_masters_nhc_knows(master) -> None:
    assert Settings(spark_master=master).spark_master_url == master


def test_duckdb_memory_and_spill_folder_default_and_are_read() -> None:
    s = Settings.from_env({})
    assert (s.duckdb_memory, s.duckdb_temp) == ("75%", None)
    s = Settings.from_env({"NHC_DUCKDB_MEMORY": "16GB", "NHC_DUCKDB_TEMP": "/scratch/nhc"})
    assert (s.duckdb_memory, s.duckdb_temp) == ("16GB", Path("/scratch/nhc"))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"NHC_SPARK_MASTER": "mesos://old:5050"},
            "NHC_SPARK_MASTER must be a Spark master URL, not 'mesos://old:5050'",
        ),
        ({"NHC_SPARK_MASTER": "local[0]"}, "NHC_SPARK_MASTER must be a Spark master URL"),
        (
            {"NHC_DUCKDB_MEMORY": "lots"},
            "NHC_DUCKDB_MEMORY must be a share like 75% or a size like 16GB, not 'lots'",
        ),
        ({"NHC_DUCKDB_MEMORY": "150%"}, "NHC_DUCKDB_MEMORY must be a share"),
        ({"NHC_DUCKDB_MEMORY": "16"}, "NHC_DUCKDB_MEMORY must be a share"),
    ],
)
def test_a_bad_engine_setting_fails_at_start_up(env, message) -> None:
    with pytest.raises(NhcError, match=message.replace("[", r"\[")):
        Settings.from_env(env)


def test_the_new_settings_survive_the_environment_round_trip() -> None:
    s = Settings(spark_master="spark://h:7077", duckdb_memory="512MiB", duckdb_temp=Path("/scratch"))
    assert Settings.from_env(s.as_env()) == s


def test_a_share_of_memory_becomes_mib_of_this_machine_and_a_size_passes_through() -> None:
    assert duckdb_memory_limit("16GB") == "16GB"
    half = int(duckdb_memory_limit("50%").removesuffix("MiB")) * 2**20
    assert 0 < half <= MACHINE_MEMORY / 2  # at most half the machine (less in a smaller container)
    assert half > MACHINE_MEMORY / 2 - 2**20 or Path("/sys/fs/cgroup/memory.max").exists()


def test_duckdb_takes_its_limit_and_spills_beside_the_lake_by_default(tmp_path) -> None:
    engine = DuckDBEngine.open(Lake(tmp_path / "data" / "lake"), settings=Settings(duckdb_memory="1GB"))
    assert _setting(engine, "memory_limit") in ("953.6 MiB", "1.0 GB", "1000.0 MB")
    assert Path(_setting(engine, "temp_directory")) == tmp_path / "data" / "duckdb-temp"


def test_connect_gives_duckdb_the_settings_spill_folder(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, duckdb_temp=tmp_path / "scratch", duckdb_memory="2GiB")
    engine = connect(settings)
    assert Path(_setting(engine, "temp_directory")) == tmp_path / "scratch"
    assert _setting(engine, "memory_limit") == "2.0 GiB"


def test_a_query_larger_than_the_memory_limit_spills_and_finishes(tmp_path) -> None:
    spill = tmp_path / "spill"
    engine = DuckDBEngine.open(settings=Settings(duckdb_memory="40MB", duckdb_temp=spill), threads=1)
    # about 4 M distinct groups: a hash table of well over 40 MB
    groups = engine.backend.con.execute(
        "SELECT count(*), sum(n) FROM (SELECT i, count(*) AS n FROM range(4000000) t(i) GROUP BY i)"
    ).fetchone()
    assert groups == (4_000_000, 4_000_000)
    assert spill.is_dir()  # DuckDB made its spill folder: it wrote there
