"""Date boxes on the care pages (issue 20): a UK date such as 31/12/2026 is accepted everywhere, and
a date that cannot be read shows the same form again with the message and what the user typed,
never a dead-end error page."""

from __future__ import annotations

import re

import pytest

from tests.care.test_web import client
from tests.care.web_support import NB, held_on_boxes, make_app, token, worklist_patients
from tests.web.fixture_lake import write_fixture_lake

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    return write_fixture_lake(tmp_path_factory.mktemp("dates-lake") / "lake")


@pytest.fixture
def app(lake, db_url, tmp_path):
    application = make_app(lake.root, db_url, tmp_path)
    application.state.lake = lake
    yield application
    application.state.security.db.dispose()


def admitted(c, app) -> str:
    page = c.get(f"/care/{NB}")
    pid = worklist_patients(app.state.lake)[0]
    r = c.post(
        f"/care/{NB}/admit",
        data={"csrf_token": token(page.text), "patient_id": str(pid), "worklist": "high_admission_risk"},
    )
    return r.headers["location"]


def shows_the_form_again(r, *, message: str, kept: str) -> None:
    assert r.status_code == 422, r.status_code
    assert 'data-testid="error-summary"' in r.text and message in r.text
    assert kept in r.text
    assert "<form" in r.text  # the page with its forms, not the error page


def test_episode_review_date_takes_a_uk_date_and_keeps_a_bad_one(app) -> None:
    c = client(app, "lead")
    url = admitted(c, app)
    ep = c.get(url)
    r = c.post(f"{url}/review", data={"csrf_token": token(ep.text), "review_due": "31/12/2026"})
    assert r.status_code == 303
    assert "31 Dec 2026" in c.get(url).text
    r = c.post(f"{url}/review", data={"csrf_token": token(ep.text), "review_due": "31/02/2026"})
    # shown again in the NHS.UK date input: the text split into its day, month and year boxes
    shows_the_form_again(
        r,
        message="review date must be a real date",
        kept='name="review_due_month" type="text" inputmode="numeric" value="02"',
    )


def test_episode_dates_are_typed_in_day_month_and_year_boxes(app) -> None:
    c = client(app, "lead")
    url = admitted(c, app)
    ep = c.get(url)
    assert 'name="review_due_day"' in ep.text and 'name="occurred_on_year"' in ep.text
    boxes = {"review_due_day": "30", "review_due_month": "4", "review_due_year": "2027"}
    r = c.post(f"{url}/review", data={"csrf_token": token(ep.text), **boxes})
    assert r.status_code == 303 and "30 Apr 2027" in c.get(url).text
    bad = {"review_due_day": "30", "review_due_month": "", "review_due_year": "2027"}
    r = c.post(f"{url}/review", data={"csrf_token": token(ep.text), **bad})
    shows_the_form_again(
        r, message="review date", kept='name="review_due_year" type="text" inputmode="numeric" value="2027"'
    )
    event = {"kind": "fall", "occurred_on_day": "2", "occurred_on_month": "3", "occurred_on_year": "2026"}
    r = c.post(f"{url}/events", data={"csrf_token": token(ep.text), **event})
    assert r.status_code == 303 and "02 Mar 2026: Fall" in c.get(url).text


def test_recorded_event_keeps_what_was_typed(app) -> None:
    c = client(app, "lead")
    url = admitted(c, app)
    ep = c.get(url)
    data = {
        "csrf_token": token(ep.text),
        "kind": "fall",
        "occurred_on": "yesterday",
        "detail": "Fell in garden",
    }
    r = c.post(f"{url}/events", data=data)
    shows_the_form_again(r, message="date must be a real date", kept="Fell in garden")
    assert 'value="yesterday"' in r.text
    r = c.post(f"{url}/events", data={**data, "occurred_on": "2/3/2026"})
    assert r.status_code == 303 and "02 Mar 2026: Fall" in c.get(url).text


def test_board_task_with_a_uk_date_and_with_a_bad_one(app) -> None:
    c = client(app, "lead")
    board = c.get(f"/care/{NB}/board")
    nina = str(app.state.test_staff["nina"])
    data = {"csrf_token": token(board.text), "title": "Call the pharmacy", "owner_staff_id": nina}
    r = c.post(f"/care/{NB}/tasks", data={**data, "due_on": "31/12/2026"})
    assert r.status_code == 303 and "Call the pharmacy" in c.get(f"/care/{NB}/board").text
    r = c.post(f"/care/{NB}/tasks", data={**data, "title": "Book transport", "due_on": "32/12/2026"})
    shows_the_form_again(r, message="due date must be a real date", kept='value="Book transport"')
    assert 'name="due_on_day" type="text" inputmode="numeric" value="32"' in r.text
    assert f'<option value="{nina}" selected>' in r.text


def test_absence_dates_uk_and_bad(app) -> None:
    c = client(app, "lead")
    team = c.get(f"/care/{NB}/team")
    ben = str(app.state.test_staff["ben"])
    data = {"csrf_token": token(team.text), "staff_id": ben, "reason": "Leave"}
    r = c.post(f"/care/{NB}/absences", data={**data, "starts_on": "1/12/2026", "ends_on": "31/12/2026"})
    assert r.status_code == 303
    r = c.post(f"/care/{NB}/absences", data={**data, "starts_on": "1/12/2026", "ends_on": "soon"})
    shows_the_form_again(r, message="end date must be a real date", kept='value="soon"')


def test_mdt_meeting_date_and_decision_dates(app) -> None:
    c = client(app, "lead")
    admitted(c, app)
    mdt = c.get(f"/care/{NB}/mdt")
    r = c.post(
        f"/care/{NB}/mdt", data={"csrf_token": token(mdt.text), "held_on": "40/01/2026", "title": "Weekly"}
    )
    shows_the_form_again(
        r,
        message="meeting date must be a real date",
        kept='name="held_on_day" type="text" inputmode="numeric" value="40"',
    )
    assert 'value="Weekly"' in r.text
    held_on = held_on_boxes(mdt.text)  # today, offered in the day, month and year boxes, and accepted
    assert re.fullmatch(r"\d{1,2}", held_on["held_on_day"]) and re.fullmatch(
        r"\d{4}", held_on["held_on_year"]
    )
    r = c.post(f"/care/{NB}/mdt", data={"csrf_token": token(mdt.text), **held_on})
    assert r.status_code == 303
    meeting_url = r.headers["location"]
    meeting = c.get(meeting_url)
    item_id = re.search(r"/care/mdt/items/(\d+)/decision", meeting.text).group(1)
    data = {
        "csrf_token": token(meeting.text),
        "meeting_id": meeting_url.rsplit("/", 1)[1],
        "decision": "Daily visits for a week",
        "action_title": ["Visit", ""],
        "action_owner": [str(app.state.test_staff["nina"]), ""],
        "action_due": ["31/13/2026", ""],
    }
    r = c.post(f"/care/mdt/items/{item_id}/decision", data=data)
    shows_the_form_again(r, message="due date must be a real date", kept="Daily visits for a week")
    assert 'value="31/13/2026"' in r.text
    r = c.post(f"/care/mdt/items/{item_id}/decision", data={**data, "action_due": ["31/12/2026", ""]})
    assert r.status_code == 303 and "Daily visits for a week" in c.get(meeting_url).text


def test_care_plan_review_date_in_day_month_and_year_boxes(app) -> None:
    c = client(app, "lead")
    url = admitted(c, app)
    form = c.get(f"{url}/plan")
    assert 'name="review_date_day"' in form.text
    plan = {"what_matters": "My garden", "goals": "Walk", "version": "", "csrf_token": token(form.text)}
    bad = {"review_date_day": "31", "review_date_month": "2", "review_date_year": "2030"}
    r = c.post(f"{url}/plan", data={**plan, **bad})
    shows_the_form_again(
        r,
        message="must be a real date",
        kept='name="review_date_month" type="text" inputmode="numeric" value="2"',
    )
    good = {"review_date_day": "1", "review_date_month": "2", "review_date_year": "2030"}
    r = c.post(f"{url}/plan", data={**plan, **good})
    assert r.status_code == 303
    saved = c.get(f"{url}/plan").text  # the stored date, shown again in its boxes
    for part, value in (("day", "1"), ("month", "2"), ("year", "2030")):
        assert f'name="review_date_{part}" type="text" inputmode="numeric" value="{value}"' in saved
