"""DuckDB over the lake for the FHIR server: one connection, a cursor per request."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nhc.fhir import queries as q


class LakeReader:
    """DuckDB over the lake: one connection, a cursor per request.

    The patient-keyed tables are held in DuckDB sorted by patient (see :func:`nhc.fhir.queries.open_lake`);
    when the lake's files change (an ingest swapped them) the next request reloads them.
    """

    RECHECK_SECONDS = 2.0

    def __init__(self, lake_dir: Path | str, *, in_memory: bool = True) -> None:
        self.lake_dir = Path(lake_dir)
        self.in_memory = in_memory
        self._lock = threading.Lock()
        self._signature = q.lake_signature(self.lake_dir)
        self._con = q.open_lake(self.lake_dir, in_memory=in_memory)
        self._checked = time.monotonic()

    def _fresh_connection(self) -> Any:
        now = time.monotonic()
        if now - self._checked > self.RECHECK_SECONDS:
            self._checked = now
            signature = q.lake_signature(self.lake_dir)
            if signature != self._signature:
                old, self._con = self._con, q.open_lake(self.lake_dir, in_memory=self.in_memory)
                self._signature = signature
                old.close()
        return self._con

    @property
    def generation(self) -> dt.datetime:
        """When the lake as now loaded was written: the newest modification time of its files, in
        UTC to the second (the last ingest or pipeline run that changed it). Every lake resource
        is served with it as ``meta.lastUpdated``: the lake keeps no change time per row."""
        with self._lock:
            self._fresh_connection()
            newest = max((entry[3] for entry in self._signature), default=0)
        return dt.datetime.fromtimestamp(newest // 1_000_000_000, dt.UTC)

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        with self._lock:
            cur = self._fresh_connection().cursor()
        try:
            return cur.execute(sql, params or []).fetch_arrow_table().to_pylist()
        finally:
            cur.close()

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        """A DuckDB cursor of its own, for streaming queries (closed on exit)."""
        with self._lock:
            cur = self._fresh_connection().cursor()
        try:
            yield cur
        finally:
            cur.close()

    def close(self) -> None:
        self._con.close()
