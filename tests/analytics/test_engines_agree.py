"""The whole pipeline gives the same insight tables on DuckDB and on Spark.

On a small synthetic county (a few hundred people, with registers, frailty, admissions and
worklists): DuckDB publishes its tables to the lake, Spark runs the same pipeline on the same lake
and publishes its tables (written by its executors, :mod:`nhc.lake.spark_output`), which must
equal DuckDB's; Spark also reads DuckDB's published insights back from the lake's current
generation first. Floats may differ in the last digits (sums in another order), nothing
else. About a minute on two busy cores, most of it Spark's first queries in a cold JVM.
"""

from __future__ import annotations

import json

import pytest

from nhc.analytics.pipeline import OUTPUT_TABLES, run
from nhc.lake.engine import DuckDBEngine, SparkEngine
from nhc.lake.store import Lake
from nhc.synth.county import SynthOptions, generate_to_lake
from tests.analytics.engine_compare import differences

PEOPLE = 333  # not a multiple of 5: rounding in the cube is exercised
FLOAT_TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def county_lake(tmp_path_factory) -> Lake:
    lake_dir = tmp_path_factory.mktemp("engines") / "lake"
    generate_to_lake(SynthOptions(patients=PEOPLE, seed=11), lake_dir)
    return Lake(lake_dir)


@pytest.mark.spark
def test_spark_gives_the_insight_tables_duckdb_gives(county_lake, spark_engine):
    duck = run(DuckDBEngine.open(county_lake))
    spark_on_lake = SparkEngine(spark_engine.backend, county_lake)
    # what DuckDB published, Spark reads back from the lake's current generation
    published = spark_on_lake.to_arrow(spark_on_lake.table("patient_insights"))
    spark = run(spark_on_lake)  # published in turn: its tables are read back from the lake

    assert duck.summary["population"] > 250  # most of the county is registered and alive
    assert duck.summary["worklists"], "the county should put someone on a worklist"
    assert set(spark.tables) == set(duck.tables) == set(OUTPUT_TABLES)
    assert spark.generation is not None and spark.generation != duck.generation
    assert Lake(spark.generation).files("patient_insights"), "Spark's executors wrote the insights"
    problems = []
    for name in OUTPUT_TABLES:
        if name != "analytics_run":  # JSON text: compared parsed, below
            problems += differences(name, duck.tables[name], spark.tables[name], FLOAT_TOLERANCE)
    problems += differences("patient_insights", published, spark.tables["patient_insights"], FLOAT_TOLERANCE)
    assert not problems, "\n".join(problems)
    assert _summary(spark.tables["analytics_run"]) == pytest.approx(_summary(duck.tables["analytics_run"]))


def _summary(table) -> dict:
    items = {r["item"]: json.loads(r["value"]) for r in table.to_pylist()}
    return {k: v for k, v in _flat(items).items()}


def _flat(value, prefix: str = "") -> dict:
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _flat(item, f"{prefix}{key}.").items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in _flat(item, f"{prefix}{i}.").items()}
    return {prefix.rstrip("."): value}
