"""The care pages and JSON API through HTTP (in-process): the whole flow, clear 4xx for bad input,
CSRF, and permission checks."""

from __future__ import annotations

import re

import pytest

from tests.care.web_support import PASSWORD, held_on_boxes, make_app, token, worklist_patients
from tests.web.fixture_lake import write_fixture_lake

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    return write_fixture_lake(tmp_path_factory.mktemp("care-lake") / "lake")


@pytest.fixture
def app(lake, db_url, tmp_path):
    application = make_app(lake.root, db_url, tmp_path)
    application.state.lake = lake
    yield application
    application.state.security.db.dispose()


def client(app, username: str | None = None):
    from fastapi.testclient import TestClient

    c = TestClient(app, follow_redirects=False)
    if username:
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


def test_admit_allocate_mdt_and_care_plan_through_the_pages(app) -> None:
    c = client(app, "lead")
    assert c.get("/care").headers["location"] == "/care/Banbury"
    page = c.get("/care/Banbury")
    assert page.status_code == 200 and 'data-testid="candidates"' in page.text
    pid = worklist_patients(app.state.lake)[0]
    assert f"Patient {pid}" in page.text
    r = c.post(
        "/care/Banbury/admit",
        data={"csrf_token": token(page.text), "patient_id": str(pid), "worklist": "high_admission_risk"},
    )
    assert r.status_code == 303, r.text
    episode_url = r.headers["location"]
    ep = c.get(episode_url)
    assert "emergency admissions in 12 months" in ep.text and "Not allocated" in ep.text

    alloc = c.get("/care/Banbury/allocation")
    r = c.post("/care/Banbury/allocation", data={"csrf_token": token(alloc.text)})
    assert r.status_code == 303
    alloc = c.get("/care/Banbury/allocation")
    assert "same neighbourhood (Banbury)" in alloc.text
    run_id = re.search(r"/care/allocation/(\d+)/accept", alloc.text).group(1)
    r = c.post(f"/care/allocation/{run_id}/accept", data={"csrf_token": token(alloc.text)})
    assert r.status_code == 303
    ep = c.get(episode_url)
    named = re.search(r'data-testid="named-clinician">([^<]+)<', ep.text).group(1)
    assert named in ("Nina Nurse", "Ben Nurse")

    mdt = c.get("/care/Banbury/mdt")
    r = c.post("/care/Banbury/mdt", data={"csrf_token": token(mdt.text), **held_on_boxes(mdt.text)})
    assert r.status_code == 303
    meeting_url = r.headers["location"]
    meeting = c.get(meeting_url)
    assert "New admission" in meeting.text
    item_id = re.search(r"/care/mdt/items/(\d+)/decision", meeting.text).group(1)
    phil = app.state.test_staff["phil"]
    r = c.post(
        f"/care/mdt/items/{item_id}/decision",
        data={
            "csrf_token": token(meeting.text),
            "meeting_id": meeting_url.rsplit("/", 1)[1],
            "decision": "Medicines review this week",
            "action_title": ["Medicines review", ""],
            "action_owner": [str(phil), ""],
            "action_due": ["2026-04-08", ""],
        },
    )
    assert r.status_code == 303
    assert "Medicines review this week" in c.get(meeting_url).text
    board = c.get("/care/Banbury/board")
    assert "Medicines review" in board.text and "Phil Pharmacist" in board.text

    form = c.get(f"{episode_url}/plan")
    fields = {
        "csrf_token": token(form.text),
        "what_matters": "Getting to my allotment",
        "goals": "Walk daily\nNo falls",
        "action": ["Falls assessment", ""],
        "owner": ["Physio", ""],
        "due": ["2026-04-10", ""],
        "review_date": "2026-05-01",
        "shared": "1",
        "version": "",
    }
    r = c.post(f"{episode_url}/plan", data=fields)
    assert r.status_code == 303
    saved = c.get(r.headers["location"])
    assert "Saved as version 1" in saved.text
    share = re.search(r'href="(/care/shared/[^"]+)" data-testid="share-link"', saved.text).group(1)
    r = c.post(
        f"{episode_url}/plan",
        data={
            **fields,
            "csrf_token": token(saved.text),
            "version": "1",
            "what_matters": "Getting to my allotment twice a week",
        },
    )
    assert r.status_code == 303
    # A second editor who loaded version 1 is told the plan is stale, and keeps their text.
    stale = c.post(
        f"{episode_url}/plan",
        data={**fields, "csrf_token": token(saved.text), "version": "1", "what_matters": "My late edit"},
    )
    assert stale.status_code == 409
    assert "the current version is 2" in stale.text and "My late edit" in stale.text
    # The patient's own view needs no sign-in.
    anon = client(app)
    shared = anon.get(share)
    assert shared.status_code == 200 and "Getting to my allotment twice a week" in shared.text
    plan_id = re.search(r"/care/plans/(\d+)/versions", saved.text).group(1)
    history = c.get(f"/care/plans/{plan_id}/versions")
    assert "Version 2" in history.text and "Version 1" in history.text
    assert "Getting to my allotment</p>" in c.get(f"/care/plans/{plan_id}/versions/1").text

    # The same record on the FHIR API, valid against the R4 models, and refused to outsiders.
    from nhc.fhir.validate import validate_resource

    episode_id = episode_url.rstrip("/").rsplit("/", 1)[1]
    plan = c.get(f"/fhir/CarePlan/care-plan-{plan_id}")
    assert plan.status_code == 200 and plan.headers["content-type"].startswith("application/fhir+json")
    assert plan.json()["resourceType"] == "CarePlan" and validate_resource(plan.json()) is None
    bundle = c.get(f"/fhir/EpisodeOfCare/care-episode-{episode_id}/$care-record").json()
    types = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert types[:3] == ["EpisodeOfCare", "CareTeam", "CarePlan"] and "Task" in types
    assert all(validate_resource(e["resource"]) is None for e in bundle["entry"])
    assert c.get(f"/fhir/EpisodeOfCare/{episode_id}").json()["id"] == f"care-episode-{episode_id}"
    assert c.get("/fhir/EpisodeOfCare/not-an-id").status_code == 422
    assert client(app).get(f"/fhir/CarePlan/{plan_id}").status_code in (401, 303)


def test_bad_input_gets_clear_messages_and_the_right_status(app) -> None:
    c = client(app, "lead")
    page = c.get("/care/Banbury")
    r = c.post(
        "/care/Banbury/admit",
        data={"csrf_token": token(page.text), "patient_id": "99999999", "worklist": "high_admission_risk"},
    )
    assert r.status_code == 404 and "no person with id 99999999" in r.text and "99999999" in r.text
    r = c.post("/care/Banbury/admit", data={"csrf_token": "forged", "patient_id": "1", "worklist": "x"})
    assert r.status_code == 400 and "form expired" in r.text
    assert c.get("/care/Atlantis").status_code == 404
    pid = worklist_patients(app.state.lake)[0]
    r = c.post(
        "/care/Banbury/admit",
        data={"csrf_token": token(page.text), "patient_id": str(pid), "worklist": "high_admission_risk"},
    )
    episode_id = int(r.headers["location"].rsplit("/", 1)[1])
    ep = c.get(f"/care/episodes/{episode_id}")
    # Over capacity and missing skills: 409 with the reason.
    r = c.post(
        f"/care/episodes/{episode_id}/override",
        data={
            "csrf_token": token(ep.text),
            "staff_id": str(app.state.test_staff["tia"]),
            "why": "test",
            "back": "alloc",
        },
    )
    assert r.status_code == 409 and "Tia Tiny would be over capacity" in r.text
    r = c.post(
        f"/care/episodes/{episode_id}/override",
        data={"csrf_token": token(ep.text), "staff_id": str(app.state.test_staff["phil"]), "why": "test"},
    )
    assert r.status_code == 409 and "does not have the skills" in r.text
    r = c.post(
        f"/care/episodes/{episode_id}/plan",
        data={"csrf_token": token(ep.text), "what_matters": "", "goals": "", "review_date": "2026-05-01"},
    )
    assert r.status_code == 422 and "What matters to me is required" in r.text


def test_json_api_with_csrf_header_and_problem_documents(app) -> None:
    c = client(app, "lead")
    pid = worklist_patients(app.state.lake)[0]
    r = c.post("/api/care/Banbury/admissions", json={"patient_id": pid, "worklist": "high_admission_risk"})
    assert r.status_code == 400 and "X-CSRF-Token" in r.json()["detail"]
    h = {"X-CSRF-Token": c.get("/api/care/csrf").json()["csrf_token"]}
    r = c.post(
        "/api/care/Banbury/admissions",
        json={"patient_id": 99999999, "worklist": "high_admission_risk"},
        headers=h,
    )
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    r = c.post(
        "/api/care/Banbury/admissions", json={"patient_id": pid, "worklist": "high_admission_risk"}, headers=h
    )
    assert r.status_code == 201, r.text
    ep = r.json()
    assert ep["patient_id"] == pid and ep["status"] == "active"
    assert [e["id"] for e in c.get("/api/care/Banbury/caseload").json()] == [ep["id"]]
    proposal = c.post("/api/care/Banbury/allocations", headers=h).json()
    assert proposal["items"][0]["reason"]
    assert c.post(f"/api/care/allocations/{proposal['id']}/accept", headers=h).json()["status"] == "accepted"
    body = {"what_matters": "Home", "goals": ["Walk"], "review_date": "2026-05-01"}
    plan = c.post(f"/api/care/episodes/{ep['id']}/plan", json=body, headers=h).json()
    assert plan["version"] == 1
    assert (
        c.put(f"/api/care/plans/{plan['id']}", json={**body, "version": 1}, headers=h).json()["version"] == 2
    )
    r = c.put(f"/api/care/plans/{plan['id']}", json={**body, "version": 1}, headers=h)
    assert r.status_code == 409 and "current version is 2" in r.json()["detail"]
    assert [v["version"] for v in c.get(f"/api/care/plans/{plan['id']}/versions").json()] == [2, 1]
    away = client(app, "away")
    assert away.get(f"/api/care/episodes/{ep['id']}").status_code == 403
    assert away.get("/api/care/Banbury/caseload").status_code == 403
    assert client(app).get("/api/care/Banbury/caseload").status_code == 401
