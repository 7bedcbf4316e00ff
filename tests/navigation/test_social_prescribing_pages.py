"""The social prescribing pages through the whole app: refer, accept, end, decline for capacity,
notices back; clinical roles only; forms need their CSRF token."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from nhc.insights.access import PatientAccess
from nhc.navigation.domain import Rag
from nhc.navigation.services.social_prescribing import SocialPrescribing
from nhc.settings import Settings
from nhc.web.app import create_app
from tests.navigation.conftest import MONDAY_MORNING

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")
PASSWORD = "correct-horse-battery-staple"
HOME = {101: "Banbury", 201: "Witney"}


@pytest.fixture
def app(db_url, tmp_path):
    application = create_app(Settings(data_dir=tmp_path, database_url=db_url))
    application.state.navigation.clock = lambda: MONDAY_MORNING
    sec = application.state.security
    # the people's neighbourhoods without a lake: the same decision, a stand-in for the insight tables
    application.state.social_prescribing = SocialPrescribing(
        application.state.navigation, PatientAccess(sec, HOME.get)
    )
    sec.create_user("cli", "Cli Clinician", "clinician", password=PASSWORD, neighbourhoods=["Banbury"])
    sec.create_user("ana", "Ana Analyst", "analyst", password=PASSWORD)
    yield application
    sec.db.dispose()


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _signed_in(app, username: str) -> TestClient:
    c = TestClient(app, follow_redirects=False)
    token = _token(c.get("/sign-in").text)
    r = c.post(
        "/sign-in", data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"}
    )
    assert r.status_code == 303
    return c


def _service(app) -> str:
    return next(
        s.id
        for s in app.state.navigation.directory().services.values()
        if s.kind == "social_prescribing" and s.service_areas[0].name == "Banbury"
    )


def test_only_clinical_roles(app):
    assert _signed_in(app, "ana").get("/social-prescribing").status_code == 403
    assert TestClient(app, follow_redirects=False).get("/social-prescribing").status_code == 303


def test_refer_accept_and_end_with_messages_back(app):
    c = _signed_in(app, "cli")
    token = _token(c.get("/social-prescribing").text)
    form = {"csrf_token": token, "patient_id": "101", "service_id": _service(app), "source": "self"}
    r = c.post("/social-prescribing/refer", data=form | {"what_matters": "my garden"})
    assert r.status_code == 303
    page = c.get("/social-prescribing").text
    assert "Patient 101" in page and "What matters to them: my garden" in page and "871731000000106" in page
    (rid,) = re.findall(r'action="/social-prescribing/(\d+)/accept"', page)
    assert c.post(f"/social-prescribing/{rid}/accept", data={"csrf_token": token}).status_code == 303
    assert (
        c.post(
            f"/social-prescribing/{rid}/end", data={"csrf_token": token, "outcome": "walks weekly"}
        ).status_code
        == 303
    )
    page = c.get("/social-prescribing").text
    assert "has ended: walks weekly" in page and "accepted the referral" in page and "Patient 101" not in page


def test_decline_for_capacity_turns_the_service_amber(app):
    c = _signed_in(app, "cli")
    token = _token(c.get("/social-prescribing").text)
    service = _service(app)
    c.post(
        "/social-prescribing/refer",
        data={"csrf_token": token, "patient_id": "101", "service_id": service, "source": "clinician"},
    )
    (rid,) = re.findall(r'action="/social-prescribing/(\d+)/decline"', c.get("/social-prescribing").text)
    r = c.post(
        f"/social-prescribing/{rid}/decline",
        data={"csrf_token": token, "reason": "full", "for_capacity": "yes"},
    )
    assert r.status_code == 303
    assert app.state.navigation.directory().services[service].capacity.current(MONDAY_MORNING) is Rag.AMBER
    assert "declined the referral: it has no capacity" in c.get("/social-prescribing").text


def test_refusals_and_bad_forms(app):
    c = _signed_in(app, "cli")
    token = _token(c.get("/social-prescribing").text)
    base = {"csrf_token": token, "service_id": _service(app), "source": "clinician"}
    assert c.post("/social-prescribing/refer", data=base | {"patient_id": "201"}).status_code == 403
    r = c.post("/social-prescribing/refer", data=base | {"patient_id": "x"})
    assert r.status_code == 400 and 'href="#patient_id"' in r.text
    assert (
        c.post(
            "/social-prescribing/refer", data=base | {"patient_id": "101", "csrf_token": "forged"}
        ).status_code
        == 400
    )
    assert c.post("/social-prescribing/999/accept", data={"csrf_token": token}).status_code == 404
