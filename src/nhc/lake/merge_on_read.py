"""A lake table published as a base and the rows that replace some people's: merge on read.

A nightly refresh changes the rows of a few thousand people in tables of millions of rows. Parquet
files cannot drop a row, so publishing such a table whole means writing every row again, every
night. Instead the refresh may publish it as its last whole version (the **base**: the files it
already had, hard-linked, not written) and, beside them, the people whose rows changed since::

    <table>/part-00000.parquet            the base: every person's rows as at the last whole write
    <table>/_delta/replaced.parquet       patient_id: the people whose base rows no longer hold
    <table>/_delta/rows.parquet           those people's rows now (none for someone who left)

The table is the base without the replaced people's rows, plus the delta's rows: the equality
deletes of Apache Iceberg's merge-on-read tables, keyed on ``patient_id``. Every NHC reader reads
it so (:meth:`nhc.lake.store.Lake.read`, the engines' ``table``, the insights service, the equity
service, the Delta export), with the helpers here.

A reader that knows nothing of it and reads ``<table>/*.parquet`` (or the folder, as Spark does:
it skips ``_`` folders) sees the base alone: the whole table as it was at its last whole write,
consistent, never a person twice. The refresh writes the table whole again (a new base) when the
replaced people pass a share of everyone, and the full run always writes it whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

DELTA = "_delta"
ROWS = "rows.parquet"
REPLACED = "replaced.parquet"
KEY = "patient_id"


@dataclass(frozen=True)
class Delta:
    """The delta beside a table's base files: the replaced people and their rows now."""

    replaced: Path
    rows: Path

    @property
    def files(self) -> tuple[Path, Path]:
        return self.replaced, self.rows


def delta_of(folder: Path) -> Delta | None:
    """The delta in table folder ``folder``, or None when the table is its files alone."""
    delta = Delta(folder / DELTA / REPLACED, folder / DELTA / ROWS)
    return delta if delta.replaced.is_file() and delta.rows.is_file() else None


def merged(base: pa.Table, replaced: pa.Array | pa.ChunkedArray, rows: pa.Table) -> pa.Table:
    """``base`` without the rows of the ``replaced`` people, then ``rows`` (in ``base``'s schema)."""
    kept = base.filter(pc.invert(pc.is_in(base.column(KEY), value_set=_array(replaced))))
    return pa.concat_tables([kept, rows.select(base.column_names).cast(base.schema)])


def merged_files(files: Sequence[Path], replaced: pa.Array | pa.ChunkedArray, rows: pa.Table) -> pa.Table:
    """The base ``files`` read whole, merged with a delta held in memory (:func:`merged`)."""
    return merged(pa.concat_tables(pq.read_table(f) for f in files), replaced, rows)


def read_merged(
    files: Sequence[Path],
    delta: Delta | None,
    schema: pa.Schema,
    columns: Iterable[str] | None = None,
    filters: list | None = None,
) -> pa.Table:
    """The table of base ``files`` and ``delta`` as pyarrow reads it: ``columns`` (default all) of
    the rows that pass ``filters`` (pyarrow's DNF), each file read with ``schema``."""
    cols = None if columns is None else list(columns)
    need = cols if cols is None or delta is None or KEY in cols else [*cols, KEY]
    read = [pq.read_table(f, schema=schema, columns=need, filters=filters) for f in files]
    base = pa.concat_tables(read) if read else _empty(schema, need)
    if delta is None:
        return base
    replaced = pq.read_table(delta.replaced).column(KEY)
    rows = pq.read_table(delta.rows, schema=schema, columns=need, filters=filters)
    out = merged(base, replaced, rows)
    return out if cols is None or KEY in cols else out.drop_columns([KEY])


def duckdb_source(files: Sequence[Path], delta: Delta | None) -> str:
    """A DuckDB query (a ``FROM`` item) reading the table of base ``files`` and ``delta``."""
    base = f"read_parquet([{', '.join(_quoted(f) for f in files)}])"
    if delta is None:
        return base
    return (
        f"(SELECT * FROM {base} WHERE {KEY} NOT IN (SELECT {KEY} FROM read_parquet({_quoted(delta.replaced)})) "
        f"UNION ALL BY NAME SELECT * FROM read_parquet({_quoted(delta.rows)}))"
    )


def write_delta(
    folder: Path, replaced: pa.Array, rows: pa.Table, write_rows: Callable[[pa.Table, Path], object]
) -> None:
    """Write a delta into table folder ``folder``: the ``replaced`` ids, and ``rows`` written by
    ``write_rows(table, path)`` (the store's own writer, so the rows are checked and conformed)."""
    home = folder / DELTA
    home.mkdir(parents=True)
    ids = pa.table({KEY: pc.unique(_array(replaced)).cast(pa.int64())})
    pq.write_table(ids, home / REPLACED, compression="zstd")
    write_rows(rows, home / ROWS)


def _array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _empty(schema: pa.Schema, columns: list[str] | None) -> pa.Table:
    table = schema.empty_table()
    return table if columns is None else table.select(columns)


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"
