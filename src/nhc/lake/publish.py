"""Publish a set of lake tables as one generation: all of them become visible together, or none.

:meth:`nhc.lake.store.Lake.write` replaces one table atomically; a run that writes several tables
one by one and fails part-way would leave new and old tables mixed. :func:`publish` writes every
table of the set into a new generation folder first, then makes it current by replacing one
symbolic link (``rename`` is atomic), so readers see the old set or the new set, never a mix::

    <lake>/<table>                          -> .generations/<group>/current/<table>
    <lake>/.generations/<group>/current     -> g-<time>-<id>
    <lake>/.generations/<group>/g-<time>-<id>/<table>/part-00000.parquet

Readers need not know: ``<lake>/<table>/*.parquet`` resolves through the links (the store, the
engines and the insights service read it unchanged). The generation that was current before stays
on disk until the next publication, for readers still reading it; older ones are removed.

A lake written before generations existed holds real folders; the first publication adopts them
as a generation (hard links, no copy) before the switch, so a failure then still leaves the old
set whole. Only that one-time adoption has an instant (one rename to the next) where a table folder
is absent; every later publication swaps the one link.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import pyarrow as pa

from nhc.errors import NhcError
from nhc.lake.merge_on_read import merged_files, write_delta
from nhc.lake.store import GENERATIONS, Lake, write_part
from nhc.lake.tables import table_schema

CURRENT = "current"
RETIRED = ".retired"  # marks a generation that was current once (safe to prune after the next)
LEFTOVER_SECONDS = 24 * 3600  # an unmarked generation this old was left by a run that died


class WrittenByEngine(Protocol):
    """An output table an engine writes itself, where its data is (Spark's executors), so that it
    never passes through this process: :func:`publish` asks it to write its files."""

    def write_into(self, folder: Path, name: str) -> int:
        """Write table ``name``'s Parquet files into ``folder`` (created), each conformed to the
        table's schema as the store's own writer conforms it; return the rows written."""
        ...

    def to_arrow(self) -> pa.Table:
        """The whole table in this process (a run that does not write, a test)."""
        ...


class Pending:
    """An output table not computed yet, so that :func:`publish` can write the others meanwhile: it
    is written once :meth:`set` gives it, or computed by ``make`` in the writer's thread.
    :meth:`fail` makes the publication fail (nothing is switched) instead of waiting for ever."""

    def __init__(self, make: Callable[[], pa.Table] | None = None) -> None:
        self._table: Future[pa.Table] = Future()
        self._make = make
        self._lock = threading.Lock()

    def set(self, table: pa.Table) -> None:
        self._table.set_result(table)

    def fail(self, error: BaseException) -> None:
        with self._lock:
            if not self._table.done():
                self._table.set_exception(error)

    def to_arrow(self) -> pa.Table:
        with self._lock:
            if self._make is not None and not self._table.done():
                try:
                    self._table.set_result(self._make())
                except Exception as error:  # raised by result() below, to every reader
                    self._table.set_exception(error)
        return self._table.result()

    def write_into(self, folder: Path, name: str) -> int:
        table = self.to_arrow()
        Lake(folder.parent).write(name, table)
        return table.num_rows


class WithDelta:
    """An output table published as the ``base`` files it had (hard-linked: not written again) and
    the rows replacing the ``replaced`` people's, made by ``rows`` in the writer's thread
    (:mod:`nhc.lake.merge_on_read`): a nightly refresh's large tables."""

    def __init__(self, base: Sequence[Path], replaced: pa.Array, rows: Callable[[], pa.Table]) -> None:
        self.base = list(base)
        self.replaced = replaced
        self._rows = Pending(rows)

    def write_into(self, folder: Path, name: str) -> int:
        folder.mkdir(parents=True)
        for f in self.base:
            _link_file(f, folder / f.name)
        rows = self._rows.to_arrow()
        write_delta(folder, self.replaced, rows, lambda table, path: write_part(name, table, path))
        return rows.num_rows

    def fail(self, error: BaseException) -> None:
        self._rows.fail(error)

    def to_arrow(self) -> pa.Table:
        return merged_files(self.base, self.replaced, self._rows.to_arrow())


class Linked:
    """An output table published as it is in ``folder`` (a table of the current generation): its
    files, delta included, hard-linked into the new generation, not written again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def write_into(self, folder: Path, name: str) -> int:
        _link_tree(self.folder, folder)
        return 0  # rows written: none (linked)

    def to_arrow(self) -> pa.Table:
        return Lake(self.folder.parent).read(self.folder.name)


Output = pa.Table | WrittenByEngine


def publish(lake: Lake, tables: Mapping[str, Output], group: str = "insights") -> Path:
    """Make ``tables`` the lake's tables of ``group``, all at once; return the generation's folder.

    Every table is checked against its schema as it is written into the new generation (a bad one
    fails with the store's message naming table and column). Any failure before the switch leaves
    the lake's tables exactly as they were. Tables of an earlier generation of ``group`` that are not in ``tables``
    disappear with the switch (a generation is the whole set).
    """
    names = [table_schema(name).name for name in tables]  # an unknown name fails here
    home = lake.root / GENERATIONS / group
    home.mkdir(parents=True, exist_ok=True)
    generation = _write_generation(home, tables)  # each table checked as it is written
    try:
        with folder_lock(home):
            _adopt_folders(lake.root, home, names)
            for name in names:
                _link_table(lake.root, group, name)
            previous = _point(home, generation.name)
            if previous is not None:
                (home / previous / RETIRED).touch()
            _prune(home, keep={generation.name, previous})
    except BaseException:
        if _current(home) != generation.name:
            shutil.rmtree(generation, ignore_errors=True)
        raise
    return generation


def current_generation(lake: Lake, group: str = "insights") -> Path | None:
    """The folder of ``group``'s current generation (one consistent set), or None before any."""
    name = _current(lake.root / GENERATIONS / group)
    return None if name is None else lake.root / GENERATIONS / group / name


def write_table(folder: Path, name: str, table: Output) -> None:
    """Write one table of a generation (through the store, so the files are the lake's own; an
    engine's output through the engine, with the store's writer where the data is).

    A module-level function so that tests can make it fail part-way through a publication.
    """
    if isinstance(table, pa.Table):
        Lake(folder).write(name, table)
    else:
        table.write_into(folder / name, name)


def _write_generation(home: Path, tables: Mapping[str, Output]) -> Path:
    """A new generation folder holding ``tables``; removed again if any write fails.

    The tables are written two at a time: Parquet encoding releases the GIL (and an engine's
    write runs on the engine), so a county's two large tables take the time of the larger.
    """
    generation = home / _generation_name()
    generation.mkdir()
    try:
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="nhc-publish") as pool:
            writes = [pool.submit(write_table, generation, name, t) for name, t in tables.items()]
            for write in writes:
                write.result()  # the first failure, raised here
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    return generation


def _generation_name() -> str:
    # time first, so names sort in the order generations were made
    return f"g-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"


@contextlib.contextmanager
def folder_lock(home: Path) -> Iterator[None]:
    """Hold ``home/.lock`` (another holder waits): one publication of a group at a time switches
    and prunes (writing goes on in parallel); one refresh of a lake at a time."""
    with open(home / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _current(home: Path) -> str | None:
    try:
        return os.readlink(home / CURRENT)
    except (FileNotFoundError, OSError):
        return None


def _point(home: Path, generation: str) -> str | None:
    """Make ``generation`` current with one atomic rename; return the one it replaced."""
    previous = _current(home)
    tmp = home / f".{CURRENT}-{uuid.uuid4().hex}"
    os.symlink(generation, tmp)
    os.replace(tmp, home / CURRENT)
    return previous


def _link_target(group: str, name: str) -> str:
    return os.path.join(GENERATIONS, group, CURRENT, name)


def _link_table(root: Path, group: str, name: str) -> None:
    """Make ``<root>/<name>`` the link into the current generation (atomically, if it must change)."""
    final, target = root / name, _link_target(group, name)
    if final.is_symlink() and os.readlink(final) == target:
        return
    if final.exists() and not final.is_symlink():
        raise NhcError(f"lake table folder {final} is in the way of publishing {name}")
    tmp = root / f".{name}.link-{uuid.uuid4().hex}"
    os.symlink(target, tmp, target_is_directory=True)
    os.replace(tmp, final)


def _adopt_folders(root: Path, home: Path, names: list[str]) -> None:
    """Turn table folders written without generations into links to a generation holding them.

    The adopted generation holds what readers see now (folders and current links alike, hard
    linked), so the tables' contents do not change here; the new generation replaces it after.
    """
    folders = [n for n in names if (root / n).is_dir() and not (root / n).is_symlink()]
    if not folders:
        return
    adopted = home / _generation_name()
    adopted.mkdir()
    for name in names:
        if (root / name).is_dir():  # a folder, or a link into the current generation
            _link_files(root / name, adopted / name)
    previous = _point(home, adopted.name)
    if previous is not None:
        (home / previous / RETIRED).touch()
    group = home.name
    for name in folders:
        tmp = root / f".{name}.link-{uuid.uuid4().hex}"
        os.symlink(_link_target(group, name), tmp, target_is_directory=True)
        old = root / f".{name}.old-{uuid.uuid4().hex}"
        os.replace(root / name, old)  # a directory cannot be renamed over: the table is absent
        os.replace(tmp, root / name)  # until this rename (once per lake)
        shutil.rmtree(old, ignore_errors=True)


def _link_files(source: Path, dest: Path) -> None:
    dest.mkdir()
    for f in sorted(source.iterdir()):
        if f.is_file():
            _link_file(f, dest / f.name)


def _link_tree(source: Path, dest: Path) -> None:
    dest.mkdir()
    for f in sorted(source.iterdir()):
        if f.is_dir():
            _link_tree(f, dest / f.name)
        else:
            _link_file(f, dest / f.name)


def _link_file(source: Path, dest: Path) -> None:
    try:
        os.link(source, dest)
    except OSError:  # another file system: copy
        shutil.copy2(source, dest)


def _prune(home: Path, keep: set[str | None]) -> None:
    """Remove retired generations (but ``keep``) and generations left by runs that died."""
    now = time.time()
    for folder in home.iterdir():
        if not folder.name.startswith("g-") or folder.name in keep:
            continue
        retired = (folder / RETIRED).exists()
        if retired or now - folder.stat().st_mtime > LEFTOVER_SECONDS:
            shutil.rmtree(folder, ignore_errors=True)
