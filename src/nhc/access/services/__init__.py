"""The access service: one object the web, the CLI and the navigator call, grouping the use cases.

Contract
--------
``AccessService(db, clock=...)`` needs a migrated database. ``publish_timetables(first, days)``
creates the county's hubs from the shipped geography and their slots; ``search`` lists future slots;
``book`` and ``cancel`` change one appointment each in one transaction and raise
:class:`~nhc.access.domain.AccessAreaError` subclasses (each with ``http_status``) for what the user
can fix -- :class:`~nhc.access.domain.SlotTaken` when a simultaneous booking won the slot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from nhc.access.domain import Appointment, Hub, Schedule, Slot
from nhc.access.services import booking, timetable
from nhc.access.services.booking import SlotQuery
from nhc.access.unit_of_work import AccessUnitOfWork
from nhc.db import Database

__all__ = ["AccessService", "SlotQuery"]


def local_now() -> dt.datetime:
    """Now as naive local time to the minute (the hubs' wall clock)."""
    return dt.datetime.now().replace(second=0, microsecond=0)


class AccessService:
    """Hub timetables, slot search, booking and cancelling."""

    def __init__(self, db: Database, *, clock: Callable[[], dt.datetime] = local_now) -> None:
        self.db = db
        self.clock = clock

    def publish_timetables(self, first: dt.date, days: int, hubs: list[Hub] | None = None) -> dict[str, int]:
        return timetable.publish(self.db, first, days, hubs)

    def hubs(self) -> list[Hub]:
        with AccessUnitOfWork(self.db) as uow:
            return uow.repo.hubs()

    def schedule(self, schedule_id: str) -> Schedule:
        with AccessUnitOfWork(self.db) as uow:
            return uow.repo.schedule(schedule_id)

    def slot(self, slot_id: str) -> Slot:
        with AccessUnitOfWork(self.db) as uow:
            return uow.repo.slot(slot_id)

    def appointment(self, appointment_id: str) -> Appointment:
        with AccessUnitOfWork(self.db) as uow:
            return uow.repo.appointment(appointment_id)

    def search(self, query: SlotQuery) -> list[tuple[Slot, Schedule]]:
        return booking.search(self.db, query, now=self.clock())

    def book(
        self,
        slot_id: str,
        *,
        patient_id: int,
        practice_code: str,
        booking_organisation: str,
        booked_by: str,
    ) -> Appointment:
        return booking.book(
            self.db,
            slot_id,
            patient_id=patient_id,
            practice_code=practice_code,
            booking_organisation=booking_organisation,
            booked_by=booked_by,
            now=self.clock(),
        )

    def cancel(self, appointment_id: str, *, reason: str = "") -> Appointment:
        return booking.cancel(self.db, appointment_id, now=self.clock(), reason=reason)
