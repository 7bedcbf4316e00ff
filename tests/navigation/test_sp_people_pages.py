"""People shown as people on the social prescribing pages (issue 20's standard), on SQLite and
PostgreSQL: the caseload and the one-referral page show name, age and NHS number (3-3-4) linking to
the patient page; the referral form is about a person chosen from their patient page
(``?patient=<id>``, after the access decision, audited; a refusal gets the refusal page) or takes an
NHS number: a number that cannot be one re-shows the form with its error summary and what was typed
(400); a number that finds no one and another team's person get the same refusal (403).

The people come from a stand-in for the lake (a :class:`StaticDirectory`, which also answers the
directory's NHS number look-up); the access decision is the real one over their neighbourhoods."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from nhc.care.directory import StaticDirectory
from nhc.insights.access import PatientAccess
from nhc.navigation.services.social_prescribing import SocialPrescribing
from nhc.settings import Settings
from nhc.web.app import create_app
from nhc.web.by_nhs_number import NOT_YOURS
from nhc.web.navigation.social_prescribing import people
from tests.navigation.conftest import MONDAY_MORNING
from tests.navigation.test_social_prescribing import audit

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")
PASSWORD = "correct-horse-battery-staple"
ANN = {"patient_id": 101, "neighbourhood": "Banbury", "given_name": "Ann", "family_name": "Smith",
       "age": 81, "nhs_number": "9434765919"}  # fmt: skip
BOB = {"patient_id": 201, "neighbourhood": "Witney", "given_name": "Bob", "family_name": "Jones",
       "age": 67, "nhs_number": "9434765870"}  # fmt: skip


@pytest.fixture
def app(db_url, tmp_path):
    application = create_app(Settings(data_dir=tmp_path, database_url=db_url))
    application.state.navigation.clock = lambda: MONDAY_MORNING
    sec = application.state.security
    lake = StaticDirectory([ANN, BOB])
    home = {p["patient_id"]: p["neighbourhood"] for p in (ANN, BOB)}
    application.state.social_prescribing = SocialPrescribing(
        application.state.navigation, PatientAccess(sec, home.get)
    )
    application.dependency_overrides[people] = lambda: lake
    sec.create_user("cli", "Cli Clinician", "clinician", password=PASSWORD, neighbourhoods=["Banbury"])
    yield application
    sec.db.dispose()


@pytest.fixture
def client(app) -> TestClient:
    c = TestClient(app, follow_redirects=False)
    token = _token(c.get("/sign-in").text)
    r = c.post("/sign-in", data={"username": "cli", "password": PASSWORD, "csrf_token": token, "next": "/"})
    assert r.status_code == 303
    return c


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _form(app, client: TestClient, **fields: str) -> dict[str, str]:
    service = next(
        s.id
        for s in app.state.navigation.directory().services.values()
        if s.kind == "social_prescribing" and s.service_areas[0].name == "Banbury"
    )
    token = _token(client.get("/social-prescribing").text)
    return {"csrf_token": token, "service_id": service, "source": "clinician", **fields}


def _caseload(html: str) -> str:
    return re.search(r'data-testid="caseload">(.*?)</ul>', html, re.S).group(1)


def test_the_caseload_shows_the_person_by_name_age_and_nhs_number(app, client):
    form = _form(app, client, nhs_number="943-476 5919", what_matters="my garden")
    assert client.post("/social-prescribing/refer", data=form).status_code == 303
    row = _caseload(client.get("/social-prescribing").text)
    assert '<a class="nhsuk-link" href="/patients/101">Ann Smith</a>' in row
    assert "81 years, NHS number 943 476 5919" in row
    assert "Patient 101" not in row


def test_the_referral_page_shows_the_person(app, client):
    client.post("/social-prescribing/refer", data=_form(app, client, nhs_number="9434765919"))
    (rid,) = re.findall(r'action="/social-prescribing/(\d+)/accept"', client.get("/social-prescribing").text)
    page = client.get(f"/social-prescribing/{rid}").text
    heading = re.search(r"<h1.*?</h1>", page, re.S).group(0)
    assert "Ann Smith" in heading and "81 years, NHS number 943 476 5919" in heading
    assert 'href="/patients/101"' in page and "Patient 101" not in page


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("943 476 591", "Enter an NHS number of 10 digits, like 943 476 5919"),
        ("", "Enter the NHS number of the person to refer"),
        # 123 456 7890 used to be looked up and answered "No one with the NHS number 123 456 7890 is
        # known"; its check digit is wrong, so it is now refused before any look-up (see below for
        # a well-formed number that finds no one)
        ("123 456 7890", "Enter an NHS number of 10 digits, like 943 476 5919"),
        (
            "943 476 5918",
            "Enter an NHS number of 10 digits, like 943 476 5919",
        ),  # the check digit is off by one
    ],
)
def test_a_bad_nhs_number_shows_the_error_summary_and_keeps_the_input(app, client, typed, message):
    form = _form(app, client, nhs_number=typed, what_matters="my garden", source="self")
    r = client.post("/social-prescribing/refer", data=form)
    assert r.status_code == 400
    summary = re.search(r'class="nhsuk-error-summary".*?</div>\s*</div>', r.text, re.S).group(0)
    assert f'<a href="#nhs_number">{message}</a>' in summary
    assert 'class="nhsuk-form-group nhsuk-form-group--error"' in r.text
    assert f'id="nhs_number" name="nhs_number" type="text" inputmode="numeric" autocomplete="off" spellcheck="false" value="{typed}"' in r.text  # fmt: skip
    assert ">my garden</textarea>" in r.text
    assert re.search(r'id="source-self" name="source" type="radio" value="self" checked', r.text)
    assert 'data-testid="caseload"' not in r.text  # nothing was referred


def test_the_form_for_a_chosen_person_shows_them_after_the_audited_decision(app, client):
    page = client.get("/social-prescribing?patient=101").text
    chosen = re.search(r'data-testid="chosen-person">(.*?)</p>', page, re.S).group(1)
    assert "Ann Smith" in chosen and "81 years, NHS number 943 476 5919" in chosen
    assert '<input type="hidden" name="patient_id" value="101">' in page
    assert 'name="nhs_number"' not in page and "Patient id" not in page
    sp = app.state.social_prescribing
    assert audit(sp, "sp_refer_form") == [("success", 101, "basis=neighbourhood")]
    token = _token(page)
    form = _form(app, client, patient_id="101") | {"csrf_token": token}
    assert client.post("/social-prescribing/refer", data=form).status_code == 303
    assert "Ann Smith" in _caseload(client.get("/social-prescribing").text)


def test_a_clinician_without_access_to_the_chosen_person_gets_the_refusal_page(app, client):
    r = client.get("/social-prescribing?patient=201")
    assert r.status_code == 403
    assert "Access refused" in r.text and "recorded in the audit log" in r.text
    assert "Bob" not in r.text and "943 476 5870" not in r.text
    assert [a[:2] for a in audit(app.state.social_prescribing, "sp_refer_form")] == [("denied", 201)]


def test_referring_someone_out_of_reach_by_nhs_number_is_refused_and_audited(app, client):
    r = client.post("/social-prescribing/refer", data=_form(app, client, nhs_number="943 476 5870"))
    assert r.status_code == 403 and "Bob" not in r.text
    assert [a[:2] for a in audit(app.state.social_prescribing, "sp_refer")] == [("denied", 201)]


def _visible(html: str) -> str:
    """The page's text as a reader sees it: no markup, scripts or attribute values (the hidden
    CSRF token, what was typed in a box), whitespace collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# An NHS number that finds no one used to answer 400 "No one with the NHS number ... is known", so
# the form told anyone who typed numbers which of them are registered. It now gets the access
# forms' answer to another team's person: 403 and the same words, the number typed kept.
def test_an_nhs_number_that_finds_no_one_is_refused_with_the_words_of_a_refusal(app, client):
    form = _form(app, client, nhs_number="401 023 2137", what_matters="my garden")  # valid, not in the lake
    r = client.post("/social-prescribing/refer", data=form)
    assert r.status_code == 403
    summary = re.search(r'class="nhsuk-error-summary".*?</div>\s*</div>', r.text, re.S).group(0)
    assert f'<a href="#nhs_number">{NOT_YOURS}</a>' in summary
    assert 'id="nhs_number" name="nhs_number" type="text"' in r.text and 'value="401 023 2137"' in r.text
    assert ">my garden</textarea>" in r.text
    assert "is known" not in r.text
    assert 'data-testid="caseload"' not in r.text  # nothing was referred


@pytest.mark.parametrize(
    "service_id",
    [None, "no-such-service"],  # a service of Banbury; one the directory does not hold (checked first)
)
def test_an_unknown_nhs_number_and_another_teams_person_get_identical_answers(app, client, service_id):
    """Bob (Witney) is outside the clinician's neighbourhoods; 401 023 2137 is a valid number no one
    has. Whatever else the form holds, the two answers differ in nothing a user can see."""
    answers = []
    for typed in ("943 476 5870", "401 023 2137"):
        form = _form(app, client, nhs_number=typed, what_matters="my garden")
        r = client.post(
            "/social-prescribing/refer", data=form | ({"service_id": service_id} if service_id else {})
        )
        answers.append((r.status_code, _visible(r.text)))
    assert answers[0] == answers[1]
    assert answers[0][0] == (403 if service_id is None else 404)
    assert "Bob" not in answers[0][1] and "943 476 5870" not in answers[0][1]
    if service_id is None:
        assert NOT_YOURS in answers[0][1]
        # the known person's refusal is the access decision's, audited; no one to audit for the other
        assert [a[:2] for a in audit(app.state.social_prescribing, "sp_refer")] == [("denied", 201)]


def test_a_patient_id_that_is_not_a_number_is_refused_before_any_decision(app, client):
    assert client.get("/social-prescribing?patient=abc").status_code == 400
    assert audit(app.state.social_prescribing, "sp_refer_form") == []


def test_a_refused_referral_for_the_chosen_person_shows_them_again(app, client):
    """A second open referral to the same service is refused (409): the form comes back about the
    same person (their decision taken again, audited) with the problem linked to the service."""
    form = _form(app, client, patient_id="101", what_matters="my garden")
    assert client.post("/social-prescribing/refer", data=form).status_code == 303
    r = client.post("/social-prescribing/refer", data=form)
    assert r.status_code == 409
    assert re.search(r'<a href="#service_id">This person already has an open referral to [^<]+</a>', r.text)
    chosen = re.search(r'data-testid="chosen-person">(.*?)</p>', r.text, re.S).group(1)
    assert "Ann Smith" in chosen and '<input type="hidden" name="patient_id" value="101">' in r.text
    assert ">my garden</textarea>" in r.text
    assert audit(app.state.social_prescribing, "sp_refer_form") == [("success", 101, "basis=neighbourhood")]
