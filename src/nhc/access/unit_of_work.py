"""One transaction per access use case: ``with AccessUnitOfWork(db) as uow:`` gives a session and
:attr:`repo`; leaving the block commits everything, any error rolls everything back."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session

from nhc.access.repository import AccessRepository
from nhc.db import Database


class AccessUnitOfWork:
    """A session and its repository, committed or rolled back as one."""

    session: Session
    repo: AccessRepository

    def __init__(self, db: Database) -> None:
        self.db = db

    def __enter__(self) -> AccessUnitOfWork:
        self.session = self.db.sessions()
        self.repo = AccessRepository(self.session)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is None:
                self.session.commit()
            else:
                self.session.rollback()
        except BaseException:
            self.session.rollback()
            raise
        finally:
            self.session.close()
