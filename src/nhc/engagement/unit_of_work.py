"""One transaction per engagement use case: the change and its audit line, committed or rolled back as one.

``with EngagementUnitOfWork(db, security, clock) as uow:`` gives :attr:`repo`. Staff changes (a note, a
re-tag, a bulk import) are audited in the same transaction (:meth:`audit`); the public form has no
principal and is not audited (it names no one). No person-level record is read here, so there is no
relationship decision to make.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from nhc.engagement.repository import EngagementRepository
from nhc.security.unit_of_work import AuditedUnitOfWork


class EngagementUnitOfWork(AuditedUnitOfWork):
    session: Session
    repo: EngagementRepository

    def _open(self, session: Session) -> None:
        self.repo = EngagementRepository(session)
