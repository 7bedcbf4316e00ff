"""The whole web app with the access area at a fixed time: two small hubs' timetables published, a
small visiting day, a stand-in patient directory (names, ages, NHS numbers) and a stand-in for where
people are registered (the lake is not built in these tests)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from nhc.access.domain import hubs_from_practices
from nhc.access.services import AccessService, DayShape
from nhc.care.directory import StaticDirectory
from nhc.insights.access import PatientAccess
from nhc.settings import Settings
from nhc.web.app import create_app
from tests.access.conftest import FIRST_DAY, HUB_PRACTICES, NOW

#: The test hubs under real neighbourhood names (users' teams must be neighbourhoods of the geography).
RENAME = {"North Town": "Banbury", "South Vale": "Witney"}
PRACTICES = [{**p, "neighbourhood": RENAME[p["neighbourhood"]]} for p in HUB_PRACTICES]

PASSWORD = "correct-horse-battery-staple"
#: Where each test person is registered, and who they are.
HOME = {1: "Banbury", 2: "Banbury", 3: "Witney", 4: "Headington"}
PEOPLE = [
    {"patient_id": 1, "neighbourhood": "Banbury", "given_name": "Ada", "family_name": "Lovelace", "age": 81, "nhs_number": "9434765919", "practice_code": "K1"},
    {"patient_id": 2, "neighbourhood": "Banbury", "given_name": "Alan", "family_name": "Turing", "age": 67, "nhs_number": "9434765870"},
    {"patient_id": 3, "neighbourhood": "Witney", "given_name": "Grace", "family_name": "Hopper", "age": 90, "nhs_number": "9434765846"},
    {"patient_id": 4, "neighbourhood": "Headington", "given_name": "Mary", "family_name": "Seacole", "age": 88, "nhs_number": "9434765838"},
]  # fmt: skip
SMALL_DAY = DayShape(visits=12, clinicians=3, seconds=0.3)


def access_app(db_url: str, data_dir: Path) -> FastAPI:
    """The app over ``db_url`` with the access area at :data:`NOW` and the users ``nav`` (team
    member, Banbury and Headington), ``far`` (team member, Witney) and ``ana`` (analyst)."""
    app = create_app(Settings(data_dir=data_dir, database_url=db_url))
    sec = app.state.security
    service = AccessService(
        sec.db, clock=lambda: NOW, security=sec, neighbourhood_of=HOME.get, visit_day=SMALL_DAY
    )
    service.publish_timetables(FIRST_DAY, 14, hubs_from_practices(PRACTICES))
    app.state.access = service
    # the FHIR API's person-level decision over the same stand-in for where people are registered
    app.state.services = dataclasses.replace(app.state.services, patient_access=PatientAccess(sec, HOME.get))
    app.state.access_people = StaticDirectory(PEOPLE)
    sec.create_user("nav", "Nia Navigator", "team_member", password=PASSWORD, neighbourhoods=["Banbury", "Headington"])  # fmt: skip
    sec.create_user("far", "Fern Faraway", "team_member", password=PASSWORD, neighbourhoods=["Witney"])
    sec.create_user("ana", "Ana Analyst", "analyst", password=PASSWORD)
    return app


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def signed_in(app: FastAPI, username: str) -> TestClient:
    c = TestClient(app, follow_redirects=False)
    r = c.post(
        "/sign-in",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": token(c.get("/sign-in").text),
            "next": "/",
        },
    )
    assert r.status_code == 303, r.text
    return c
