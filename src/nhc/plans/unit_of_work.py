"""One transaction per plans use case: the change and its audit line commit together or not at all.

``with PlansUnitOfWork(db, security, clock) as uow:`` gives a session and :attr:`repo`. Priorities
are not person-level, so there is no patient access decision here; who may agree a neighbourhood's
priorities is decided by the service (the neighbourhood lead) before the change, and the agreement
is audited in the same transaction.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from nhc.plans.repository import PlansRepository
from nhc.security.unit_of_work import AuditedUnitOfWork


class PlansUnitOfWork(AuditedUnitOfWork):
    """A session, its repository and audit lines: committed or rolled back as one."""

    session: Session
    repo: PlansRepository

    def _open(self, session: Session) -> None:
        self.repo = PlansRepository(session)
