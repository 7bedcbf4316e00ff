"""One transaction per access use case, holding its authorisation, its change and its audit lines.

``with AccessUnitOfWork(db, security, clock) as uow:`` gives a session and :attr:`repo`. A use case
that touches a person calls :meth:`authorise` (the one relationship decision,
:meth:`nhc.security.service.SecurityService.check_patient_access`, read in this transaction) and
:meth:`audit`\\ s its change; leaving the block commits all of it, any error rolls all of it back.
A decision is a fact to keep: when the transaction rolls back, the decisions it made are written
again on their own. Without ``security`` (the CLI, the demand simulation) nothing is authorised or
audited: the caller is the system.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session

from nhc.access.repository import AccessRepository
from nhc.db import Database, utcnow
from nhc.security.roles import Principal
from nhc.security.service import AccessDecision, AccessDenied, SecurityService
from nhc.security.unit_of_work import AuditedUnitOfWork


class AccessUnitOfWork(AuditedUnitOfWork):
    """A session and its repository, authorisation and audit: committed or rolled back as one."""

    session: Session
    repo: AccessRepository

    def __init__(
        self,
        db: Database,
        security: SecurityService | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        super().__init__(db, security, clock)

    def _open(self, session: Session) -> None:
        self.repo = AccessRepository(session)

    def authorise(
        self,
        principal: Principal | None,
        patient_id: int,
        neighbourhood: str | None,
        action: str,
        resource: str,
    ) -> None:
        """Role + legitimate relationship with the patient, audited whatever the outcome; raises
        :class:`~nhc.security.service.AccessDenied`. ``None`` (or no security) is the system."""
        if principal is None or self.security is None:
            return
        decision = self._decide(principal, patient_id, neighbourhood, action, resource)
        outcome = "success" if decision.allowed else "denied"
        self.keep_decision(principal, action, outcome, patient_id, resource, f"basis={decision.basis}")
        if not decision.allowed:
            raise AccessDenied(decision.message, can_break_glass=principal.can_break_glass)

    def allowed(
        self,
        principal: Principal | None,
        patient_id: int,
        neighbourhood: str | None,
        action: str,
        resource: str,
    ) -> bool:
        """The same decision and audit line as :meth:`authorise`, answered instead of raised: for a
        list that shows each person only to those allowed (the list itself is not refused)."""
        if principal is None or self.security is None:
            return True
        return self._decide(principal, patient_id, neighbourhood, action, resource).allowed

    def _decide(
        self, principal: Principal, patient_id: int, neighbourhood: str | None, action: str, resource: str
    ) -> AccessDecision:
        assert self.security is not None
        decision = self.security.check_patient_access(
            principal, patient_id, neighbourhood, session=self.session
        )
        outcome = "success" if decision.allowed else "denied"
        detail = f"basis={decision.basis}"
        self.audit(
            principal, action, outcome=outcome, patient_id=patient_id, resource=resource, detail=detail
        )
        return decision
