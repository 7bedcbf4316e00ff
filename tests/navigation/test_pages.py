"""The navigation pages through the whole app in-process: the navigator (signed-in clinical roles),
the directory search (any signed-in user) and the public "Find help near you" page."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from nhc.settings import Settings
from nhc.web.app import create_app
from tests.navigation.conftest import MONDAY_MORNING

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def app(db_url, tmp_path):
    application = create_app(Settings(data_dir=tmp_path, database_url=db_url))
    application.state.navigation.clock = lambda: MONDAY_MORNING
    sec = application.state.security
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


def test_navigator_needs_sign_in_and_a_clinical_role(app):
    assert TestClient(app, follow_redirects=False).get("/navigator").status_code == 303
    assert _signed_in(app, "ana").get("/navigator").status_code == 403


def test_navigator_asks_the_red_flag_questions_of_the_chosen_reason(app):
    c = _signed_in(app, "cli")
    first = c.get("/navigator")
    assert first.status_code == 200 and 'name="reason"' in first.text and "Sore throat" in first.text
    assert "Directory information as of 2 March 2026 10:15" in first.text
    second = c.get("/navigator", params={"age": "55", "sex": "male", "reason": "chest_pain"})
    assert "Is the pain crushing or heavy, or spreading to the arm, jaw, neck or back?" in second.text
    assert 'method="post"' in second.text


def test_navigator_answer_in_plain_english_with_phone_and_safety_net(app):
    c = _signed_in(app, "cli")
    page = c.get("/navigator", params={"age": "55", "sex": "male", "reason": "chest_pain"})
    form = {"csrf_token": _token(page.text), "age": "55", "sex": "male", "reason": "chest_pain"}
    form |= {"practice_code": "K84013", "red_flags": "crushing_chest_pain"}
    r = c.post("/navigator", data=form)
    assert r.status_code == 200
    assert '<h1 class="nhsuk-heading-l" data-testid="disposition">Call 999</h1>' in r.text
    assert "John Radcliffe Hospital emergency department" in r.text
    assert 'href="tel:' in r.text and "If it gets worse, or if this does not work" in r.text
    assert "Phone 999 from any phone, even without credit." in r.text
    decision = app.state.navigation.decisions(1)[0]
    assert decision["asked_by"] == "cli" and decision["channel"] == "web"


def _answer(app, c, hour: int) -> str:
    app.state.navigation.clock = lambda: MONDAY_MORNING.replace(hour=hour)
    fields = {"age": "30", "sex": "female", "reason": "urinary_symptoms"}
    page = c.get("/navigator", params=fields)
    form = {"csrf_token": _token(page.text), **fields, "red_flags": "loin_pain_fever"}
    return re.search(r'data-testid="disposition">([^<]+)<', c.post("/navigator", data=form).text).group(1)


def test_navigator_out_of_hours_moves_same_day_gp_to_111(app):
    c = _signed_in(app, "cli")
    assert _answer(app, c, 10) == "GP practice today"
    assert _answer(app, c, 19) == "NHS 111"


def test_navigator_bad_age_shows_the_form_with_the_field_named(app):
    c = _signed_in(app, "cli")
    page = c.get("/navigator", params={"age": "200", "sex": "male", "reason": "cough"})
    form = {"csrf_token": _token(page.text), "age": "200", "sex": "male", "reason": "cough"}
    r = c.post("/navigator", data=form)
    assert r.status_code == 400 and 'href="#age"' in r.text and "impossible" in r.text


def test_navigator_refuses_a_form_without_its_token(app):
    c = _signed_in(app, "cli")
    r = c.post("/navigator", data={"csrf_token": "forged", "age": "30", "sex": "male", "reason": "cough"})
    assert r.status_code == 400 and "the form expired" in r.text
    assert app.state.navigation.decisions(5) == []


def test_directory_search_nearest_first_with_opening_times(app):
    c = _signed_in(app, "ana")
    r = c.get("/directory", params={"kind": "pharmacy_first", "postcode": "OX16 1AB"})
    assert r.status_code == 200 and "Distance" in r.text
    distances = [float(d) for d in re.findall(r'nhc-numeric">([\d.]+) km<', r.text)]
    assert distances and distances == sorted(distances)
    assert "8am" in r.text or "9am" in r.text or "Open 24 hours" in r.text


def test_directory_bad_postcode_names_the_field(app):
    r = _signed_in(app, "ana").get("/directory", params={"postcode": "not a postcode!"})
    assert r.status_code == 400 and 'href="#postcode"' in r.text


def test_find_help_is_public_and_keeps_nothing(app):
    c = TestClient(app, follow_redirects=False)
    before = len(app.state.navigation.decisions(100))
    r = c.get("/find-help", params={"kind": "vcse_food_bank", "postcode": "OX4"})
    assert r.status_code == 200 and "Find help near you" in r.text
    assert "Food bank" in r.text and "km" in r.text and "Sign out" not in r.text
    assert len(app.state.navigation.decisions(100)) == before
    assert "nhc_session" not in r.headers.get("set-cookie", "")


def test_find_help_offers_no_practice_only_services(app):
    r = TestClient(app).get("/find-help", params={"kind": "gp_practice"})
    assert r.status_code == 400 and 'href="#kind"' in r.text


def test_a_social_prescriber_answer_links_to_the_referral_form(app):
    c = _signed_in(app, "cli")
    fields = {"age": "70", "sex": "female", "reason": "loneliness", "practice_code": "K84013"}
    page = c.get("/navigator", params=fields)
    answer = c.post("/navigator", data={"csrf_token": _token(page.text), **fields}).text
    assert 'data-testid="disposition">Social prescribing link worker<' in answer
    assert 'href="/social-prescribing#patient_id"' in answer


def test_the_header_links_each_role_to_the_navigation_pages_it_may_use(app):
    """A link a role cannot use is not shown: every header link a user sees opens for them (no 403)."""
    for username, expected in (
        ("cli", {"/navigator", "/social-prescribing", "/directory"}),
        ("ana", {"/directory"}),
    ):
        client = _signed_in(app, username)
        page = client.get("/directory").text
        header = page.split('aria-label="Menu"')[1].split("</nav>")[0]
        shown = set(re.findall(r'href="(/navigator|/social-prescribing|/directory)"', header))
        assert shown == expected, username
        for link in shown:
            assert client.get(link).status_code == 200, (username, link)
