"""Engine connections: the lake's tables as Ibis tables on DuckDB (default) or Spark (local mode).

The analytics never name an engine; they receive Ibis tables. This module is the edge where the
engine is chosen (``NHC_ENGINE``) and where engine differences are isolated, one small class per
engine.
"""

from __future__ import annotations

import os
import tempfile
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis

from nhc.errors import NhcError
from nhc.lake.schema import table_schema
from nhc.lake.store import Lake

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pyarrow as pa

    from nhc.settings import Settings


class Engine:
    """A backend plus the lake it reads. Subclasses say how to open the backend."""

    name = "base"

    def __init__(self, backend: Any, lake: Lake | None = None) -> None:
        self.backend = backend
        self.lake = lake

    def table(self, name: str) -> ir.Table:
        """Lake table ``name`` as an Ibis table (schema from the data dictionary)."""
        if self.lake is None:
            raise NhcError("this engine has no lake attached")
        table_schema(name)
        files = self.lake.files(name)
        if not files:
            raise NhcError(
                f"lake table {name!r} not found in {self.lake.root}",
                hint="run `nhc synth` (or ingest data) first",
            )
        return self._read(name, files)

    def _read(self, name: str, files: list[Path]) -> ir.Table:
        return self.backend.read_parquet([str(f) for f in files], table_name=f"lake_{name}")

    def from_arrow(self, table: pa.Table, name: str) -> ir.Table:
        """Register an in-memory Arrow table on this engine (spec tests, reference data)."""
        return self.backend.create_table(name, obj=table, overwrite=True)

    def to_arrow(self, expr: ir.Expr) -> pa.Table:
        return self.backend.to_pyarrow(expr)


class DuckDBEngine(Engine):
    name = "duckdb"

    @classmethod
    def open(cls, lake: Lake | None = None, threads: int | None = None) -> DuckDBEngine:
        con = ibis.duckdb.connect()
        # Nothing in NHC relies on row order without an ORDER BY; dropping it lets DuckDB
        # materialise intermediate (cached) tables in parallel and with less memory.
        con.raw_sql("SET preserve_insertion_order = false")
        if threads:
            con.raw_sql(f"SET threads = {int(threads)}")
        return cls(con, lake)


class SparkEngine(Engine):
    name = "spark"

    @classmethod
    def open(cls, lake: Lake | None = None) -> SparkEngine:
        return cls(ibis.pyspark.connect(spark_session()), lake)

    def _read(self, name: str, files: list[Path]) -> ir.Table:
        # Spark takes one path, not a list: the table's folder (it skips hidden files).
        return self.backend.read_parquet(str(files[0].parent), table_name=f"lake_{name}")

    def from_arrow(self, table: pa.Table, name: str) -> ir.Table:
        # Straight from Arrow: going through pandas would type all-empty columns as VOID.
        return self.backend.create_table(name, obj=table, overwrite=True)


@cache
def spark_session() -> Any:
    """One local Spark session per process (its start-up takes seconds)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:  # pragma: no cover - depends on the install
        raise NhcError("the Spark engine needs pyspark", hint="pip install 'nhc[spark]'") from None
    os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)  # type: ignore[attr-defined]
    cores = os.environ.get("NHC_SPARK_CORES", "2")
    return (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("nhc")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", os.environ.get("NHC_SPARK_MEMORY", "4g"))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        # A warehouse per process: managed tables left by an earlier run would clash by name.
        .config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="nhc-spark-warehouse-"))
        .getOrCreate()
    )


ENGINE_CLASSES = {"duckdb": DuckDBEngine, "spark": SparkEngine}


def connect(settings: Settings) -> Engine:
    """The engine ``settings.engine`` over the lake in ``settings.lake_dir``."""
    lake = Lake(settings.lake_dir)
    cls = ENGINE_CLASSES.get(settings.engine)
    if cls is None:
        raise NhcError(f"unknown analytics engine {settings.engine!r}", hint="use duckdb or spark")
    return cls.open(lake)
