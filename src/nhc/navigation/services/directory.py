"""Use cases on the directory: load the synthetic county, import and export ORUK JSON, set capacity.

Each write is one unit of work: an import replaces the whole directory or, on any error, changes
nothing (the file is parsed and checked completely before the first row is written).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from nhc.db import Database
from nhc.navigation import oruk, repository
from nhc.navigation.domain import BadField, Capacity, Directory, Rag
from nhc.navigation.synth import synthetic_directory


def replace(db: Database, directory: Directory) -> int:
    with db.unit_of_work() as session:
        repository.replace_directory(session, directory)
    return len(directory.services)


def load(db: Database) -> Directory:
    with db.unit_of_work() as session:
        return repository.load_directory(session)


def load_synthetic(db: Database) -> int:
    """Replace the directory with the synthetic Oxfordshire one; returns the number of services."""
    return replace(db, synthetic_directory())


def import_json(db: Database, path: Path) -> int:
    """Replace the directory with an ORUK JSON file (all or nothing); returns the number of services."""
    return replace(db, oruk.read_json(path))


def export_json(db: Database, path: Path) -> int:
    """Write the stored directory to ``path`` as ORUK JSON; returns the number of services."""
    return oruk.write_json(load(db), path)


def set_capacity(
    db: Database, service_id: str, status: str, *, expires_at: dt.datetime | None, reason: str = ""
) -> None:
    """Record a provider's capacity (red/amber/green) until ``expires_at``."""
    allowed = [r.value for r in Rag]
    if status not in allowed:
        raise BadField("status", f"{str(status)[:20]!r} is not a capacity status", allowed)
    with db.unit_of_work() as session:
        repository.set_capacity(session, service_id, Capacity(Rag(status), expires_at, reason[:500]))
