"""Values computed from the lake, kept for the life of the process while the lake stays the same.

A server, the command line or a test session may build several services over one lake (each web
app, each ``bootstrap.build``). The outcomes report and the planning baseline each take seconds to
compute and depend only on the lake's source tables, so they are kept here once per process, keyed
by what was asked, the lake's folder and :func:`~nhc.lake.store.tables_version` of the tables the
value reads: a changed table is a new key, and the value is computed again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from nhc.lake.store import tables_version

T = TypeVar("T")

#: Values kept at once: a process serves one lake, sometimes two (a test session, a comparison).
KEEP = 8

_values: OrderedDict[tuple, Any] = OrderedDict()
_locks: dict[tuple, threading.Lock] = {}
_guard = threading.Lock()


def lake_value(what: Hashable, lake_dir: Path, tables: Iterable[str], build: Callable[[], T]) -> T:
    """``build()`` for ``what`` over the lake in ``lake_dir``, computed once per version of ``tables``.

    Callers asking for the same key at the same time wait for one build (a lock per key); different
    keys build in parallel. The oldest of more than :data:`KEEP` values is dropped.
    """
    key = (what, str(Path(lake_dir).resolve()), tables_version(lake_dir, tables))
    with _guard:
        if key in _values:
            _values.move_to_end(key)
            return _values[key]
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        with _guard:
            if key in _values:
                return _values[key]
        value = build()
        with _guard:
            _values[key] = value
            _locks.pop(key, None)
            while len(_values) > KEEP:
                _values.popitem(last=False)
        return value
