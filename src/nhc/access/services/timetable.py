"""Use case: set up the county's hubs from the shipped geography and publish their timetables."""

from __future__ import annotations

import datetime as dt

from nhc.access.domain import Hub, hubs_from_practices, staffing, timetable
from nhc.access.unit_of_work import AccessUnitOfWork
from nhc.db import Database
from nhc.reference import geography


def county_hubs() -> list[Hub]:
    """One hub per neighbourhood of the shipped (synthetic) Oxfordshire geography."""
    return hubs_from_practices(geography.practices().to_pylist())


def publish(db: Database, first: dt.date, days: int, hubs: list[Hub] | None = None) -> dict[str, int]:
    """Replace the hubs and their schedules, and publish ``days`` days of slots from ``first``.

    Returns counts of hubs, schedules and slots written (one transaction)."""
    hubs = county_hubs() if hubs is None else hubs
    counts = {"hubs": len(hubs), "schedules": 0, "slots": 0}
    with AccessUnitOfWork(db) as uow:
        uow.repo.replace_hubs(hubs)
        for hub in hubs:
            rotas = staffing(hub)
            uow.repo.add_schedules([r.schedule for r in rotas])
            slots = timetable(rotas, first, days)
            uow.repo.add_slots(slots)
            counts["schedules"] += len(rotas)
            counts["slots"] += len(slots)
    return counts
