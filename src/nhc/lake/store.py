"""Parquet read/write for the lake, with atomic writes.

Layout: ``<lake>/<table>/part-00000.parquet`` (one folder per table). Writers never leave a
half-written table behind: a table is written into a hidden staging folder next to its final
place and swapped in with renames. A set of tables is written as one unit the same way: a whole
lake (:func:`write_lake`), or some tables of a lake with the rest kept byte for byte
(:func:`update_lake`, hard links), is staged beside the lake and swapped in with two renames, so a
run that dies leaves the previous lake untouched. This module is the only place that swaps lake
folders.

Files are written with fixed settings (no statistics timestamps, fixed row-group size), so the
same tables give byte-identical files.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from nhc.errors import NhcError
from nhc.lake.merge_on_read import Delta, delta_of, read_merged
from nhc.lake.tables import TABLES, TableSchema, table_schema

#: Where :mod:`nhc.lake.publish` keeps the generations of a set of tables published together.
GENERATIONS = ".generations"

ROW_GROUP_SIZE = 1_000_000
PART_NAME = "part-00000.parquet"

#: What a table can be written from: a whole Arrow table, or a stream of record batches (written
#: batch by batch, so a table larger than memory can be written; each batch is conformed in turn).
TableData = pa.Table | Iterable[pa.RecordBatch]


def tables_version(lake_dir: Path | str, names: Iterable[str]) -> tuple:
    """What the named tables' Parquet files are now (table, file, modification time, size), their
    delta's too (:mod:`.merge_on_read`): readers that keep something computed from the lake rebuild
    it when this changes."""
    out = []
    for name in names:
        folder = Path(lake_dir) / name
        if not folder.is_dir():
            continue
        delta = delta_of(folder)
        for f in [*sorted(folder.glob("*.parquet")), *(delta.files if delta else ())]:
            st = f.stat()
            out.append((name, str(f.relative_to(folder)), st.st_mtime_ns, st.st_size))
    return tuple(out)


def conform(table: pa.Table, schema: TableSchema, *, keep_encoded_text: bool = False) -> pa.Table:
    """Check ``table`` against ``schema`` and return it with exactly the schema's columns and types.

    ``keep_encoded_text``: a text column given dictionary-encoded (a nightly refresh keeps its
    tables so) stays encoded, so that Parquet writes its dictionary as it is instead of decoding
    and encoding every value again; :func:`_write_parquet` then stores no Arrow schema, so every
    reader reads text. Only for a table written whole by :meth:`Lake.write`: writers that stream
    pieces against the declared schema need the declared types.

    Raises :class:`NhcError` naming the table and column for a missing column, a value that cannot be
    cast, a null in a required column or a value outside the allowed set.
    """
    missing = [c for c in schema.column_names if c not in table.column_names]
    if missing:
        raise NhcError(f"table {schema.name}: missing column(s) {', '.join(missing)}")
    arrays, fields = [], []
    for col in schema.columns:
        arr = table.column(col.name)
        encoded = keep_encoded_text and _encoded_text(arr.type, col.type) and col.allowed is None
        try:
            arr = arr.cast(col.type) if arr.type != col.type and not encoded else arr
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise NhcError(
                f"table {schema.name}: column {col.name} cannot be read as {col.type}: {exc}"
            ) from None
        if not col.nullable and arr.null_count:
            raise NhcError(f"table {schema.name}: column {col.name} has {arr.null_count} empty value(s)")
        if col.allowed is not None and len(arr):
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
        field = schema.arrow.field(col.name)
        fields.append(field.with_type(arr.type) if encoded else field)
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata=schema.arrow.metadata))


def _encoded_text(given: pa.DataType, declared: pa.DataType) -> bool:
    return pa.types.is_dictionary(given) and given.value_type == declared == pa.string()


def _statistics(schema: pa.Schema) -> list[str]:
    """The columns whose min/max each row group records: all but text.

    A text column's min and max cost a third of writing a large table, and skip nothing: no lake
    table is ordered by text, so every row group spans a text column's whole range."""
    return [f.name for f in schema if not (pa.types.is_string(f.type) or _encoded_text(f.type, pa.string()))]


def _writer_options(schema: pa.Schema) -> dict:
    """The Parquet settings of every lake file (fixed, so the same table gives the same bytes)."""
    return {"compression": "zstd", "use_dictionary": True, "write_statistics": _statistics(schema)}


def _write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(
        table,
        path,
        row_group_size=ROW_GROUP_SIZE,
        **_writer_options(table.schema),
        # the Arrow schema would tell readers a column is dictionary-encoded; without it they read
        # Parquet's own types, which for every lake type are the declared ones (no time zones)
        store_schema=not any(pa.types.is_dictionary(t) for t in table.schema.types),
    )


def write_part(name: str, table: pa.Table, path: Path) -> int:
    """Write ``table`` as one Parquet file of table ``name`` at ``path``, conformed and with the
    settings of every lake file (for a file that is not the whole table: :mod:`.merge_on_read`)."""
    conformed = conform(table, table_schema(name), keep_encoded_text=True)
    _write_parquet(conformed, path)
    return conformed.num_rows


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
        """The table's Parquet files: all its rows, unless :meth:`delta` replaces some."""
        folder = self.root / name
        return sorted(folder.glob("*.parquet")) if folder.is_dir() else []

    def delta(self, name: str) -> Delta | None:
        """The rows replacing some people's rows of :meth:`files` (:mod:`.merge_on_read`), or None."""
        folder = self.root / name
        return delta_of(folder) if folder.is_dir() else None

    def tables(self) -> list[str]:
        return [name for name in TABLES if self.exists(name)]

    def read(self, name: str, columns: Iterable[str] | None = None, filters: list | None = None) -> pa.Table:
        """Table ``name``: ``columns`` (default all) of the rows passing ``filters`` (pyarrow's)."""
        schema = table_schema(name)
        files = self.files(name)
        if not files:
            raise NhcError(
                f"lake table {name!r} not found in {self.root}", hint="run `nhc synth` or `nhc ingest` first"
            )
        return read_merged(files, self.delta(name), schema.arrow, columns, filters)

    def write(self, name: str, table: pa.Table) -> Path:
        """Replace table ``name`` atomically with ``table`` (conformed to its schema)."""
        schema = table_schema(name)
        conformed = conform(table, schema, keep_encoded_text=True)  # written whole: see conform
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
            files, delta = self.files(name), self.delta(name)
            if delta is None:
                rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
            else:  # the base's replaced rows do not count
                rows = self.read(name, columns=["patient_id"]).num_rows
                files = [*files, *delta.files]
            out.append(TableInfo(name, rows, sum(f.stat().st_size for f in files), len(files)))
        return out


def _swap_in(staging: Path, final: Path) -> None:
    """Replace ``final`` by ``staging`` with renames so readers never see a partial folder."""
    old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex}")
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    shutil.rmtree(old, ignore_errors=True)


def write_batches(batches: Iterable[pa.RecordBatch], schema: TableSchema, path: Path) -> int:
    """Write a stream of batches (each conformed to ``schema``) as one Parquet file, same settings;
    return the rows written. An engine's workers write their parts of an output table with it."""
    rows = 0
    writer = None
    try:
        for batch in batches:
            table = conform(pa.Table.from_batches([batch]), schema)
            if writer is None:
                writer = pq.ParquetWriter(path, schema.arrow, **_writer_options(schema.arrow))
            writer.write_table(table, row_group_size=ROW_GROUP_SIZE)
            rows += table.num_rows
        if writer is None:  # no batches: an empty table, still with its schema
            _write_parquet(schema.arrow.empty_table(), path)
    finally:
        if writer is not None:
            writer.close()
    return rows


def _write_table(name: str, data: TableData, folder: Path) -> None:
    """Write table ``name`` into ``folder`` (created): a conformed table or a stream of batches."""
    folder.mkdir()
    if isinstance(data, pa.Table):
        _write_parquet(data, folder / PART_NAME)
    else:
        write_batches(data, table_schema(name), folder / PART_NAME)


def _link_tree(src: Path, dst: Path) -> None:
    """Hard-link ``src`` (a file or folder) at ``dst`` (a copy where links are not possible); a
    symbolic link stays a link to the same (relative) target, so published generations survive."""
    if src.is_symlink():
        os.symlink(os.readlink(src), dst)
        return
    if src.is_dir():
        dst.mkdir()
        for child in src.iterdir():
            _link_tree(child, dst / child.name)
        return
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _stage_and_swap(root: Path, fill: Callable[[Path], None]) -> Lake:
    """Build a new lake in a hidden folder beside ``root`` with ``fill``, then swap it in.

    If ``fill`` raises, the staging folder is removed and ``root`` is exactly as it was.
    """
    _ensure_writable(root.parent if root.parent != Path("") else Path("."))
    staging = root.with_name(f".{root.name}.staging-{uuid.uuid4().hex}")
    staging.mkdir(parents=True)
    try:
        fill(staging)
        _swap_in(staging, root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Lake(root)


def write_lake(
    root: Path | str,
    tables: Mapping[str, pa.Table] | Iterable[tuple[str, pa.Table]],
    extra_files: Mapping[str, str] | None = None,
) -> Lake:
    """Write a whole set of tables as one unit: all of them appear, or the old lake stays as it was.

    Every table is conformed first (so a bad table fails before anything is written), then written
    into a staging lake beside ``root``, which replaces ``root`` with two renames. ``extra_files``
    (name -> text) are written beside the tables, e.g. a manifest of how the lake was made. Tables
    and files of the old lake that are not given are gone afterwards (see :func:`update_lake`).
    """
    items = list(tables.items()) if isinstance(tables, Mapping) else list(tables)
    conformed = [(name, conform(t, table_schema(name))) for name, t in items]

    def fill(staging: Path) -> None:
        for name, t in conformed:
            _write_table(name, t, staging / name)
        for filename, text in (extra_files or {}).items():
            (staging / filename).write_text(text)

    return _stage_and_swap(Path(root), fill)


def update_lake(root: Path | str, tables: Mapping[str, TableData]) -> Lake:
    """Replace some tables of the lake at ``root`` as one unit, keeping everything else.

    Every other table and file of the lake is hard-linked into the staging lake (the same bytes;
    hidden names are left out), the given tables are written there (an Arrow table is conformed
    before anything is written; a stream of batches is conformed batch by batch as it is written),
    and the staging lake replaces ``root`` with two renames. Published generations
    (:mod:`nhc.lake.publish`: ``<table>`` links into ``.generations``) are kept as they are. Either all the given tables change or,
    if anything fails, the lake stays exactly as it was with no staging folder left behind. A
    missing ``root`` is created.
    """
    root = Path(root)
    items = [
        (name, conform(data, table_schema(name)) if isinstance(data, pa.Table) else data)
        for name, data in tables.items()
    ]
    names = {name for name, _ in items}

    def fill(staging: Path) -> None:
        if root.exists():
            for item in root.iterdir():
                hidden = item.name.startswith(".") and item.name != GENERATIONS
                if not hidden and item.name not in names:
                    _link_tree(item, staging / item.name)
        for name, data in items:
            _write_table(name, data, staging / name)

    return _stage_and_swap(root, fill)


class TableAppender:
    """One table's Parquet file written from pieces appended in order (each conformed to its schema).

    Rows are regrouped into row groups of exactly :data:`ROW_GROUP_SIZE` (the last one shorter), so
    the file is byte for byte the one :func:`write_lake` writes for all the pieces concatenated,
    however they were cut. At most one row group of rows is held at a time.
    """

    def __init__(self, name: str, path: Path) -> None:
        self.schema = table_schema(name)
        self.path = path
        self.rows = 0
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._writer: pq.ParquetWriter | None = None

    def append(self, table: pa.Table) -> None:
        piece = conform(table, self.schema)
        self.rows += piece.num_rows
        self._pending.append(piece)
        self._pending_rows += piece.num_rows
        while self._pending_rows >= ROW_GROUP_SIZE:
            rows = pa.concat_tables(self._pending)
            self._write(rows.slice(0, ROW_GROUP_SIZE))
            rest = rows.slice(ROW_GROUP_SIZE)
            self._pending, self._pending_rows = [rest], rest.num_rows

    def _write(self, rows: pa.Table) -> None:
        if self._writer is None:
            self._writer = pq.ParquetWriter(
                self.path, self.schema.arrow, **_writer_options(self.schema.arrow)
            )
        # Contiguous columns: how the pieces were cut must not change the pages written.
        self._writer.write_table(rows.combine_chunks(), row_group_size=ROW_GROUP_SIZE)

    def close(self) -> None:
        """Write the last rows (or an empty table with the schema if there were none) and close."""
        if self._pending_rows or self._writer is None:
            rows = pa.concat_tables(self._pending) if self._pending else self.schema.arrow.empty_table()
            if self._writer is None:
                _write_parquet(rows.combine_chunks(), self.path)
            else:
                self._write(rows)
        if self._writer is not None:
            self._writer.close()
        self._pending, self._pending_rows = [], 0


def write_lake_by_pieces(
    root: Path | str,
    names: Iterable[str],
    fill: Callable[[Callable[[str, pa.Table], None]], None],
    extra_files: Callable[[], Mapping[str, str]] | None = None,
) -> Lake:
    """Write a whole lake as one unit (as :func:`write_lake`) from pieces made one at a time.

    ``fill(append)`` calls ``append(name, table)`` as often as it likes, tables in any order; each
    table's pieces go into its file in the order given (see :class:`TableAppender`), so memory holds
    one piece, not the lake. Every table in ``names`` is written, empty if it got no piece.
    ``extra_files`` is called after ``fill`` (so a manifest can say what was made). If anything
    fails, the old lake stays as it was.
    """

    def stage(staging: Path) -> None:
        appenders: dict[str, TableAppender] = {}
        for name in names:
            (staging / name).mkdir()
            appenders[name] = TableAppender(name, staging / name / PART_NAME)
        try:
            fill(lambda name, table: appenders[name].append(table))
        finally:
            for appender in appenders.values():
                appender.close()
        for filename, text in (extra_files() if extra_files else {}).items():
            (staging / filename).write_text(text)

    return _stage_and_swap(Path(root), stage)
