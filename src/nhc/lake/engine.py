"""Engine connections: the lake's tables as Ibis tables on DuckDB (default) or Spark (local or a cluster).

The analytics never name an engine; they receive Ibis tables. This module is the edge where the
engine is chosen (``Settings.engine``) and where engine differences are isolated, one small class per
engine.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import pyarrow as pa

from nhc.errors import NhcError
from nhc.lake.merge_on_read import KEY, Delta, duckdb_source
from nhc.lake.spark_output import SparkOutput
from nhc.lake.store import Lake
from nhc.lake.tables import table_schema
from nhc.settings import Settings

if TYPE_CHECKING:
    import ibis.expr.types as ir


class Engine:
    """A backend plus the lake it reads. Subclasses say how to open the backend."""

    name = "base"
    prepares_sql = False  # runs SQL prepared by an earlier process (DuckDBEngine)

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
        return self._read(name, files, self.lake.delta(name))

    def _read(self, name: str, files: list[Path], delta: Delta | None) -> ir.Table:
        base = self.backend.read_parquet([str(f) for f in files], table_name=f"lake_{name}")
        return self._merged(name, base, delta)

    def _merged(self, name: str, base: ir.Table, delta: Delta | None) -> ir.Table:
        """``base`` with the rows of ``delta``'s people replaced by its rows (:mod:`.merge_on_read`)."""
        if delta is None:
            return base
        replaced = self.backend.read_parquet(str(delta.replaced), table_name=f"lake_{name}_replaced")
        rows = self.backend.read_parquet(str(delta.rows), table_name=f"lake_{name}_rows")
        return base.anti_join(replaced, KEY).union(rows.select(*base.columns))

    def from_arrow(self, table: pa.Table, name: str) -> ir.Table:
        """Register an in-memory Arrow table on this engine (spec tests, reference data)."""
        return self.backend.create_table(name, obj=table, overwrite=True)

    def scan_arrow(self, table: pa.Table, name: str) -> ir.Table:
        """An Arrow table this process holds (string columns may be dictionary-encoded), for a few
        queries to read: loaded with :meth:`from_arrow` here; an engine in this process scans it
        where it is. Drop it with :meth:`drop`."""
        plain = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns]
        return self.from_arrow(pa.table(plain, names=table.column_names), name)

    def from_arrow_categorical(self, table: pa.Table, name: str, columns: tuple[str, ...]) -> ir.Table:
        """Like :meth:`from_arrow`, for a table whose ``columns`` hold few distinct strings that
        later queries group and join on (codelists: code and cluster). Engines that have a
        categorical string type use it; the columns still read as strings."""
        return self.from_arrow(table, name)

    def compile(self, expr: ir.Table) -> Any:
        """What this engine can prepare for ``expr`` ahead of running it; pass it to :meth:`fetch`.

        Safe to call on another thread while this engine runs a query (the pipeline overlaps
        compiling the next queries with running the current one).
        """
        return expr

    def fetch(self, compiled: Any) -> pa.Table:
        """Run what :meth:`compile` returned; the rows as Arrow (as :meth:`to_arrow`)."""
        return self.to_arrow(compiled)

    def drop(self, name: str) -> None:
        """Drop a table this engine was given (and anything made for it)."""
        self.backend.drop_table(name, force=True)

    def to_arrow(self, expr: ir.Expr) -> pa.Table:
        return self.backend.to_pyarrow(expr)

    def cache(self, expr: ir.Table, name: str) -> ir.Table:
        """``expr`` materialised on the engine for the later queries that read it (as table
        ``name`` where the engine names it: drop it with :meth:`drop`)."""
        del name  # cached by Ibis under a name of its own, dropped when no longer referenced
        return expr.cache()

    def output(self, expr: Any) -> Any:
        """An output table of a run, from ``expr`` (or what :meth:`compile` made of it), for
        :func:`nhc.lake.publish.publish`: as Arrow here (the engine runs in this process), or a
        handle the engine writes from where the data is (Spark: :mod:`.spark_output`)."""
        return self.fetch(expr)

    # Beside: work a helper thread hands the engine while the main thread runs another query. Such a
    # query may read lake tables and tables loaded with from_arrow, not cached steps (on DuckDB they
    # belong to the main connection). Engines that take concurrent queries on one connection (Spark)
    # just run it.

    def fetch_beside(self, expr: ir.Table) -> pa.Table:
        """Run ``expr`` (on a connection of its own where the engine needs one); rows as Arrow."""
        return self.to_arrow(expr)

    def cache_beside(self, expr: ir.Table, name: str) -> ir.Table:
        """Materialise ``expr`` (as table ``name`` on a connection of its own where the engine needs
        one: drop it with :meth:`drop`) and return it."""
        return self.cache(expr, name)  # an engine that takes concurrent queries caches as on main


@dataclass(frozen=True)
class _CompiledQuery:
    expr: ir.Table
    sql: str


class DuckDBEngine(Engine):
    name = "duckdb"

    def __init__(self, backend: Any, lake: Lake | None = None) -> None:
        super().__init__(backend, lake)
        self._enums: dict[str, list[str]] = {}  # table -> the ENUM types made for its columns
        # A second connection to the same database, for queries run beside the main one. DuckDB
        # gives each connection its own temporary objects, so lake tables are plain views here.
        self._beside = backend.con.cursor()
        self._beside_lock = threading.Lock()
        self._scanned: set[str] = set()  # Arrow tables registered by scan_arrow

    def _read(self, name: str, files: list[Path], delta: Delta | None) -> ir.Table:
        view = f"lake_{name}"
        source = duckdb_source(files, delta)
        self.backend.raw_sql(f'CREATE OR REPLACE VIEW "{view}" AS SELECT * FROM {source}')
        return self.backend.table(view)

    def fetch_beside(self, expr: ir.Table) -> pa.Table:
        from ibis.backends.duckdb.converter import DuckDBPyArrowData

        sql = self.backend.compile(expr)
        with self._beside_lock:
            table = self._beside.sql(sql).to_arrow_table()
        return expr.__pyarrow_result__(table, data_mapper=DuckDBPyArrowData)

    def cache_beside(self, expr: ir.Table, name: str) -> ir.Table:
        import ibis.expr.operations as ops

        sql = self.backend.compile(expr)
        with self._beside_lock:
            self._beside.execute(f'CREATE TABLE "{name}" AS {sql}')
        # Its schema is the expression's: asking the main connection for it would wait for (or
        # interfere with) the query running there.
        return ops.DatabaseTable(name, schema=expr.schema(), source=self.backend).to_expr()

    @classmethod
    def open(
        cls, lake: Lake | None = None, threads: int | None = None, settings: Settings | None = None
    ) -> DuckDBEngine:
        """DuckDB over ``lake``: its memory limit and spill folder from ``settings`` (default: the
        environment's; the spill folder defaults to ``duckdb-temp`` beside the lake)."""
        settings = settings or Settings.from_env()
        _read_enums_as_strings()
        con = ibis.duckdb.connect()
        # Nothing in NHC relies on row order without an ORDER BY; dropping it lets DuckDB
        # materialise intermediate (cached) tables in parallel and with less memory.
        con.raw_sql("SET preserve_insertion_order = false")
        if threads:
            con.raw_sql(f"SET threads = {int(threads)}")
        # A limit below the machine's memory, and a folder to spill to past it: a county of
        # millions then runs slower rather than failing (or being killed) when memory runs short.
        con.raw_sql(f"SET memory_limit = '{duckdb_memory_limit(settings.duckdb_memory)}'")
        temp = settings.duckdb_temp or (lake.root.parent / "duckdb-temp" if lake is not None else None)
        if temp is not None:
            con.raw_sql("SET temp_directory = '" + str(temp).replace("'", "''") + "'")
        return cls(con, lake)

    def from_arrow_categorical(self, table: pa.Table, name: str, columns: tuple[str, ...]) -> ir.Table:
        # DuckDB ENUMs are dictionary codes: grouping the 4 M event-to-cluster rows by an ENUM
        # cluster and carrying an ENUM code is about a quarter faster than with VARCHARs, and they
        # still compare, join and print as strings.
        staged = f"{name}_staged"
        self.from_arrow(table, staged)
        casts = []
        for col in table.column_names:
            if col in columns:
                enum = f"{name}_{col}_enum"
                self._enums.setdefault(name, []).append(enum)
                self.backend.raw_sql(
                    f'CREATE TYPE "{enum}" AS ENUM '
                    f'(SELECT DISTINCT "{col}" FROM "{staged}" WHERE "{col}" IS NOT NULL ORDER BY 1)'
                )
                casts.append(f'CAST("{col}" AS "{enum}") AS "{col}"')
            else:
                casts.append(f'"{col}"')
        self.backend.raw_sql(f'CREATE TABLE "{name}" AS SELECT {", ".join(casts)} FROM "{staged}"')
        self.backend.drop_table(staged, force=True)
        return self.backend.table(name)

    def compile(self, expr: ir.Table) -> _CompiledQuery:
        # Ibis turns an expression into SQL in Python (about a second for the largest query at any
        # size); DuckDB releases the GIL while it runs, so this can go on beside a running query.
        return _CompiledQuery(expr, self.backend.compile(expr.as_table()))

    def fetch(self, compiled: Any) -> pa.Table:
        if not isinstance(compiled, _CompiledQuery):
            return self.to_arrow(compiled)
        from ibis.backends.duckdb.converter import DuckDBPyArrowData

        self.backend._run_pre_execute_hooks(compiled.expr)  # registers in-memory tables it reads
        table = self.backend.con.sql(compiled.sql).to_arrow_table()
        return compiled.expr.__pyarrow_result__(table, data_mapper=DuckDBPyArrowData)

    def scan_arrow(self, table: pa.Table, name: str) -> ir.Table:
        # No copy: DuckDB reads the Arrow buffers in place (dictionary-encoded strings as text),
        # which for a county's 726,000 people saves the half second a load into a table takes.
        self.backend.con.register(name, table)
        self._scanned.add(name)
        return self.backend.table(name)

    # SQL prepared by an earlier process (:mod:`nhc.analytics.pipeline.prepared`): a nightly refresh
    # runs it instead of building and compiling the same expressions again (Ibis takes about a
    # second for a refresh's queries, whatever the number of rows). Only DuckDB prepares: it runs in
    # this process, where the compile is a large share of a small refresh.
    prepares_sql = True

    def sql_of(self, expr: ir.Table) -> str:
        """``expr`` as this engine's SQL."""
        return str(self.backend.compile(expr))

    def placeholder(self, name: str, schema: Any) -> ir.Table:
        """An Ibis table named ``name`` with ``schema``, that need not exist yet (expressions over
        it compile to SQL that reads it by name)."""
        import ibis.expr.operations as ops

        return ops.DatabaseTable(name, schema=schema, source=self.backend).to_expr()

    def make_table(self, name: str, sql: str) -> None:
        """Materialise ``sql``'s rows as temporary table ``name`` (replacing one left behind)."""
        self.backend.con.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {sql}')

    def fetch_sql(self, sql: str, schema: Any) -> pa.Table:
        """``sql``'s rows as Arrow, converted as Ibis converts a query's result of ``schema``."""
        from ibis.backends.duckdb.converter import DuckDBPyArrowData

        return DuckDBPyArrowData.convert_table(self.backend.con.sql(sql).to_arrow_table(), schema)

    def drop_made(self, name: str) -> None:
        """Drop a table :meth:`make_table` made."""
        self.backend.con.execute(f'DROP TABLE IF EXISTS "{name}"')

    def drop(self, name: str) -> None:
        if name in self._scanned:
            self._scanned.discard(name)
            self.backend.con.unregister(name)
            return
        super().drop(name)
        for enum in self._enums.pop(name, []):
            self.backend.raw_sql(f'DROP TYPE IF EXISTS "{enum}"')


class SparkEngine(Engine):
    name = "spark"

    @classmethod
    def open(cls, lake: Lake | None = None, settings: Settings | None = None) -> SparkEngine:
        """Spark over ``lake``, its cores and memory from ``settings`` (default: the environment's)."""
        settings = settings or Settings.from_env()
        session = spark_session(settings.spark_cores, settings.spark_memory, settings.spark_master_url)
        return cls(ibis.pyspark.connect(session), lake)

    def _read(self, name: str, files: list[Path], delta: Delta | None) -> ir.Table:
        # Spark takes one path, not a list: the table's folder (it skips hidden files and the
        # delta's ``_`` folder, which :meth:`_merged` reads)
        base = self.backend.read_parquet(str(files[0].parent), table_name=f"lake_{name}")
        return self._merged(name, base, delta)

    def __init__(self, backend: Any, lake: Lake | None = None) -> None:
        super().__init__(backend, lake)
        self._views: dict[str, Any] = {}  # name -> the cached DataFrame behind a from_arrow view

    def from_arrow(self, table: pa.Table, name: str) -> ir.Table:
        # Straight from Arrow (through pandas, all-empty columns would be VOID), one chunk per
        # column (a chunked column sends pyspark to its slow row-by-row path), registered once as a
        # cached temporary view: queries read the cache (small ones broadcast) rather than carry
        # the rows inside every task.
        if not _spark_takes_arrow():
            return self.backend.create_table(name, obj=table, overwrite=True)
        df = self.backend._session.createDataFrame(table.combine_chunks()).cache()
        df.count()  # materialise the cache now, once
        df.createOrReplaceTempView(name)
        self._views[name] = df
        return self.backend.table(name)

    def drop(self, name: str) -> None:
        df = self._views.pop(name, None)
        if df is None:
            super().drop(name)
            return
        self.backend._session.catalog.dropTempView(name)
        df.unpersist()

    def dataframe(self, expr: ir.Expr) -> Any:
        """``expr`` as a Spark DataFrame (nothing runs yet)."""
        table_expr = expr.as_table()
        self.backend._run_pre_execute_hooks(table_expr)
        return self.backend._session.sql(self.backend.compile(table_expr))

    def to_arrow(self, expr: ir.Expr) -> pa.Table:
        # Spark's own Arrow collection (Ibis goes through pandas, and its Arrow conversion of
        # chunked columns falls back to the slow path).
        from ibis.formats.pyarrow import PyArrowData

        if not _spark_takes_arrow():
            return super().to_arrow(expr)
        table = self.dataframe(expr).toArrow()
        return expr.__pyarrow_result__(PyArrowData.convert_table(table, expr.as_table().schema()))

    def cache(self, expr: ir.Table, name: str) -> ir.Table:
        # Materialised now and cut from its lineage (a local checkpoint), under a view of its own:
        # Ibis's lazy cache would leave every later query planning the whole pipeline above it,
        # which on two cores cost Spark a third of a county's run. The blocks live on the
        # executors, so losing one fails the run (a nightly batch then runs again) rather than
        # recomputing the step.
        frame = self.dataframe(expr).localCheckpoint(eager=True)
        frame.createOrReplaceTempView(name)
        self._views[name] = frame
        return self.backend.table(name)

    def output(self, expr: Any) -> SparkOutput:
        # written by the executors: an output of millions of rows never passes through the driver
        return SparkOutput(self, expr)


@cache
def _spark_takes_arrow() -> bool:
    """Whether pyspark builds and collects DataFrames as Arrow tables (4.0 and later)."""
    from pyspark.sql import DataFrame

    return hasattr(DataFrame, "toArrow")


@cache
def _read_enums_as_strings() -> None:
    """Teach Ibis to read a DuckDB ENUM type as a string without parsing its member list.

    Ibis maps every ENUM to a string, but first parses the whole type text with sqlglot each time
    it reads a table's schema: 4.7 s for an ENUM of the 55,000 codelist codes. The result is the
    same string type, so this skips the parse (and leaves every other type to Ibis).
    """
    from ibis.backends.sql.datatypes import DuckDBType

    parse = DuckDBType.from_string.__func__

    def from_string(cls: type, text: str, nullable: bool | None = None) -> Any:
        if text.startswith("ENUM("):
            return ibis.dtype("string").copy(nullable=cls.default_nullable if nullable is None else nullable)
        return parse(cls, text, nullable)

    DuckDBType.from_string = classmethod(from_string)


def duckdb_memory_limit(value: str) -> str:
    """``NHC_DUCKDB_MEMORY`` as DuckDB's ``memory_limit``: a size passes through; a share (``75%``)
    becomes MiB of the memory this process may use (the machine's, or its cgroup's if lower)."""
    if not value.endswith("%"):
        return value
    return f"{int(_usable_memory() * int(value[:-1]) / 100) // 2**20}MiB"


def _usable_memory() -> int:
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    try:  # a container's limit (cgroup v2), where one is set
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
    except OSError:
        return total
    return min(total, int(limit)) if limit.isdigit() else total


_JIT_HUGE_METHODS = "-XX:-DontCompileHugeMethods"

# Where the nhc package is imported from: Python workers on a cluster's executors import it too.
_NHC_SOURCE = Path(__file__).resolve().parents[2]


@cache
def spark_session(cores: int = 2, memory: str = "4g", master: str | None = None) -> Any:
    """One Spark session per process (its start-up takes seconds). ``master`` is where it runs
    (``Settings.spark_master_url``; default ``local[cores]``). ``cores`` and ``memory``
    (``Settings.spark_cores``/``spark_memory``) apply to the first session a process starts: on a
    cluster ``cores`` is the most the application takes and ``memory`` is also each executor's.

    On a cluster the executors read the lake's files themselves, so the lake must be on storage
    every worker sees at the same path, and their Python workers run this interpreter with this
    package importable (the same install on every machine, as on one machine).
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:  # pragma: no cover - depends on the install
        raise NhcError("the Spark engine needs pyspark", hint="pip install 'nhc[spark]'") from None
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    master = master or f"local[{int(cores)}]"
    builder = (
        SparkSession.builder.master(master)
        .appName("nhc")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", memory)
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        # Let the JIT compile Spark's generated code however long: scoring's wide projections
        # (29 features, each pick a row-wise maximum) make methods over HotSpot's 8,000-byte limit,
        # which otherwise run interpreted, three times slower (12 s against 4 s at the county).
        .config("spark.driver.extraJavaOptions", _JIT_HUGE_METHODS)
        .config("spark.executor.extraJavaOptions", _JIT_HUGE_METHODS)
        # A warehouse per process: managed tables left by an earlier run would clash by name.
        .config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="nhc-spark-warehouse-"))
    )
    if not master.startswith("local"):
        python_path = os.pathsep.join(p for p in (str(_NHC_SOURCE), os.environ.get("PYTHONPATH")) if p)
        builder = (
            builder.config("spark.cores.max", str(int(cores)))
            .config("spark.executor.memory", memory)
            .config("spark.pyspark.python", os.environ["PYSPARK_PYTHON"])
            .config("spark.executorEnv.PYTHONPATH", python_path)
        )
    return builder.getOrCreate()


ENGINE_CLASSES = {"duckdb": DuckDBEngine, "spark": SparkEngine}


def connect(settings: Settings) -> Engine:
    """The engine ``settings.engine`` over the lake in ``settings.lake_dir``."""
    lake = Lake(settings.lake_dir)
    cls = ENGINE_CLASSES.get(settings.engine)
    if cls is None:
        raise NhcError(f"unknown analytics engine {settings.engine!r}", hint="use duckdb or spark")
    if cls is SparkEngine:
        return SparkEngine.open(lake, settings)
    return cls.open(lake, settings=settings)
