from __future__ import annotations

import datetime as dt

import pytest

from nhc.db import Database
from nhc.security import passwords
from nhc.security.service import SecurityService

PASSWORD = "correct-horse-battery-staple"


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 4, 1, 9, 0, 0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += dt.timedelta(**kwargs)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def security(db_url: str, clock: Clock):
    db = Database(db_url)
    db.upgrade()
    yield SecurityService(db, clock=clock)
    db.dispose()


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing():
    """Argon2id at its production cost takes ~1 s on a busy CI machine; the rules are what is tested."""
    passwords.configure(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords.configure()
