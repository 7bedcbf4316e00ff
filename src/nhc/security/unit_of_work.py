"""The unit of work every operational area builds on: one transaction holding a use case's authorisation,
its change and its audit lines, committed or rolled back as one.

An access decision is a fact to keep (the user was shown the record, or refused it): when the transaction
rolls back, the decisions made in it are written again on their own. An area subclasses
:class:`AuditedUnitOfWork` to attach its repository (:meth:`AuditedUnitOfWork._open`) and its own checks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session

from nhc.db import Database
from nhc.security.roles import Principal
from nhc.security.service import SecurityService


@dataclass(frozen=True)
class Decision:
    """An audited access decision, kept even when the transaction it was made in rolls back."""

    principal: Principal
    action: str
    outcome: str
    patient_id: int | None
    resource: str | None
    detail: str


class AuditedUnitOfWork:
    """``with Area(db, security, clock) as uow:`` opens a session; leaving the block commits, an error
    rolls back and re-records the access decisions. ``security`` may be ``None`` (the system acting)."""

    session: Session
    #: Whether an action of the system (no principal) writes no audit line. Care keeps one for the
    #: system too (the clock, exports), under the ``username`` it names; the other areas do not.
    system_unaudited: bool = True

    def __init__(
        self, db: Database, security: SecurityService | None, clock: Callable[[], dt.datetime]
    ) -> None:
        self.db, self.security, self.clock = db, security, clock
        self._decisions: list[Decision] = []

    def _open(self, session: Session) -> None:
        """Attach the area's repository to ``session`` (subclasses)."""

    def __enter__(self) -> Self:
        self.session = self.db.sessions()
        self._decisions = []
        self._open(self.session)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:
            self._roll_back()
            return
        try:
            self.session.commit()
        except BaseException:
            self._roll_back()
            raise
        self.session.close()

    def audit(
        self,
        principal: Principal | None,
        action: str,
        *,
        outcome: str = "success",
        patient_id: int | None = None,
        resource: str | None = None,
        detail: str | None = None,
        reason: str | None = None,
        username: str | None = None,
    ) -> None:
        """One audit line for the change, in this transaction (committed or dropped with it). Nothing
        without a security service, nor for the system (``principal`` None) where
        :attr:`system_unaudited`."""
        if self.security is None or (principal is None and self.system_unaudited):
            return
        self.security.record_in(
            self.session,
            principal,
            action,
            outcome=outcome,
            at=self.clock(),
            patient_id=patient_id,
            resource=resource,
            detail=detail,
            reason=reason,
            username=username,
        )

    def keep_decision(
        self,
        principal: Principal,
        action: str,
        outcome: str,
        patient_id: int | None,
        resource: str | None,
        detail: str,
    ) -> Decision:
        """Remember a decision made in this unit of work, so a rollback cannot lose it."""
        decision = Decision(principal, action, outcome, patient_id, resource, detail)
        self._decisions.append(decision)
        return decision

    def _roll_back(self) -> None:
        self.session.rollback()
        self.session.close()
        if self.security is None:
            return
        for d in self._decisions:  # the decisions were made: keep them, on their own
            self.security.record(
                d.principal,
                d.action,
                outcome=d.outcome,
                patient_id=d.patient_id,
                resource=d.resource,
                detail=d.detail,
            )
