"""Output tables that Spark writes where its data is: each executor writes its partitions' rows
with the store's own writer, so no person-level row passes through the driver.

A run on a cluster publishes tables of millions of rows; collecting them to the driver (as
``toArrow`` does) would make the driver hold everything. Here each partition goes to one part file,
``part-<partition>.parquet``, conformed to the table's schema as it is written
(:func:`nhc.lake.store.write_batches`: the same checks, types and Parquet settings as every lake
table), first under a hidden name and then renamed, so a reader never sees half a file. A check
that fails on an executor comes back as the store's message, and a file it cannot write as a
sentence naming the file (never a Spark stack trace); the publication that asked for the table then
fails whole (:func:`nhc.lake.publish.publish`). The lake must be on storage every executor sees at
the same absolute path, as a cluster run already requires.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from nhc.errors import NhcError
from nhc.lake.store import write_batches
from nhc.lake.tables import table_schema

if TYPE_CHECKING:
    import ibis.expr.types as ir

#: What each partition's writer reports back: its rows, or the message of a failed check.
_REPORT = pa.schema([("rows", pa.int64()), ("error", pa.string())])


class SparkOutput:
    """An output table still on Spark: written by the executors (:meth:`write_into`) or, for a run
    that does not write, collected (:meth:`to_arrow`). ``engine`` is a :class:`SparkEngine`."""

    def __init__(self, engine: Any, expr: ir.Table) -> None:
        self.engine, self.expr = engine, expr

    def write_into(self, folder: Path, name: str) -> int:
        schema = table_schema(name)
        folder = folder.resolve()  # the executors do not run in this process's folder
        folder.mkdir()
        frame = self.engine.dataframe(self.expr)
        reports = frame.mapInArrow(PartWriter(str(folder), name), "rows long, error string").collect()
        errors = [r["error"] for r in reports if r["error"]]
        if errors:
            raise NhcError(errors[0])
        if not any(folder.glob("*.parquet")):  # no partitions at all: still a table, with its schema
            write_batches([], schema, folder / "part-00000.parquet")
        return sum(r["rows"] for r in reports)

    def to_arrow(self) -> pa.Table:
        return self.engine.to_arrow(self.expr)


class PartWriter:
    """What each executor runs on one partition's Arrow batches: write them as one part file of
    table ``name`` in ``folder``; yield one report row. A plain picklable object (Spark ships it)."""

    def __init__(self, folder: str, name: str) -> None:
        self.folder, self.name = folder, name

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark import TaskContext  # only on an executor, where pyspark is importable

        final = Path(self.folder) / f"part-{TaskContext.get().partitionId():05d}.parquet"
        hidden = final.with_name(f".{final.name}.{uuid.uuid4().hex}")  # readers skip hidden files
        try:
            rows = write_batches(batches, table_schema(self.name), hidden)
            os.replace(hidden, final)  # a retried task replaces its partition's file whole
            yield pa.RecordBatch.from_pylist([{"rows": rows, "error": None}], schema=_REPORT)
        except (NhcError, OSError) as exc:  # a check that failed, or storage this executor cannot write
            hidden.unlink(missing_ok=True)
            said = str(exc) if isinstance(exc, NhcError) else f"cannot write {final}: {exc.strerror or exc}"
            yield pa.RecordBatch.from_pylist([{"rows": 0, "error": said}], schema=_REPORT)
