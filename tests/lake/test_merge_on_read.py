"""A table published as its base files and the rows replacing some people's (a nightly refresh's
large tables): every NHC reader reads the table as it is now; a reader that knows nothing of it
reads the base, the whole table as it was, never a person twice."""

from __future__ import annotations

import datetime as dt
import os

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from nhc.lake.delta import export_delta
from nhc.lake.engine import DuckDBEngine, SparkEngine
from nhc.lake.publish import WithDelta, current_generation, publish
from nhc.lake.store import Lake, tables_version

DAY = dt.date(2026, 3, 1)


def _evidence(*rows: tuple[int, str]) -> pa.Table:
    return pa.table(
        {
            "patient_id": pa.array([p for p, _ in rows], pa.int64()),
            "kind": [k for _, k in rows],
            "item": ["x"] * len(rows),
            "code": pa.array([None] * len(rows), pa.string()),
            "date": pa.array([DAY] * len(rows), pa.date32()),
            "detail": pa.array([None] * len(rows), pa.string()),
        }
    )


def _pairs(table: pa.Table) -> list[tuple[int, str]]:
    return sorted((r["patient_id"], r["kind"]) for r in table.to_pylist())


def _now(lake: Lake) -> list[tuple[int, str]]:
    return _pairs(lake.read("patient_evidence"))


@pytest.fixture
def lake(tmp_path) -> Lake:
    """Evidence for people 1, 2 and 3 written whole; then 2's rows replaced, 3 gone, 4 added."""
    lake = Lake(tmp_path / "lake")
    publish(lake, {"patient_evidence": _evidence((1, "a"), (2, "a"), (2, "b"), (3, "a"))})
    base = lake.files("patient_evidence")
    rows = _evidence((2, "c"), (4, "a"))
    publish(lake, {"patient_evidence": WithDelta(base, pa.array([2, 3, 4]), lambda: rows)})
    return lake


NOW = [(1, "a"), (2, "c"), (4, "a")]
BASE = [(1, "a"), (2, "a"), (2, "b"), (3, "a")]


def test_the_store_reads_the_table_as_it_is_now(lake):
    assert _now(lake) == NOW


def test_the_store_reads_chosen_columns_of_chosen_people_as_they_are_now(lake):
    got = lake.read("patient_evidence", columns=["kind"], filters=[("patient_id", "in", [2, 3])])
    assert got.to_pydict() == {"kind": ["c"]}


@pytest.mark.parametrize("kind", ["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def test_the_engine_reads_the_table_as_it_is_now(lake, kind, request):
    if kind == "duckdb":
        engine = DuckDBEngine.open(lake)
    else:  # Spark reads the table's folder: it must skip the delta's, and merge it
        engine = SparkEngine(request.getfixturevalue("spark_engine").backend, lake)
    table = engine.table("patient_evidence")
    assert sorted(table.select("patient_id", "kind").to_pyarrow().to_pylist(), key=str) == [
        {"patient_id": p, "kind": k} for p, k in NOW
    ]


def test_a_reader_of_the_parquet_files_alone_sees_the_table_as_it_was_whole(lake):
    files = [str(f) for f in lake.files("patient_evidence")]
    assert sorted(duckdb.sql(f"SELECT patient_id, kind FROM read_parquet({files})").fetchall()) == BASE
    glob = str(lake.root / "patient_evidence" / "*.parquet")
    assert sorted(duckdb.sql(f"SELECT patient_id, kind FROM read_parquet('{glob}')").fetchall()) == BASE


def test_the_base_is_the_same_file_not_written_again(lake):
    generation = current_generation(lake)
    (base,) = sorted((generation / "patient_evidence").glob("*.parquet"))
    assert os.stat(base).st_nlink == 2  # this generation's and the one before's (kept for readers)


def test_a_new_delta_is_a_new_version_of_the_table_for_readers_that_keep_what_they_read(lake):
    before = tables_version(lake.root, ["patient_evidence"])
    rows = _evidence((2, "d"))
    publish(
        lake, {"patient_evidence": WithDelta(lake.files("patient_evidence"), pa.array([2]), lambda: rows)}
    )

    assert tables_version(lake.root, ["patient_evidence"]) != before
    assert _now(lake) == [(1, "a"), (2, "d"), (3, "a")]  # the delta replaces the last, not adds to it


def test_the_table_counts_its_rows_as_they_are_now(lake):
    (info,) = lake.info()
    assert (info.name, info.rows) == ("patient_evidence", 3)


def test_a_delta_export_holds_the_table_as_it_is_now(lake, tmp_path):
    from deltalake import DeltaTable

    (done,) = export_delta(lake, tmp_path / "delta", ["patient_evidence"])
    got = DeltaTable(tmp_path / "delta" / "patient_evidence").to_pyarrow_table()
    assert done.rows == 3
    assert _pairs(got) == NOW


def test_the_delta_rows_are_checked_as_any_table_is(tmp_path):
    lake = Lake(tmp_path / "lake")
    publish(lake, {"patient_evidence": _evidence((1, "a"))})
    bad = _evidence((2, "a")).drop_columns(["kind"])
    with pytest.raises(Exception, match="missing column"):
        publish(
            lake, {"patient_evidence": WithDelta(lake.files("patient_evidence"), pa.array([2]), lambda: bad)}
        )
    assert _now(lake) == [(1, "a")]
    assert not any(pq.ParquetFile(f).metadata.num_rows == 0 for f in lake.files("patient_evidence"))
