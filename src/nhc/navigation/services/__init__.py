"""The navigation service: one object the web and the CLI call, grouping the use cases.

Contract
--------
``NavigationService(db, clock=...)`` needs a migrated database. The directory is read from the
database once and kept in memory until a use case here changes it (import, synthetic load, capacity);
if the stored directory is empty on first use, the synthetic Oxfordshire directory is loaded, so a
fresh install answers with services. ``navigate(body, asked_by=..., channel=...)`` returns the
response of the navigator's contract and logs the decision; bad requests raise
:class:`~nhc.navigation.domain.BadField` (CLI exit 2, HTTP 400).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nhc.db import Database
from nhc.navigation import repository
from nhc.navigation.domain import Directory
from nhc.navigation.domain.request import UK
from nhc.navigation.rulebook import Rulebook, load_rulebook
from nhc.navigation.services import directory as directory_cases
from nhc.navigation.services.navigate import answer


def uk_now() -> dt.datetime:
    """Now as naive UK local time (the navigator's time)."""
    return dt.datetime.now(UK).replace(tzinfo=None, second=0, microsecond=0)


class NavigationService:
    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], dt.datetime] = uk_now,
        rules: Rulebook | None = None,
        seed_synthetic: bool = True,
    ) -> None:
        self.db = db
        self.clock = clock
        self.rules = rules or load_rulebook()
        self.seed_synthetic = seed_synthetic
        self._directory: Directory | None = None
        self._lock = threading.Lock()

    # --- the directory ----------------------------------------------------------------------------

    def directory(self) -> Directory:
        """The directory in memory (loaded once; seeded with the synthetic one if empty)."""
        with self._lock:
            if self._directory is None:
                found = directory_cases.load(self.db)
                if not found.services and self.seed_synthetic:
                    directory_cases.load_synthetic(self.db)
                    found = directory_cases.load(self.db)
                self._directory = found
            return self._directory

    def _changed(self) -> None:
        with self._lock:
            self._directory = None

    def directory_changed(self) -> None:
        """Read the directory again on next use (another use case changed it, e.g. capacity)."""
        self._changed()

    def load_synthetic(self) -> int:
        count = directory_cases.load_synthetic(self.db)
        self._changed()
        return count

    def import_json(self, path: Path) -> int:
        count = directory_cases.import_json(self.db, path)
        self._changed()
        return count

    def export_json(self, path: Path) -> int:
        return directory_cases.export_json(self.db, path)

    def set_capacity(
        self, service_id: str, status: str, *, expires_at: dt.datetime | None = None, reason: str = ""
    ) -> None:
        directory_cases.set_capacity(self.db, service_id, status, expires_at=expires_at, reason=reason)
        self._changed()

    # --- the navigator ----------------------------------------------------------------------------

    def reasons(self) -> list[dict[str, Any]]:
        """The shipped reasons and the red flags each asks about."""
        return [r.as_dict() for r in self.rules.reasons.values()]

    def dispositions(self) -> list[str]:
        return list(self.rules.dispositions)

    def navigate(self, body: Any, *, asked_by: str = "anonymous", channel: str = "api") -> dict[str, Any]:
        return answer(
            self.db,
            self.rules,
            self.directory(),
            body,
            now=self.clock(),
            asked_by=asked_by,
            channel=channel,
        )

    def decisions(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest logged decisions first."""
        with self.db.unit_of_work() as session:
            return repository.decisions(session, limit)
