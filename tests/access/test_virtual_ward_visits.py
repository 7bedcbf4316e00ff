"""The visiting service's day includes one visit to each person on the care virtual ward in its
neighbourhoods, read through the care service (SQLite and PostgreSQL): marked ``virtual ward``, at an
approximate place near their neighbourhood's centre, with the skill their stay needs; someone
admitted since the last plan joins a re-plan; a discharged stay drops out of the next plan."""

from __future__ import annotations

import math

import pytest

from nhc.access.domain.visits import Priority, Skill
from nhc.access.services import AccessService
from nhc.access.services.visiting import centres
from nhc.bootstrap import virtual_ward
from nhc.care.directory import StaticDirectory
from nhc.care.services import CareService
from nhc.db import Database
from nhc.security.service import SecurityService
from tests.access.conftest import NOW
from tests.access.web_support import SMALL_DAY

DAY = NOW.date()
PEOPLE = [
    {"patient_id": 101, "neighbourhood": "Headington", "risk": 0.6, "band": "high", "worklists": {"high_risk": "x"}},
    {"patient_id": 102, "neighbourhood": "Headington", "risk": 0.3, "band": "high", "worklists": {"high_risk": "x"}},
    {"patient_id": 103, "neighbourhood": "Banbury", "risk": 0.3, "band": "high", "worklists": {"high_risk": "x"}},
]  # fmt: skip


@pytest.fixture
def care(db: Database) -> CareService:
    return CareService(db, SecurityService(db), StaticDirectory(PEOPLE), clock=lambda: NOW)


@pytest.fixture
def access(db: Database, care: CareService) -> AccessService:
    return AccessService(db, clock=lambda: NOW, visit_day=SMALL_DAY, virtual_ward=virtual_ward(care))


def _km(a, b) -> float:
    dlat = (a[0] - b[0]) * 111.2
    dlon = (a[1] - b[1]) * 111.2 * math.cos(math.radians(a[0]))
    return math.hypot(dlat, dlon)


def _ward(board) -> dict[str, object]:
    return {v.id: v for v in board.visits if v.source == "virtual ward" and v.id.startswith("W")}


def test_each_person_on_the_virtual_ward_gets_a_visit(access, care):
    nurse = care.admit(None, 101, worklist="high_risk", needs="nursing", points=1)
    doctor = care.admit(None, 102, worklist="high_risk", needs="medical", points=2)
    care.admit(None, 103, worklist="high_risk", needs="nursing")  # Banbury: not this service's area
    board = access.visiting.board(DAY)
    ward = _ward(board)
    assert set(ward) == {f"W{nurse.id}", f"W{doctor.id}"}
    assert ward[f"W{nurse.id}"].skill is Skill.COMMUNITY_NURSE and ward[f"W{doctor.id}"].skill is Skill.GP
    assert all(v.priority is Priority.HIGH for v in ward.values())
    centre = centres("Oxford City")["Headington"]
    for v in ward.values():
        assert v.place.approximate and _km((v.place.latitude, v.place.longitude), centre) <= 0.41
    planned = set(board.plan.assignment()) | set(board.plan.unplanned)  # planned, or left out with a reason
    assert set(ward) <= planned


def test_an_admission_since_the_last_plan_joins_a_replan_and_a_discharge_leaves(access, care):
    first = care.admit(None, 101, worklist="high_risk", needs="nursing")
    assert set(_ward(access.visiting.board(DAY))) == {f"W{first.id}"}
    second = care.admit(None, 102, worklist="high_risk", needs="nursing")
    board = access.visiting.replan(DAY, 11 * 60)
    assert set(_ward(board)) == {f"W{first.id}", f"W{second.id}"} and f"W{second.id}" in board.included
    care.change_status(None, first.id, "discharged", outcome="self_care")
    assert set(_ward(access.visiting.replan(DAY, None))) == {f"W{second.id}"}


def test_without_a_ward_the_day_is_as_before(db):
    plain = AccessService(db, clock=lambda: NOW, visit_day=SMALL_DAY)
    assert _ward(plain.visiting.board(DAY)) == {}
    assert len(plain.visiting.board(DAY).visits) == SMALL_DAY.visits
