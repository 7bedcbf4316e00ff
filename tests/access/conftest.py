"""Fixtures for the access service: a migrated database (SQLite, then PostgreSQL via the shared
``db_url`` fixture) with two small hubs' timetables published, and a fixed clock."""

from __future__ import annotations

import datetime as dt

import pytest

from nhc.access.domain import hubs_from_practices
from nhc.access.services import AccessService
from nhc.db import Database

NOW = dt.datetime(2026, 3, 2, 12, 0)  # a Monday noon; the first evening session starts 18:30
FIRST_DAY = dt.date(2026, 3, 2)
HUB_PRACTICES = [
    {
        "practice_code": "K1",
        "neighbourhood": "North Town",
        "locality": "North",
        "list_size": 8000,
        "latitude": 52.0,
        "longitude": -1.3,
    },
    {
        "practice_code": "K2",
        "neighbourhood": "North Town",
        "locality": "North",
        "list_size": 4000,
        "latitude": 52.1,
        "longitude": -1.4,
    },
    {
        "practice_code": "K3",
        "neighbourhood": "South Vale",
        "locality": "South West",
        "list_size": 6000,
        "latitude": 51.6,
        "longitude": -1.4,
    },
]


@pytest.fixture
def db(db_url: str):
    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def access(db: Database) -> AccessService:
    service = AccessService(db, clock=lambda: NOW)
    service.publish_timetables(FIRST_DAY, 14, hubs_from_practices(HUB_PRACTICES))
    return service


@pytest.fixture(autouse=True, scope="module")
def _cheap_password_hashing(cheap_password_hashing):
    """Every module here hashes passwords cheaply (a browser test's server resets them when it stops)."""
