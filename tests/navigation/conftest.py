"""Fixtures for the navigation service: a migrated database (SQLite, then PostgreSQL via the shared
``db_url`` fixture) with the synthetic directory loaded, and a fixed clock."""

from __future__ import annotations

import datetime as dt

import pytest

import nhc.navigation.models  # noqa: F401  (the navigation tables on Base)
from nhc.db import Database
from nhc.navigation.services import NavigationService

MONDAY_MORNING = dt.datetime(2026, 3, 2, 10, 15)


@pytest.fixture
def db(db_url: str):
    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def navigation(db: Database) -> NavigationService:
    service = NavigationService(db, clock=lambda: MONDAY_MORNING)
    service.load_synthetic()
    return service


@pytest.fixture(autouse=True, scope="module")
def _cheap_password_hashing(cheap_password_hashing):
    """Every module here hashes passwords cheaply (a browser test's server resets them when it stops)."""
