"""What every access use case is given: the database, a clock and, when people use it (the web), the
security service and where a patient is registered (for the relationship decision)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from nhc.access.unit_of_work import AccessUnitOfWork
from nhc.db import Database
from nhc.security.roles import Principal
from nhc.security.service import SecurityService


@dataclass(frozen=True)
class Access:
    """The dependencies of the access use cases.

    ``neighbourhood_of(patient_id)`` is where the patient is registered (the insight tables); when it
    is missing or does not know the patient, the neighbourhood of the stated practice's hub is used.
    """

    db: Database
    clock: Callable[[], dt.datetime]
    security: SecurityService | None = None
    neighbourhood_of: Callable[[int], str | None] | None = None

    def uow(self) -> AccessUnitOfWork:
        return AccessUnitOfWork(self.db, self.security, self.clock)

    def now(self) -> dt.datetime:
        return self.clock()

    def conflict(self, principal: Principal | None, action: str, patient_id: int, resource: str) -> None:
        """Audit a booking refused because a simultaneous one won (its own transaction)."""
        if self.security is not None and principal is not None:
            self.security.record(
                principal,
                action,
                outcome="conflict",
                patient_id=patient_id,
                resource=resource,
                detail="the slot was just taken",
            )
