"""The DuckDB session in which staged rows are resolved and merged with the lake.

Views: ``s_<stage>`` over every worker's staging file of that stage (and ``s_resources`` over the
whole resources, :mod:`.whole`, Arrow IPC files scanned as a dataset), ``lake_<table>`` over the
lake's current table (an empty table of the right schema if the lake has none). With ``trace``,
every statement's time is printed on stderr, for tuning.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds

from nhc.fhir.ingest.stage import STAGES
from nhc.fhir.ingest.whole import staged_files
from nhc.lake.store import Lake
from nhc.lake.tables import table_schema

MERGE_MEMORY = "1GB"


def day(col: str) -> str:
    """SQL turning ``col`` (days since 1970-01-01, as staged) into a DATE."""
    return f"(DATE '1970-01-01' + {col})"


def scalar(con: Any, sql: str) -> Any:
    """The single value ``sql`` returns."""
    return con.execute(sql).fetchone()[0]


class Traced:
    """A DuckDB connection that prints each statement's time on stderr."""

    def __init__(self, con: Any) -> None:
        self._con = con

    def execute(self, sql: str, *args: Any) -> Any:
        t0 = time.perf_counter()
        out = self._con.execute(sql, *args)
        print(f"{time.perf_counter() - t0:7.2f}s {' '.join(sql.split())[:110]}", file=sys.stderr)
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def connect(work: Path, lake: Lake, tables: tuple[str, ...], *, threads: int, trace: bool = False) -> Any:
    """A fresh in-memory DuckDB over the staged rows in ``work`` and ``tables`` of ``lake``.

    Spills to ``work/duck`` beyond :data:`MERGE_MEMORY`.
    """
    # Imported here, not at the top: worker processes import this package to read and stage, and
    # never need DuckDB (it costs each of them a fifth of a second to import).
    import duckdb

    con: Any = duckdb.connect()
    if trace:
        con = Traced(con)
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET temp_directory = '{work / 'duck'}'")
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"SET threads = {max(1, threads)}")
    con.execute(f"SET memory_limit = '{MERGE_MEMORY}'")
    for name in STAGES:
        con.execute(f"CREATE VIEW s_{name} AS SELECT * FROM read_parquet('{work}/w*/{name}.parquet')")
    con.register("s_resources_ipc", ds.dataset([str(p) for p in staged_files(work)], format="ipc"))
    con.execute("CREATE VIEW s_resources AS SELECT * FROM s_resources_ipc")
    for t in tables:
        _lake_view(con, lake, t)
    return con


def _lake_view(con: Any, lake: Lake, table: str) -> None:
    files = lake.files(table)
    if files:
        paths = ", ".join(f"'{f}'" for f in files)
        cols = ", ".join(f'"{c}"' for c in table_schema(table).column_names)
        con.execute(f"CREATE OR REPLACE VIEW lake_{table} AS SELECT {cols} FROM read_parquet([{paths}])")
    else:
        con.register(f"_empty_lake_{table}", table_schema(table).arrow.empty_table())
        con.execute(f"CREATE OR REPLACE VIEW lake_{table} AS SELECT * FROM _empty_lake_{table}")
