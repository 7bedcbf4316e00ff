"""The home visits day plan and hub utilisation pages through the whole app (SQLite and
PostgreSQL): routes per clinician, a stored visit request, re-planning, errors re-showing the form,
the person shown only to those allowed; utilisation in words and as CSV."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest

from nhc.access.services.visiting import Visiting
from tests.access.web_support import access_app, signed_in, token

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")
DAY = {"date-day": "2", "date-month": "3", "date-year": "2026"}
PLAN = "/access/visits?date-day=2&date-month=3&date-year=2026"
REQUEST = {
    "nhs_number": "943 476 5838",  # Mary Seacole, patient 4
    "neighbourhood": "Headington",
    "skill": "gp",
    "priority": "urgent",
    "window_start": "10:00",
    "window_end": "12:00",
    "duration": "30",
    "reason": "fall at home, cannot get up the stairs",
}


@pytest.fixture
def app(db_url, tmp_path):
    application = access_app(db_url, tmp_path)
    yield application
    application.state.security.db.dispose()


@pytest.fixture
def nav(app):
    return signed_in(app, "nav")


def _add(client, **changes):
    page = client.get(PLAN).text
    return client.post(
        "/access/visits/requests", data={"csrf_token": token(page), **DAY, **REQUEST, **changes}
    )


def _error(text: str) -> str:
    found = re.search(r'data-testid="error-message"[^>]*>([^<]+)<', text)
    return html.unescape(found.group(1)) if found else ""


def test_the_day_plan_shows_a_route_per_clinician_with_stops_in_order(nav):
    r = nav.get(PLAN)
    assert r.status_code == 200 and "Monday 2 March 2026" in r.text
    assert r.text.count('data-testid="route"') == 3  # the small day's three clinicians
    first_route = r.text.split('data-testid="route"')[1]
    starts = re.findall(r'data-testid="visit-time">(\d\d:\d\d) to (\d\d:\d\d)', first_route)
    assert len(starts) >= 2
    assert starts == sorted(starts)  # visit times in order
    assert "Break at base" in first_route
    assert re.search(r"Visits asked for</dt><dd[^>]*>12<", r.text)


def test_visits_missed_are_listed_with_why(nav, app):
    visiting: Visiting = app.state.access.visiting
    board = visiting.board(visiting.access.now().date())
    page = nav.get(PLAN).text
    for vid, why in board.plan.unplanned.items():
        assert vid in page and html.escape(why) in page
    if not board.plan.unplanned:
        assert "None: every visit is in a route." in page


def test_a_request_is_stored_shown_with_its_person_and_planned_on_replan(app, nav):
    r = _add(nav)
    assert r.status_code == 303 and r.headers["location"].startswith(PLAN)
    page = nav.get(PLAN).text
    requests = page.split('data-testid="requests"')[1].split("</ul>")[0]
    assert "Mary Seacole" in requests and "88 years" in requests and "NHS number 943 476 5838" in requests
    assert "fall at home" in requests and "Not planned yet" in requests
    assert 'data-testid="waiting"' in page
    r = nav.post("/access/visits/replan", data={"csrf_token": token(page), **DAY, "from": "09:00"})
    assert r.status_code == 303
    page = nav.get(PLAN).text
    assert "Not planned yet" not in page and 'data-testid="waiting"' not in page
    assert "re-planned from 09:00" in page
    routes = "".join(page.split('data-testid="route"')[1:]).split('id="missed"')[0]
    assert "R1: GP, urgent priority" in routes  # the urgent request is in a route


def test_someone_outside_the_coordinators_teams_is_not_named(app, nav):
    _add(nav)
    far = signed_in(app, "far").get(PLAN).text
    requests = far.split('data-testid="requests"')[1].split("</ul>")[0]
    assert "a person outside your neighbourhoods" in requests and "Mary Seacole" not in far


def test_a_request_for_someone_without_a_relationship_is_refused(app):
    far = signed_in(app, "far")
    r = _add(far)
    assert r.status_code == 403 and "legitimate relationship" in _error(r.text)
    assert app.state.access.visiting.requests(app.state.access.clock().date(), None) == []


@pytest.mark.parametrize(
    ("changes", "status", "field", "message"),
    [
        ({"reason": "  "}, 422, "reason", "Say why the visit is needed"),
        (
            {"window_start": "12:00", "window_end": "11:00"},
            422,
            "window_end",
            "The latest time must be after",
        ),
        (
            {"window_start": "10:00", "window_end": "10:30", "duration": "45"},
            422,
            "window_end",
            "The window is shorter",
        ),
        ({"duration": "7"}, 422, "duration", "7 minutes is not a visit length"),
        ({"nhs_number": "abc"}, 400, "nhs_number", "Enter a valid 10-digit NHS number"),
        ({"nhs_number": "943 476 5839"}, 400, "nhs_number", "Enter a valid 10-digit NHS number"),
        ({"nhs_number": ""}, 400, "nhs_number", "Enter the person's NHS number"),
        ({"nhs_number": "943 476 5846"}, 403, "nhs_number", "You do not have a legitimate relationship"),
        ({"skill": "surgeon"}, 400, "skill", "Choose who needs to visit"),
        ({"priority": ""}, 400, "priority", "Choose how urgent"),
        ({"neighbourhood": "Banbury"}, 422, "neighbourhood", "Is not served by this visiting service"),
        ({"window_start": "9am"}, 422, "window_start", "'9am' is not a time of day"),
        ({"date-day": "30", "date-month": "2"}, 400, "date-day", "Enter a real date"),
        ({"csrf_token": "stale"}, 400, "csrf_token", "Your form expired"),
    ],
)
def test_a_bad_request_reshows_the_form_with_an_error_summary(app, nav, changes, status, field, message):
    r = _add(nav, **changes)
    assert r.status_code == status, r.text[-500:]
    assert _error(r.text).startswith(message)
    if field != "csrf_token":
        assert f'href="#{field}"' in r.text
    assert 'data-testid="request-form"' in r.text
    assert "cannot get up the stairs" in r.text or "reason" in changes  # what was typed is kept
    assert app.state.access.visiting.requests(app.state.access.clock().date(), None) == []


def test_replan_needs_a_time_of_day_and_the_token(nav):
    page = nav.get(PLAN).text
    r = nav.post("/access/visits/replan", data={"csrf_token": token(page), **DAY, "from": "25:00"})
    assert r.status_code == 400 and _error(r.text).startswith("'25:00' is not a time of day")
    r = nav.post("/access/visits/replan", data={"csrf_token": "stale", **DAY})
    assert r.status_code == 400 and _error(r.text).startswith("Your form expired")


def test_a_bad_date_reshows_the_plan_with_an_error(nav):
    r = nav.get("/access/visits?date-day=40&date-month=1&date-year=2026")
    assert r.status_code == 400 and _error(r.text).startswith("Enter a real date")


def _book_one(client) -> None:
    slot = "hub-banbury-gp-1-202603070900"
    page = client.get(f"/access/slots/{slot}/book").text
    r = client.post(f"/access/slots/{slot}/book", data={"csrf_token": token(page), "patient_id": "1", "practice_code": "K1"})  # fmt: skip
    assert r.status_code == 303


def test_utilisation_in_words_and_as_csv(app, nav):
    _book_one(nav)
    analyst = signed_in(app, "ana")
    page = analyst.get("/access/utilisation?date-day=2&date-month=3&date-year=2026&weeks=2").text
    table = page.split('data-testid="utilisation"')[1].split("</table>")[0]
    banbury = table.split("Banbury access hub")[1].split("</tr>")[0]
    booked, free = (int(x.replace(",", "")) for x in re.findall(r'nhc-numeric">([\d,]+)<', banbury)[:2])
    assert booked == 1 and free > 100
    assert "Mostly free" in banbury
    assert "From 2 March 2026 to 15 March 2026, the hubs booked 1 of" in page
    r = analyst.get("/access/utilisation.csv?date-day=2&date-month=3&date-year=2026&weeks=2")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = {row["hub"]: row for row in csv.DictReader(io.StringIO(r.text))}
    assert rows["Banbury access hub"]["booked_slots"] == "1"
    assert rows["Banbury access hub"]["free_slots"] == str(free)
    assert rows["Witney access hub"]["booked_slots"] == "0"


def test_utilisation_errors(nav):
    r = nav.get("/access/utilisation?weeks=0")
    assert r.status_code == 400 and _error(r.text).startswith("Choose from 1 to 12 weeks")
    assert nav.get("/access/utilisation.csv?weeks=99").status_code == 400


def test_the_routes_are_drawn_as_a_map_with_a_text_alternative(nav):
    page = nav.get(PLAN).text
    svg = page.split('data-testid="route-map"')[1].split("</svg>")[0]
    assert svg.count("<polyline") == 3  # one line per clinician
    assert "The tables below give the same routes in words" in svg
    assert "Headington" in svg  # the neighbourhoods are labelled


def test_a_clinicians_run_sheet_is_a_page_of_its_own(app, nav):
    visiting = app.state.access.visiting
    board = visiting.board(visiting.access.now().date())
    route = board.plan.routes[0]
    r = nav.get(
        f"/access/visits/run-sheet?clinician={route.clinician_id}&date-day=2&date-month=3&date-year=2026"
    )
    assert r.status_code == 200 and "Run sheet: " in r.text
    sheet = r.text.split('data-testid="run-sheet"')[1]
    assert sheet.count('data-testid="visit-time"') == len(route.stops)
    assert nav.get("/access/visits/run-sheet?clinician=C99").status_code == 404
