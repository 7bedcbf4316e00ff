"""The hub appointment pages through the whole app, on SQLite and PostgreSQL: find a slot, book it
for a person, see the confirmation, cancel; each refusal re-shows the form with its reason; roles
see only the pages they can use; every page says when its data is as of."""

from __future__ import annotations

import datetime as dt
import html as html_module
import re

import pytest
import sqlalchemy as sa

from nhc.access.services import AccessService
from nhc.security.models import AuditEvent
from tests.access.conftest import NOW
from tests.access.web_support import HOME, SMALL_DAY, access_app, signed_in, token

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")
SEARCH = "/access/slots?hub=hub-banbury&service=gp&date-day=7&date-month=3&date-year=2026"
FIRST_GP = "hub-banbury-gp-1-202603070900"  # Saturday 7 March 2026, 09:00


@pytest.fixture
def app(db_url, tmp_path):
    application = access_app(db_url, tmp_path)
    yield application
    application.state.security.db.dispose()


@pytest.fixture
def nav(app):
    return signed_in(app, "nav")


def _book(client, slot: str = FIRST_GP, **form):
    page = client.get(f"/access/slots/{slot}/book")
    data = {"csrf_token": token(page.text), "patient_id": "1", "practice_code": "K1", "booked_for": "hub"}
    return client.post(f"/access/slots/{slot}/book", data=data | form)


def _error(html: str) -> str:
    found = re.search(r'data-testid="error-message"[^>]*>([^<]+)<', html)
    return html_module.unescape(found.group(1)) if found else ""


def _audit(app, action: str) -> list[tuple[str, str, int | None]]:
    with app.state.security.db.unit_of_work() as s:
        rows = s.execute(
            sa.select(AuditEvent.username, AuditEvent.outcome, AuditEvent.patient_id)
            .where(AuditEvent.action == action)
            .order_by(AuditEvent.id)
        )
        return [tuple(r) for r in rows]


def test_signed_out_people_are_sent_to_sign_in(app):
    from fastapi.testclient import TestClient

    r = TestClient(app, follow_redirects=False).get("/access/slots")
    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")


def test_the_start_page_links_only_to_what_the_role_can_use(app, nav):
    analyst = signed_in(app, "ana").get("/access").text
    assert "/access/utilisation" in analyst
    assert "/access/slots" not in analyst and "/access/visits" not in analyst
    page = nav.get("/access").text
    assert all(link in page for link in ("/access/slots", "/access/visits", "/access/utilisation"))


@pytest.mark.parametrize("url", ["/access/slots", f"/access/slots/{FIRST_GP}/book", "/access/visits"])
def test_an_analyst_cannot_book_or_plan(app, url):
    r = signed_in(app, "ana").get(url)
    assert r.status_code == 403 and "cannot book appointments or plan home visits" in r.text


@pytest.mark.parametrize("url", ["/access", "/access/slots", SEARCH, f"/access/slots/{FIRST_GP}/book", "/access/utilisation", "/access/visits"])  # fmt: skip
def test_every_page_says_when_its_data_is_as_of(nav, url):
    r = nav.get(url)
    assert r.status_code == 200
    assert re.search(r'data-testid="as-of">[^<]*as of 2 March 2026 12:00 \(UK time\)', r.text)


def test_search_lists_the_hubs_free_slots_of_the_week_earliest_first(nav):
    page = nav.get(SEARCH).text
    times = re.findall(r"Saturday 7 March 2026, (\d\d:\d\d) to", page)
    assert times[:3] == ["09:00", "09:00", "09:15"] or times[:2] == ["09:00", "09:15"]
    assert "Practice nurse" not in page.split('data-testid="slots"')[1]


def test_search_by_channel_and_weekend(nav):
    page = nav.get("/access/slots?hub=hub-banbury&channel=video&when=weekend").text
    rows = page.split('data-testid="slots"')[1].split("</table>")[0]
    assert rows.count("<tr") > 1
    assert set(re.findall(r">(In person|Telephone|Video)<", rows)) == {"Video"}
    assert not re.search(r">(Monday|Tuesday|Wednesday|Thursday|Friday) ", rows)


def test_search_evenings_only(nav):
    page = nav.get("/access/slots?hub=hub-banbury&when=evening").text
    rows = page.split('data-testid="slots"')[1].split("</table>")[0]
    days = re.findall(r">(\w+day) \d+ March 2026, (\d\d):\d\d to", rows)
    assert days and all(d not in ("Saturday", "Sunday") and int(h) >= 17 for d, h in days)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("date-day=31&date-month=2&date-year=2026", "date-day", "Enter a real date"),
        ("date-day=x&date-month=3&date-year=2026", "date-day", "Enter a real date"),
        ("hub=hub-nowhere", "hub", "Choose a hub from the list"),
        ("service=dentist", "service", "Choose a type of appointment"),
        ("channel=fax", "channel", "Choose in person, telephone or video"),
    ],
)
def test_a_bad_search_reshows_the_form_with_an_error_summary(nav, query, field, message):
    r = nav.get(f"/access/slots?{query}")
    assert r.status_code == 400
    assert _error(r.text).startswith(message) and f'href="#{field}"' in r.text
    assert 'data-testid="search-form"' in r.text


def test_book_shows_the_person_and_is_audited(app, nav):
    r = _book(nav)
    assert r.status_code == 303 and r.headers["location"].startswith("/access/appointments/")
    page = nav.get(r.headers["location"]).text
    assert "Appointment booked" in page
    person = re.search(r'data-testid="person">(.*?)</span></span>', page, re.S).group(1)
    assert "Ada Lovelace" in person and "81 years" in person and "NHS number 943 476 5919" in person
    assert "Saturday 7 March 2026, 09:00 to 09:15" in page and "Banbury access hub" in page
    assert ("nav", "success", 1) in _audit(app, "access_book")
    assert ("nav", "success", 1) in _audit(app, "access_view")


def test_a_second_booking_of_the_same_slot_is_refused_with_the_reason(app, nav):
    assert _book(nav).status_code == 303
    r = _book(nav, patient_id="2")
    assert r.status_code == 409
    assert _error(r.text).startswith("That slot was just taken") and 'href="#slot"' in r.text
    assert "Search again and choose another slot" in r.text
    assert 'data-testid="book-form"' in r.text and "Alan Turing" in r.text  # the form, for the same person
    assert ("nav", "conflict", 2) in _audit(app, "access_book")


def test_a_practice_outside_the_hub_is_refused(nav):
    r = _book(nav, practice_code="K3")
    assert r.status_code == 403
    assert _error(r.text).startswith("Practice K3 is not in Banbury") and 'href="#practice_code"' in r.text


def test_no_relationship_with_the_person_is_refused_and_nothing_is_booked(app):
    far = signed_in(app, "far")
    r = _book(far)
    assert r.status_code == 403 and 'href="#nhs_number"' in r.text
    assert "legitimate relationship" in _error(r.text)
    assert FIRST_GP in signed_in(app, "nav").get(SEARCH).text  # still free
    assert ("far", "denied", 1) in _audit(app, "access_book")


@pytest.mark.parametrize(
    ("form", "status", "field", "message"),
    [
        ({"patient_id": "ten"}, 400, "nhs_number", "Patient id must be a whole number"),
        ({"patient_id": ""}, 400, "nhs_number", "Enter the person's NHS number"),
        ({"practice_code": ""}, 400, "practice_code", "Choose the person's GP practice"),
        ({"csrf_token": "wrong"}, 400, "csrf_token", "Your form expired"),
    ],
)
def test_a_bad_booking_form_is_reshown_with_its_error(app, nav, form, status, field, message):
    r = _book(nav, **form)
    assert r.status_code == status and message in _error(r.text)
    assert f'href="#{field}"' in r.text if field != "csrf_token" else 'href="#csrf_token"' not in r.text
    assert _audit(app, "access_book") == []


def test_a_slot_that_has_started_cannot_be_booked(app, nav):
    later = NOW.replace(day=7, hour=9, minute=5)
    sec = app.state.security
    app.state.access = AccessService(sec.db, clock=lambda: later, security=sec, neighbourhood_of=HOME.get, visit_day=SMALL_DAY)  # fmt: skip
    r = _book(nav)
    assert r.status_code == 422 and "the slot has already started" in _error(r.text)


def test_an_unknown_slot_or_appointment_is_not_found(nav):
    assert nav.get("/access/slots/no-such-slot/book").status_code == 404
    assert nav.get("/access/appointments/nope").status_code == 404


def test_cancel_frees_the_slot(app, nav):
    where = _book(nav).headers["location"]
    page = nav.get(where).text
    r = nav.post(f"{where}/cancel", data={"csrf_token": token(page), "reason": "feeling better"})
    assert r.status_code == 303 and r.headers["location"] == where
    page = nav.get(where).text
    assert re.search(r'data-testid="status">Cancelled<', page) and "feeling better" in page
    assert 'data-testid="cancel-form"' not in page
    assert FIRST_GP in nav.get(SEARCH).text
    assert ("nav", "success", 1) in _audit(app, "access_cancel")


def test_cancel_needs_the_form_token_and_a_future_slot(app, nav):
    where = _book(nav).headers["location"]
    r = nav.post(f"{where}/cancel", data={"csrf_token": "wrong"})
    assert r.status_code == 400 and "Your form expired" in _error(r.text)
    sec = app.state.security
    later = dt.datetime(2026, 3, 7, 9, 5)
    app.state.access = AccessService(sec.db, clock=lambda: later, security=sec, neighbourhood_of=HOME.get, visit_day=SMALL_DAY)  # fmt: skip
    page = nav.get(where).text
    assert 'data-testid="cancel-form"' not in page  # started: no cancel form
    r = nav.post(f"{where}/cancel", data={"csrf_token": token(page)})
    assert r.status_code == 422 and "the slot has already started" in _error(r.text)


def test_step_one_names_the_person_after_the_decision(app, nav):
    r = nav.get(f"/access/slots/{FIRST_GP}/book?patient_id=1")
    assert r.status_code == 200
    who = r.text.split('data-testid="booking-for"')[1].split("</p>")[0]
    assert "Ada Lovelace" in who and "NHS number 943 476 5919" in who
    assert '<option value="K1" selected>' in r.text  # their practice, from their record
    assert ("nav", "success", 1) in _audit(app, "access_find")


def test_step_one_refuses_someone_without_a_relationship_and_names_no_one(app):
    r = signed_in(app, "far").get(f"/access/slots/{FIRST_GP}/book?patient_id=1")
    assert r.status_code == 403 and "legitimate relationship" in _error(r.text)
    assert "Ada Lovelace" not in r.text and 'data-testid="book-form"' not in r.text
    assert ("far", "denied", 1) in _audit(app, "access_find")


def test_step_one_with_a_bad_patient_id(nav):
    r = nav.get(f"/access/slots/{FIRST_GP}/book?patient_id=abc")
    assert r.status_code == 400 and 'href="#nhs_number"' in r.text and 'data-testid="who-form"' in r.text


@pytest.mark.parametrize("typed", ["9434765919", "943 476 5919", "943-476-5919", " 943 4765919 "])
def test_step_one_finds_the_person_by_nhs_number_however_it_is_spaced(app, nav, typed):
    r = nav.get(f"/access/slots/{FIRST_GP}/book", params={"nhs_number": typed})
    assert r.status_code == 200
    who = r.text.split('data-testid="booking-for"')[1].split("</p>")[0]
    assert "Ada Lovelace" in who and "NHS number 943 476 5919" in who
    assert 'name="patient_id" value="1"' in r.text  # step 2 carries the person, not the number
    assert ("nav", "success", 1) in _audit(app, "access_find")


@pytest.mark.parametrize(
    ("typed", "message"),
    [("943 476 5918", "Enter a valid 10-digit NHS number"), ("12345", "Enter a valid 10-digit NHS number")],
)
def test_step_one_with_a_number_that_cannot_be_an_nhs_number(nav, typed, message):
    r = nav.get(f"/access/slots/{FIRST_GP}/book", params={"nhs_number": typed})
    assert r.status_code == 400 and message in _error(r.text) and 'href="#nhs_number"' in r.text
    assert f'value="{typed}"' in r.text  # what was typed is kept


def test_an_unknown_number_and_another_teams_person_get_the_same_answer(app):
    far = signed_in(app, "far")  # Witney only: Ada Lovelace (Banbury) is another team's
    unknown = far.get(f"/access/slots/{FIRST_GP}/book", params={"nhs_number": "999 000 0018"})
    theirs = far.get(f"/access/slots/{FIRST_GP}/book", params={"nhs_number": "943 476 5919"})
    assert unknown.status_code == theirs.status_code == 403
    assert _error(unknown.text) == _error(theirs.text)
    assert "Ada Lovelace" not in theirs.text and 'data-testid="book-form"' not in theirs.text
