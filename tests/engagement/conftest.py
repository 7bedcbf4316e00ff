"""Fixtures for the engagement service: a migrated database (SQLite, then PostgreSQL via the shared
``db_url`` fixture), a fixed clock and three neighbourhoods."""

from __future__ import annotations

import datetime as dt

import pytest

from nhc.db import Database
from nhc.engagement.services import EngagementService

NOW = dt.datetime(2026, 3, 2, 10, 15)
NEIGHBOURHOODS = ("Headington", "Banbury", "Witney")


@pytest.fixture
def db(db_url: str):
    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def engagement(db: Database) -> EngagementService:
    return EngagementService(db, clock=lambda: NOW, neighbourhoods=lambda: NEIGHBOURHOODS)
