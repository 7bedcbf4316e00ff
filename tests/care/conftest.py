"""Fixtures for the care service: a migrated database (SQLite, then PostgreSQL via the shared
``db_url`` fixture), the security service, a few synthetic people and a small team."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

import nhc.care.models  # noqa: F401  (the care tables on Base)
from nhc.care.directory import StaticDirectory
from nhc.care.services import CareService
from nhc.db import Database
from nhc.security.roles import Principal
from nhc.security.service import SecurityService

PASSWORD = "correct-horse-battery-staple"
NB = "Headington"
OTHER_NB = "East Oxford"


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 4, 1, 9, 0, 0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += dt.timedelta(**kwargs)


def people() -> list[dict]:
    """Synthetic people as the insight tables would describe them."""
    return [
        {
            "patient_id": 101,
            "neighbourhood": NB,
            "risk": 0.62,
            "band": "high",
            "care_home": False,
            "registers": "copd; heart_failure",
            "worklists": {"high_risk": "risk 62%; 3 emergency admissions"},
        },
        {
            "patient_id": 102,
            "neighbourhood": NB,
            "risk": 0.31,
            "band": "high",
            "care_home": True,
            "registers": "dementia",
            "worklists": {"care_home": "care home resident; severe frailty"},
        },
        {
            "patient_id": 103,
            "neighbourhood": NB,
            "risk": 0.12,
            "band": "moderate",
            "care_home": False,
            "registers": "diabetes",
            "worklists": {"high_risk": "risk 12%; eFI moderate"},
        },
        {
            "patient_id": 104,
            "neighbourhood": NB,
            "risk": 0.25,
            "band": "high",
            "care_home": False,
            "registers": "depression",
            "ae_12m": 1,
            "worklists": {"high_risk": "risk 25%; depression"},
        },
        {
            "patient_id": 201,
            "neighbourhood": OTHER_NB,
            "risk": 0.4,
            "band": "high",
            "care_home": False,
            "registers": "",
            "worklists": {"high_risk": "risk 40%"},
        },
    ]


@dataclass
class Team:
    lead: Principal  # a clinician in Headington
    nurse_user: Principal  # a team member in Headington (linked to a staff record)
    outsider: Principal  # a clinician of another neighbourhood
    analyst: Principal
    nurse_a: int
    nurse_b: int
    pharmacist: int
    mh_worker: int
    care_home: int


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def security(db_url: str, clock: Clock):
    db = Database(db_url)
    db.upgrade()
    yield SecurityService(db, clock=clock)
    db.dispose()


@pytest.fixture
def directory() -> StaticDirectory:
    return StaticDirectory(people())


@pytest.fixture
def care(security: SecurityService, directory: StaticDirectory, clock: Clock) -> CareService:
    return CareService(security.db, security, directory, clock=clock, time_limit=5)


def sign_in(sec: SecurityService, username: str) -> Principal:
    return sec.sign_in(username, PASSWORD, "10.0.0.1")[0]


@pytest.fixture
def team(security: SecurityService, care: CareService) -> Team:
    security.create_user("lead", "Dr Lead", "clinician", password=PASSWORD, neighbourhoods=[NB])
    nurse = security.create_user("nurse", "Nina Nurse", "team_member", password=PASSWORD, neighbourhoods=[NB])
    security.create_user("outsider", "Dr Away", "clinician", password=PASSWORD, neighbourhoods=[OTHER_NB])
    security.create_user("analyst", "Ann Alyst", "analyst", password=PASSWORD)
    a = care.add_staff(None, "Nina Nurse", "community_nurse", NB, capacity=6, user_id=nurse.id)
    b = care.add_staff(None, "Ben Nurse", "community_nurse", NB, capacity=6)
    ph = care.add_staff(None, "Phil Pharmacist", "clinical_pharmacist", NB, capacity=10)
    mh = care.add_staff(
        None, "Mo Link", "mental_health_link_worker", NB, capacity=5, skills="mental_health,nursing"
    )
    ch = care.add_staff(None, "Cara Home", "care_home_support", NB, capacity=8)
    return Team(
        sign_in(security, "lead"),
        sign_in(security, "nurse"),
        sign_in(security, "outsider"),
        sign_in(security, "analyst"),
        a.id,
        b.id,
        ph.id,
        mh.id,
        ch.id,
    )


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing():
    """Cheap Argon2 parameters: these tests are about care, not password strength."""
    from nhc.security import passwords

    passwords.configure(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords.configure()
