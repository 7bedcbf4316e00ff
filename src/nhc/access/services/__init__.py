"""The access service: one object the web, the CLI and the navigator call, grouping the use cases.

Contract
--------
``AccessService(db, clock=..., security=..., neighbourhood_of=...)`` needs a migrated database.
``publish_timetables(first, days)`` creates the county's hubs from the shipped geography and their
slots; ``search`` lists future slots (``SlotQuery.when``: evening or weekend only); ``view`` reads
one appointment for a person (decided and audited like a change); ``dashboard`` is the utilisation
dashboard of a period (:mod:`~nhc.access.services.dashboard`); ``book`` and ``cancel`` change one appointment each in one
transaction -- for a signed-in ``principal``, with the relationship decision and audit lines in that
same transaction (``security`` given) -- and raise :class:`~nhc.access.domain.AccessAreaError`
subclasses (each with ``http_status``) for what the user can fix: :class:`~nhc.access.domain.SlotTaken`
when a simultaneous booking won the slot. A refused relationship raises
:class:`~nhc.security.service.AccessDenied`. ``visiting`` is the visiting service's use cases
(:class:`~nhc.access.services.visiting.Visiting`), shaped by ``visit_day``, with one visit a day to
each person on the care virtual ward when ``virtual_ward(neighbourhoods)`` lists them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nhc.access.domain import Appointment, Hub, Schedule, Slot
from nhc.access.domain.utilisation import utilisation
from nhc.access.domain.visit_requests import WardStay
from nhc.access.services import booking, timetable
from nhc.access.services.base import Access
from nhc.access.services.booking import AppointmentView, BookingRequest, SlotQuery
from nhc.access.services.dashboard import Dashboard, dashboard
from nhc.access.services.visiting import DayShape, Visiting
from nhc.db import Database
from nhc.security.roles import Principal
from nhc.security.service import SecurityService

__all__ = [
    "AccessService",
    "AppointmentView",
    "BookingRequest",
    "Dashboard",
    "DayShape",
    "HubUse",
    "SlotQuery",
    "Visiting",
]


@dataclass(frozen=True)
class HubUse:
    """One hub's use of its capacity over a period."""

    hub: Hub
    booked: int
    free: int
    utilisation: float


def local_now() -> dt.datetime:
    """Now as naive local time to the minute (the hubs' wall clock)."""
    return dt.datetime.now().replace(second=0, microsecond=0)


class AccessService:
    """Hub timetables, slot search, booking and cancelling."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], dt.datetime] = local_now,
        security: SecurityService | None = None,
        neighbourhood_of: Callable[[int], str | None] | None = None,
        visit_day: DayShape | None = None,
        virtual_ward: Callable[[Sequence[str]], list[WardStay]] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.access = Access(db, clock, security, neighbourhood_of)
        #: The visiting service's coordinator's use cases (home-visit requests and the day plan).
        self.visiting = Visiting(self.access, visit_day, virtual_ward)

    def publish_timetables(self, first: dt.date, days: int, hubs: list[Hub] | None = None) -> dict[str, int]:
        return timetable.publish(self.db, first, days, hubs)

    def hubs(self) -> list[Hub]:
        with self.access.uow() as uow:
            return uow.repo.hubs()

    def schedule(self, schedule_id: str) -> Schedule:
        with self.access.uow() as uow:
            return uow.repo.schedule(schedule_id)

    def slot(self, slot_id: str) -> Slot:
        with self.access.uow() as uow:
            return uow.repo.slot(slot_id)

    def appointment(self, appointment_id: str) -> Appointment:
        with self.access.uow() as uow:
            return uow.repo.appointment(appointment_id)

    def utilisation(self, start: dt.datetime, end: dt.datetime) -> list[HubUse]:
        """Each hub's booked and free slots starting in ``[start, end)`` and its utilisation
        (booked / (booked + free)), hubs in name order; an aggregate, no people."""
        with self.access.uow() as uow:
            by_hub = utilisation(uow.repo.slot_records(start, end), "hub")
            hubs = uow.repo.hubs()
        empty = {"booked": 0, "free": 0, "utilisation": 0.0}
        return [
            HubUse(h, int(u["booked"]), int(u["free"]), float(u["utilisation"]))
            for h in sorted(hubs, key=lambda h: h.name)
            for u in [by_hub.get(h.id, empty)]
        ]

    def dashboard(self, start: dt.datetime, end: dt.datetime) -> Dashboard:
        """Utilisation by hub, practice, role, channel and weekday-by-hour, DNA, time to third next
        available and the weekly SPC chart for slots starting in ``[start, end)``; no people."""
        return dashboard(self.access, start, end)

    def check_person(self, patient_id: int, hub_id: str, *, principal: Principal | None = None) -> None:
        """May ``principal`` book for the person at this hub: the decision (audited), or AccessDenied."""
        booking.check_person(self.access, patient_id, hub_id, principal)

    def view(self, appointment_id: str, *, principal: Principal | None = None) -> AppointmentView:
        """One appointment with its slot, schedule and hub: a person-level read (decided, audited)."""
        return booking.view(self.access, appointment_id, principal)

    def search(self, query: SlotQuery) -> list[tuple[Slot, Schedule]]:
        return booking.search(self.access, query)

    def book(
        self,
        slot_id: str,
        *,
        patient_id: int,
        practice_code: str,
        booking_organisation: str,
        principal: Principal | None = None,
    ) -> Appointment:
        request = BookingRequest(slot_id, patient_id, practice_code, booking_organisation)
        return booking.book(self.access, request, principal)

    def cancel(
        self, appointment_id: str, *, reason: str = "", principal: Principal | None = None
    ) -> Appointment:
        return booking.cancel(self.access, appointment_id, reason=reason, principal=principal)
