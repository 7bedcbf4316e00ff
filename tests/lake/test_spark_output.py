"""Spark writes a run's output tables from its executors, with the store's writer: the same rows,
types and checks as a table the store writes, and no person-level row through the driver."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from nhc.errors import NhcError
from nhc.lake.engine import SparkEngine
from nhc.lake.spark_output import SparkOutput
from nhc.lake.store import Lake
from nhc.lake.tables import table_schema

pytestmark = pytest.mark.spark
AS_OF = dt.date(2026, 3, 31)


def _worklists(n: int) -> pa.Table:
    """``n`` worklist rows, typed loosely (int64 ranks as Spark gives them), in the schema's order."""
    return pa.table(
        {
            "worklist": ["high_admission_risk"] * n,
            "neighbourhood": ["Central Oxford"] * n,
            "practice_code": ["K84001"] * n,
            "patient_id": list(range(1, n + 1)),
            "rank": list(range(1, n + 1)),
            "score": [0.5] * n,
            "reasons": ["Emergency admissions"] * n,
            "as_of": [AS_OF] * n,
        }
    )


def _on_spark(spark_engine, table: pa.Table, name: str):
    return SparkEngine(spark_engine.backend).from_arrow(table, name)


def test_spark_writes_a_table_that_reads_back_as_the_store_wrote_it(spark_engine, tmp_path):
    expr = _on_spark(spark_engine, _worklists(5), "nhc_test_worklists_out")
    rows = SparkOutput(spark_engine, expr.order_by("patient_id")).write_into(
        tmp_path / "worklists", "worklists"
    )

    assert rows == 5
    assert all(f.name.startswith("part-") for f in (tmp_path / "worklists").glob("*.parquet"))
    back = Lake(tmp_path).read("worklists").sort_by("patient_id")
    assert back.schema == table_schema("worklists").arrow  # the dictionary's types, not Spark's
    assert back.column("patient_id").to_pylist() == [1, 2, 3, 4, 5]
    assert back.column("as_of").to_pylist() == [AS_OF] * 5


def test_an_empty_output_is_still_a_table_with_its_schema(spark_engine, tmp_path):
    expr = _on_spark(spark_engine, _worklists(3), "nhc_test_worklists_none")
    rows = SparkOutput(spark_engine, expr.filter(expr.patient_id > 99)).write_into(
        tmp_path / "worklists", "worklists"
    )

    assert rows == 0
    back = Lake(tmp_path).read("worklists")
    assert back.num_rows == 0 and back.schema == table_schema("worklists").arrow


def test_a_table_an_executor_refuses_gets_the_stores_own_message_not_a_spark_trace(spark_engine, tmp_path):
    people = pa.table({"patient_id": [1, 2], "band": ["low", "extreme"]})  # most columns missing
    with pytest.raises(NhcError) as by_the_store:
        Lake(tmp_path / "here").write("patient_insights", people)
    expr = _on_spark(spark_engine, people, "nhc_test_bad_insights")
    with pytest.raises(NhcError) as on_spark:
        SparkOutput(spark_engine, expr).write_into(tmp_path / "patient_insights", "patient_insights")

    assert str(on_spark.value) == str(by_the_store.value)
    assert "Traceback" not in str(on_spark.value)
    assert not list((tmp_path / "patient_insights").glob("*.parquet"))  # no part left to be read
