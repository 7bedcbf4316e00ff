"""What a refresh keeps beside the lake for the next one (:mod:`.incremental`).

Layout: ``<lake>/_incremental/current.json`` names a folder ``<lake>/_incremental/s-<id>/`` that
holds ``state.json`` (as-of date, source version, insights generation, risk model), ``people.arrow``
(everyone's facts with risk), ``replaced.arrow`` and ``evidence.arrow`` (the people recomputed
since the large tables' base was published, and their evidence), ``quality.arrow``
(per-person data-quality counts), ``cells.arrow`` and ``counted.arrow`` (everyone counted for the
cube and for the run summary): Arrow files, their strings dictionary-encoded (:func:`encoded`:
a county's string columns hold a few thousand distinct values at most, so the tables are a
fraction of the size and a refresh filters small integers instead of copying strings); and
``prepared.json``, the refresh's SQL compiled once (:mod:`.prepared`). A new state is written into a new folder, then
``current.json`` is replaced (a rename), so a refresh that dies leaves the previous state whole;
files are never changed in place (the folder is not hidden, so the store's
:func:`~nhc.lake.store.update_lake` hard-links it into a rewritten lake). Older folders are removed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as feather

from nhc.analytics.pipeline.prepared import Prepared
from nhc.analytics.rules.risk import RiskModel
from nhc.lake.publish import folder_lock

STATE = "_incremental"
CURRENT = "current.json"
_TABLES = ("people", "quality", "evidence", "replaced", "cells", "counted")  # kept as Arrow files
FORMAT = 7  # bumped when the state's files change meaning (7: the facts read the team's own records): an older state is then not used


@dataclass(frozen=True)
class State:
    """What the last refresh computed, for the lake's source tables at version ``sources``."""

    as_of: dt.date
    sources: str  # :func:`nhc.lake.changes.sources_version` when it read them
    generation: str  # the insights generation it published
    model: RiskModel
    people: pa.Table  # everyone's facts (the segmented columns) with risk and risk_factors
    quality: pa.Table  # per person: the data-quality counts
    # the people recomputed since the large tables' base was published (patient_id), and their
    # evidence now: the rows replacing theirs in that base (:mod:`nhc.lake.merge_on_read`)
    evidence: pa.Table
    replaced: pa.Table
    cells: pa.Table  # everyone counted at the cube's finest grain (:func:`~.outputs.cube_cells`)
    counted: pa.Table  # the run summary's counts (:func:`~.outputs.counted`)
    # the refresh's SQL, compiled by a refresh since the last full run (:mod:`.prepared`), by name
    prepared: Mapping[str, Prepared] = field(default_factory=dict)


class StateWriter:
    """Writes a state's folder: tables given early (:meth:`table`) are written by a thread of its
    own while the refresh goes on; :meth:`commit` writes the rest and makes the state current."""

    def __init__(self, lake_dir: Path | str) -> None:
        self.home = Path(lake_dir) / STATE
        self.home.mkdir(exist_ok=True)
        self.folder = self.home / f"s-{uuid.uuid4().hex[:12]}"
        self.folder.mkdir()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nhc-state")
        self._written: dict[str, Future[None]] = {}

    def table(self, name: str, table: pa.Table | Callable[[], pa.Table]) -> None:
        """Write ``table`` (or what it makes, in the writer's thread) as the state's ``name`` (one
        of the :class:`State` tables) meanwhile."""
        path = self.folder / f"{name}.arrow"
        self._written[name] = self._pool.submit(_write_table, table, path)

    def commit(self, state: State) -> Path:
        """Write ``state`` (its tables given to :meth:`table` must be the same) as the lake's
        current refresh state; return its folder. Older states are removed."""
        try:
            for name in _TABLES:
                if name not in self._written:
                    self.table(name, getattr(state, name))
            for written in self._written.values():
                written.result()
        finally:
            self._pool.shutdown()
        meta = {
            "format": FORMAT,
            "as_of": state.as_of.isoformat(),
            "sources": state.sources,
            "generation": state.generation,
            "model": state.model.as_dict(),
        }
        (self.folder / "state.json").write_text(json.dumps(meta))
        programs = {name: p.as_dict() for name, p in state.prepared.items()}
        (self.folder / "prepared.json").write_text(json.dumps(programs))
        pointer = self.home / f".{CURRENT}-{uuid.uuid4().hex}"
        pointer.write_text(json.dumps({"folder": self.folder.name}))
        os.replace(pointer, self.home / CURRENT)
        for old in self.home.glob("s-*"):
            if old.name != self.folder.name:
                shutil.rmtree(old, ignore_errors=True)
        return self.folder

    def abandon(self) -> None:
        """Remove the folder (the refresh failed: the current state stays as it was)."""
        self._pool.shutdown()
        shutil.rmtree(self.folder, ignore_errors=True)


def _write_table(table: pa.Table | Callable[[], pa.Table], path: Path) -> None:
    made = table if isinstance(table, pa.Table) else table()
    feather.write_feather(made, path, compression="uncompressed")


@contextlib.contextmanager
def refresh_lock(lake_dir: Path | str) -> Iterator[None]:
    """One refresh or compaction of a lake at a time (another waits): each reads the state, publishes
    tables and writes the state that matches them; interleaved, one would overwrite the other's."""
    home = Path(lake_dir) / STATE
    home.mkdir(parents=True, exist_ok=True)
    with folder_lock(home):
        yield


def save_state(lake_dir: Path | str, state: State) -> Path:
    """Write ``state`` as the lake's current refresh state; return its folder."""
    return StateWriter(lake_dir).commit(state)


def load_state(lake_dir: Path | str) -> State | None:
    """The lake's current refresh state, or None (none yet, unreadable, or of another format)."""
    home = Path(lake_dir) / STATE
    try:
        folder = home / json.loads((home / CURRENT).read_text())["folder"]
        meta = json.loads((folder / "state.json").read_text())
        if meta.get("format") != FORMAT:
            return None
        return State(
            dt.date.fromisoformat(meta["as_of"]),
            meta["sources"],
            meta["generation"],
            RiskModel(**meta["model"]),
            # mapped, not read: uncompressed, the files are the tables' buffers (210 MB on the
            # county, 0.6 s to read cold); a later refresh deletes them, which a mapping survives
            *(feather.read_table(folder / f"{name}.arrow", memory_map=True) for name in _TABLES),
            _programs(folder),
        )
    except (OSError, ValueError, KeyError, TypeError):  # no state, or one this code cannot read
        return None


def _programs(folder: Path) -> dict[str, Prepared]:
    """The prepared SQL kept in ``folder`` (none when missing or unreadable: it is compiled again)."""
    try:
        data = json.loads((folder / "prepared.json").read_text())
        return {name: Prepared.from_dict(p) for name, p in data.items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def encoded(table: pa.Table) -> pa.Table:
    """``table`` with every string column dictionary-encoded, in one piece."""
    columns = [pc.dictionary_encode(c) if pa.types.is_string(c.type) else c for c in table.columns]
    return pa.table(columns, names=table.column_names).unify_dictionaries().combine_chunks()


def decoded(table: pa.Table) -> pa.Table:
    """``table`` with its dictionary-encoded columns as plain values again."""
    columns = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    return pa.table(columns, names=table.column_names)


def replaced(old: pa.Table, new: pa.Table, ids: pa.Array) -> pa.Table:
    """``old`` (strings dictionary-encoded: :func:`encoded`) with the rows of the
    people in ``ids`` replaced by ``new``'s, encoded the same way, in one piece.

    Filtering the encoded table copies small integers, not a county's strings: several times
    cheaper, the difference between a day's refresh in a tenth of a full run or not.
    """
    kept = old.filter(pc.invert(pc.is_in(old.column("patient_id"), value_set=ids)))
    added = encoded(new.select(old.column_names)).cast(old.schema)
    return pa.concat_tables([kept, added]).unify_dictionaries().combine_chunks()
