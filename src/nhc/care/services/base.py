"""What every care use case is given: the database, security, the patient directory and a clock,
and a fresh :class:`~nhc.care.unit_of_work.CareUnitOfWork` per call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from nhc.care import domain as d
from nhc.care.directory import PatientDirectory, locality_of
from nhc.care.models import CarePlan, Episode, Task
from nhc.care.unit_of_work import CareUnitOfWork
from nhc.db import Database
from nhc.identifiers import InvalidIdentifier, parse_whole_number
from nhc.security.roles import Principal
from nhc.security.service import SecurityService

#: Caseload relationships end this long after discharge (the team may still need the record).
RELATIONSHIP_AFTER_DISCHARGE = dt.timedelta(days=30)


@dataclass(frozen=True)
class Care:
    """The dependencies of the care use cases (built once by :class:`~nhc.care.services.CareService`)."""

    db: Database
    security: SecurityService
    directory: PatientDirectory
    clock: Callable[[], dt.datetime]
    time_limit: float

    def uow(self) -> CareUnitOfWork:
        return CareUnitOfWork(self.db, self.security, self.clock)

    def today(self) -> dt.date:
        return self.clock().date()

    def registered_neighbourhood(self, patient_id: int) -> str | None:
        person = self.directory.lookup(patient_id)
        return person["neighbourhood"] if person else None

    def conflict(
        self, principal: Principal | None, action: str, patient_id: int, resource: str, detail: str
    ) -> None:
        """Audit a write refused because a simultaneous one won (the caller then raises 409)."""
        self.security.record(
            principal, action, outcome="conflict", patient_id=patient_id, resource=resource, detail=detail
        )

    def current_version(self, model: type[Episode] | type[CarePlan] | type[Task], record_id: int) -> int:
        """The stored version, read after a lost optimistic-locking race (a new transaction)."""
        with self.uow() as uow:
            return uow.repo.version_of(model, record_id)


def by(principal: Principal | None) -> str:
    """Who a record says made it: the user, or ``system`` for the CLI."""
    return principal.username if principal else "system"


def check_neighbourhood(neighbourhood: str) -> tuple[str, str]:
    """(name, locality) of a known neighbourhood, else :class:`~nhc.care.domain.NotFoundError`."""
    name = str(neighbourhood or "").strip()
    locality = locality_of(name)
    if locality is None:
        raise d.NotFoundError(f"there is no neighbourhood called {name!r}")
    return name, locality


def whole(value: object, field: str) -> int:
    """A whole number from a form or JSON field, by the one parser (ASCII digits, 64-bit range)."""
    try:
        return parse_whole_number(value, field)
    except InvalidIdentifier as exc:
        raise d.InvalidCareInput(exc.message) from None


def optional_whole(value: object, field: str) -> int | None:
    """:func:`whole`, or None for a blank field."""
    return None if value in (None, "") else whole(value, field)


def loose_int(value: object) -> int | None:
    """An int if the insight tables gave one, else None (never raises)."""
    try:
        return None if value is None else int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
