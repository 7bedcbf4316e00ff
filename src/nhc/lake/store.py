"""Parquet read/write for the lake, with atomic writes.

Layout: ``<lake>/<table>/part-00000.parquet`` (one folder per table). Writers never leave a
half-written table behind: a table is written into a hidden staging folder next to its final
place and swapped in with renames; a whole lake (``write_lake``) is staged the same way, so a run
that dies leaves the previous lake untouched.

Files are written with fixed settings (no statistics timestamps, fixed row-group size), so the
same tables give byte-identical files.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from nhc.errors import NhcError
from nhc.lake.schema import TABLES, TableSchema, table_schema

ROW_GROUP_SIZE = 1_000_000
PART_NAME = "part-00000.parquet"


def conform(table: pa.Table, schema: TableSchema) -> pa.Table:
    """Check ``table`` against ``schema`` and return it with exactly the schema's columns and types.

    Raises :class:`NhcError` naming the table and column for a missing column, a value that cannot be
    cast, a null in a required column or a value outside the allowed set.
    """
    missing = [c for c in schema.column_names if c not in table.column_names]
    if missing:
        raise NhcError(f"table {schema.name}: missing column(s) {', '.join(missing)}")
    arrays = []
    for col in schema.columns:
        arr = table.column(col.name)
        try:
            arr = arr.cast(col.type) if arr.type != col.type else arr
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise NhcError(
                f"table {schema.name}: column {col.name} cannot be read as {col.type}: {exc}"
            ) from None
        if not col.nullable and arr.null_count:
            raise NhcError(f"table {schema.name}: column {col.name} has {arr.null_count} empty value(s)")
        if col.allowed is not None and len(arr):
            import pyarrow.compute as pc

            bad = pc.invert(pc.is_in(arr, value_set=pa.array(col.allowed, type=col.type)))
            bad = pc.and_kleene(bad, pc.is_valid(arr))
            n_bad = pc.sum(pc.cast(bad, pa.int64())).as_py() or 0
            if n_bad:
                example = pc.filter(arr, bad)[0].as_py()
                raise NhcError(
                    f"table {schema.name}: column {col.name} has {n_bad} value(s) outside "
                    f"{', '.join(col.allowed)} (e.g. {example!r})"
                )
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=schema.arrow)


def _write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(
        table,
        path,
        compression="zstd",
        row_group_size=ROW_GROUP_SIZE,
        write_statistics=True,
        use_dictionary=True,
    )


def _ensure_writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise NhcError(
            f"cannot write to data folder {folder}: {exc.strerror or exc}",
            hint="choose a writable folder with NHC_DATA",
        ) from None


@dataclass(frozen=True)
class TableInfo:
    name: str
    rows: int
    bytes: int
    files: int


class Lake:
    """A folder of lake tables."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, name: str) -> Path:
        table_schema(name)
        return self.root / name

    def exists(self, name: str) -> bool:
        return any(self.files(name))

    def files(self, name: str) -> list[Path]:
        folder = self.root / name
        return sorted(folder.glob("*.parquet")) if folder.is_dir() else []

    def tables(self) -> list[str]:
        return [name for name in TABLES if self.exists(name)]

    def read(self, name: str) -> pa.Table:
        schema = table_schema(name)
        files = self.files(name)
        if not files:
            raise NhcError(
                f"lake table {name!r} not found in {self.root}", hint="run `nhc synth` or `nhc ingest` first"
            )
        return pa.concat_tables(pq.read_table(f, schema=schema.arrow) for f in files)

    def write(self, name: str, table: pa.Table) -> Path:
        """Replace table ``name`` atomically with ``table`` (conformed to its schema)."""
        schema = table_schema(name)
        conformed = conform(table, schema)
        _ensure_writable(self.root)
        staging = self.root / f".{name}.staging-{uuid.uuid4().hex}"
        staging.mkdir()
        try:
            _write_parquet(conformed, staging / PART_NAME)
            _swap_in(staging, self.root / name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return self.root / name

    def info(self) -> list[TableInfo]:
        out = []
        for name in self.tables():
            files = self.files(name)
            rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
            out.append(TableInfo(name, rows, sum(f.stat().st_size for f in files), len(files)))
        return out


def _swap_in(staging: Path, final: Path) -> None:
    """Replace ``final`` by ``staging`` with renames so readers never see a partial folder."""
    old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex}")
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    shutil.rmtree(old, ignore_errors=True)


def write_lake(
    root: Path | str,
    tables: Mapping[str, pa.Table] | Iterable[tuple[str, pa.Table]],
    extra_files: Mapping[str, str] | None = None,
) -> Lake:
    """Write a whole set of tables as one unit: all of them appear, or the old lake stays as it was.

    Every table is conformed first (so a bad table fails before anything is written), then written
    into a staging lake beside ``root``, which replaces ``root`` with two renames. ``extra_files``
    (name -> text) are written beside the tables, e.g. a manifest of how the lake was made.
    """
    root = Path(root)
    items = list(tables.items()) if isinstance(tables, Mapping) else list(tables)
    conformed = [(name, conform(t, table_schema(name))) for name, t in items]
    _ensure_writable(root.parent if root.parent != Path("") else Path("."))
    staging = root.with_name(f".{root.name}.staging-{uuid.uuid4().hex}")
    staging.mkdir(parents=True)
    try:
        for name, t in conformed:
            (staging / name).mkdir()
            _write_parquet(t, staging / name / PART_NAME)
        for filename, text in (extra_files or {}).items():
            (staging / filename).write_text(text)
        _swap_in(staging, root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Lake(root)
