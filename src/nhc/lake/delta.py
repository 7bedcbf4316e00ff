"""The lake's tables as Delta Lake tables, for a platform that wants tables rather than files.

Parquet stays the lake's own layout (a folder per table, swapped in whole by :mod:`.store`, which a
Delta log cannot live in). Many NHS secure data environments and ICB platforms are Databricks or
Microsoft Fabric, whose tables are Delta tables, so :func:`export_delta` writes each lake table as
one: the same Parquet data plus a ``_delta_log`` of JSON commits, with no catalogue service to run,
readable by Spark (``delta-spark``), DuckDB (``delta`` extension), Python (``deltalake``) and the
platforms' own engines. It is written with ``deltalake`` (delta-rs), the maintained writer; nothing
here writes the log by hand.

Each export commits a table only when its lake files changed since the last export (the commit
carries their fingerprint), so a platform sees one table version per run that changed it and can
read any earlier one (time travel) until the versions are vacuumed. Tables are streamed batch by
batch, so a table larger than memory exports in bounded memory. An export that fails part-way
leaves every table it had not yet committed at its previous version (a Delta commit is atomic).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow.dataset as ds
from deltalake import CommitProperties, DeltaTable, write_deltalake
from deltalake.exceptions import DeltaError

from nhc.errors import NhcError
from nhc.lake.store import Lake, tables_version
from nhc.lake.tables import table_schema

#: The commit metadata key holding the fingerprint of the lake files a version was exported from.
FINGERPRINT = "nhc.lake_files"


@dataclass(frozen=True)
class Exported:
    """One table's export: its Delta ``version`` now, and whether this export committed it."""

    table: str
    rows: int
    version: int
    committed: bool
    path: str

    def as_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


def export_delta(
    lake: Lake,
    target: Path,
    names: Iterable[str] | None = None,
    done_one: Callable[[Exported], None] | None = None,
) -> list[Exported]:
    """Write the lake's tables (``names``, default every table it has) as Delta tables in
    ``target/<table>``; return what each export did (``done_one`` is told as each table is done,
    for a progress bar). Raises :class:`NhcError` for an unknown
    table, a table the lake does not have, or a target that is not a writable folder."""
    names = list(names) if names is not None else lake.tables()
    for name in names:
        table_schema(name)  # an unknown name fails here, before anything is written
        if not lake.exists(name):
            raise NhcError(f"lake table {name!r} not found in {lake.root}", hint="run `nhc synth` first")
    _writable(target)
    done = []
    for name in names:
        done.append(_export_one(lake, target / name, name))
        if done_one is not None:
            done_one(done[-1])
    return done


def _export_one(lake: Lake, path: Path, name: str) -> Exported:
    fingerprint = hashlib.sha256(repr(tables_version(lake.root, [name])).encode()).hexdigest()[:24]
    schema = table_schema(name).arrow
    if lake.delta(name) is None:
        data = ds.dataset([str(f) for f in lake.files(name)], schema=schema, format="parquet")
    else:  # a base and the rows replacing some people's (:mod:`.merge_on_read`), merged here
        data = ds.dataset(lake.read(name))
    rows = data.count_rows()
    current = _table(path)
    if current is not None and _fingerprint(current) == fingerprint:
        return Exported(name, rows, current.version(), False, str(path))
    try:
        write_deltalake(
            path,
            data.scanner(batch_size=65_536).to_reader(),
            mode="overwrite",
            schema_mode="overwrite",
            commit_properties=CommitProperties(custom_metadata={FINGERPRINT: fingerprint}),
        )
    except (DeltaError, OSError) as exc:
        raise NhcError(f"cannot write the Delta table {path}: {exc}") from None
    return Exported(name, rows, DeltaTable(path).version(), True, str(path))


def _table(path: Path) -> DeltaTable | None:
    """The Delta table at ``path``, or None when there is none yet."""
    if not (path / "_delta_log").is_dir():
        return None
    try:
        return DeltaTable(path)
    except (DeltaError, OSError) as exc:
        raise NhcError(f"{path} holds a Delta log that cannot be read: {exc}") from None


def _fingerprint(table: DeltaTable) -> str | None:
    """The lake-files fingerprint of the table's latest commit (None if not written by NHC)."""
    latest = table.history(1)
    return str(latest[0].get(FINGERPRINT)) if latest and FINGERPRINT in latest[0] else None


def _writable(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise NhcError(f"cannot export to {target}: it is a file", hint="give a folder with --to")
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NhcError(
            f"cannot export to {target}: {exc.strerror or exc}", hint="give a writable folder"
        ) from None
