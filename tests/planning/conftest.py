"""The planning web app over a tiny hand-made baseline (no lake needed; nobody dies, moves away or
is born, so results can be worked out by hand), with an analyst, an administrator and a clinician,
and a care record whose team has two GPs (1.6 WTE)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from nhc.planning.domain import Baseline
from nhc.planning.service import PlanningService
from nhc.planning.transitions import Transitions
from nhc.security import passwords
from nhc.settings import Settings
from nhc.web.app import create_app
from nhc.web.planning.deps import care_staff
from tests.unit.planning.helpers import AS_OF, cell, rates

PASSWORD = "correct-horse-battery-staple"


def tiny_baseline() -> Baseline:
    """Two need groups of women of 80 (150 people) with GP, A&E, admission and bed-day activity, and
    5 outpatient attendances (a count disclosure control suppresses)."""
    rows = [
        cell(5, "75-84", person_years=100, gp=600, ae=40, emergency_admission=20, bed_days=90, outpatient=5),
        cell(11, "75-84", person_years=50, gp=500, ae=30, emergency_admission=25, bed_days=200),
    ]
    moves = Transitions.from_counts(
        [
            {"age_band": "75-84", "png_from": 5, "png_to": 5, "persons": 90},
            {"age_band": "75-84", "png_from": 5, "png_to": 11, "persons": 10},
            {"age_band": "75-84", "png_from": 11, "png_to": 11, "persons": 45},
            {"age_band": "75-84", "png_from": 11, "png_to": 0, "persons": 5},
        ],
        dt.date(2025, 3, 31),
        AS_OF,
    )
    return Baseline.build(
        AS_OF,
        rows,
        {},
        by_need={("F", 80, 5): 100, ("F", 80, 11): 50},
        transitions=moves,
        transitions_note="estimated from two test snapshots",
        left_out={"virtual_ward": "it is kept elsewhere"},
    )


@pytest.fixture(scope="module")
def planning_app(tmp_path_factory: pytest.TempPathFactory):
    passwords.configure(time_cost=1, memory_cost=1024, parallelism=1)
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("planning-web")))
    sec = app.state.security
    sec.create_user("ana", "Ana Analyst", "analyst", password=PASSWORD)
    sec.create_user("adm", "Adm Admin", "admin", password=PASSWORD)
    sec.create_user("cli", "Cli Clinician", "clinician", password=PASSWORD, neighbourhoods=["Banbury"])
    app.state.care.add_staff(None, "Gita Patel", "gp", "Banbury", working_pattern="Mon-Fri")
    app.state.care.add_staff(None, "Tom Reed", "gp", "Banbury", working_pattern="Mon-Wed")
    app.state.planning = PlanningService(
        app.state.settings, rates=rates(), read=tiny_baseline, staff=care_staff(app.state.care)
    )
    yield app
    sec.db.dispose()
    passwords.configure()


def sign_in(app, username: str):
    from fastapi.testclient import TestClient

    c = TestClient(app, follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/sign-in").text).group(1)
    r = c.post(
        "/sign-in", data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"}
    )
    assert r.status_code == 303, r.text
    return c
