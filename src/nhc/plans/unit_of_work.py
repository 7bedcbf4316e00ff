"""One transaction per plans use case: the change and its audit line commit together or not at all.

``with PlansUnitOfWork(db, security, clock) as uow:`` gives a session and :attr:`repo`. Priorities
are not person-level, so there is no patient access decision here; who may agree a neighbourhood's
priorities is decided by the service (the neighbourhood lead) before the change, and the agreement
is audited in the same transaction.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from nhc.plans.repository import PlansRepository
from nhc.security.roles import Principal
from nhc.security.unit_of_work import AuditedUnitOfWork


class PlansUnitOfWork(AuditedUnitOfWork):
    """A session, its repository and audit lines: committed or rolled back as one."""

    session: Session
    repo: PlansRepository

    def _open(self, session: Session) -> None:
        self.repo = PlansRepository(session)

    def audit(
        self,
        principal: Principal | None,
        action: str,
        *,
        outcome: str = "success",
        resource: str | None = None,
        detail: str | None = None,
    ) -> None:
        """One audit line in this transaction (nothing when the system acts, ``principal`` None)."""
        if self.security is None or principal is None:
            return
        self.security.record_in(
            self.session,
            principal,
            action,
            outcome=outcome,
            at=self.clock(),
            resource=resource,
            detail=detail,
        )
