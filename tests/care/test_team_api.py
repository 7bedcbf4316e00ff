"""Team set-up in the JSON API (/api/care): the same use cases, rules and permissions as the pages."""

from __future__ import annotations

import pytest

from tests.care.test_web import client
from tests.care.web_support import NB, make_app
from tests.web.fixture_lake import write_fixture_lake

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]

ADA = {"name": "Ada Physio", "role": "physiotherapist", "capacity": 12, "days": ["Mon", "Tue"]}


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    return write_fixture_lake(tmp_path_factory.mktemp("team-api-lake") / "lake")


@pytest.fixture
def app(lake, db_url, tmp_path):
    application = make_app(lake.root, db_url, tmp_path)
    yield application
    application.state.security.db.dispose()


def signed_in(app, username: str):
    c = client(app, username)
    return c, {"X-CSRF-Token": c.get("/api/care/csrf").json()["csrf_token"]}


def test_add_and_change_a_staff_member(app) -> None:
    c, h = signed_in(app, "lead")
    assert c.post(f"/api/care/{NB}/staff", json=ADA).status_code == 400  # no CSRF header
    r = c.post(f"/api/care/{NB}/staff", json={**ADA, "starts": "9:00", "ends": "13:00"}, headers=h)
    assert r.status_code == 201, r.text
    ada = r.json()
    assert (ada["skills"], ada["capacity"], ada["working_pattern"]) == (
        ["mobility"],
        12,
        "Mon, Tue 09:00-13:00",
    )
    change = {"skills": ["mobility", "nursing"], "capacity": 15, "days": ["Mon", "Tue", "Wed"]}
    r = c.put(f"/api/care/staff/{ada['id']}", json=change, headers=h)
    assert r.status_code == 200 and r.json()["working_pattern"] == "Mon-Wed" and r.json()["capacity"] == 15
    names = {s["name"]: s["capacity"] for s in c.get(f"/api/care/{NB}/staff").json()}
    assert names["Ada Physio"] == 15


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"capacity": 0}, 422, "capacity must be more than 0"),
        ({"days": []}, 422, "choose at least one day"),
        ({"days": ["Mon"], "starts": "17:00", "ends": "09:00"}, 422, "must be after the start time"),
        ({"name": "BEN NURSE"}, 409, "Ben Nurse is already on the Banbury team"),
        ({"role": "wizard"}, 422, "unknown team role"),
    ],
)
def test_bad_staff_are_refused_with_a_problem_document(app, change, status, words) -> None:
    c, h = signed_in(app, "lead")
    r = c.post(f"/api/care/{NB}/staff", json={**ADA, **change}, headers=h)
    assert r.status_code == status and words in r.text


def test_absences_through_the_api(app) -> None:
    c, h = signed_in(app, "lead")
    ben = app.state.test_staff["ben"]
    r = c.post(
        f"/api/care/staff/{ben}/absences", json={"starts_on": "10/1/2031", "ends_on": "1/1/2031"}, headers=h
    )
    assert r.status_code == 422 and "cannot end" in r.json()["detail"]
    r = c.post(
        f"/api/care/staff/{ben}/absences", json={"starts_on": "1/1/2031", "ends_on": "2031-01-10"}, headers=h
    )
    assert r.status_code == 201
    assert [
        (a["staff_id"], a["starts_on"], a["ends_on"]) for a in c.get(f"/api/care/{NB}/absences").json()
    ] == [(ben, "2031-01-01", "2031-01-10")]


def test_a_team_member_cannot_set_up_staff_through_the_api(app) -> None:
    c, h = signed_in(app, "nurse")
    assert c.post(f"/api/care/{NB}/staff", json=ADA, headers=h).status_code == 403
    ben = app.state.test_staff["ben"]
    r = c.put(
        f"/api/care/staff/{ben}", json={"skills": ["nursing"], "capacity": 3, "days": ["Mon"]}, headers=h
    )
    assert r.status_code == 403
    assert c.get(f"/api/care/{NB}/absences").status_code == 200  # the team's own list
    assert client(app, "away").get(f"/api/care/{NB}/absences").status_code == 403
