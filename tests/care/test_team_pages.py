"""The team set-up pages through HTTP (issue 20, item 6): a lead adds a staff member and changes one,
records an absence in the NHS.UK date input, and re-balances; a bad value shows the form again with
an error summary linking to the box and everything typed kept; others are not offered what they
cannot do."""

from __future__ import annotations

import re

import pytest

from tests.care.test_web import client
from tests.care.web_support import NB, PASSWORD, make_app, token
from tests.web.fixture_lake import write_fixture_lake

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    return write_fixture_lake(tmp_path_factory.mktemp("team-lake") / "lake")


@pytest.fixture
def app(lake, db_url, tmp_path):
    application = make_app(lake.root, db_url, tmp_path)
    application.state.lake = lake
    application.state.security.create_user("admin", "Ad Min", "admin", password=PASSWORD)
    yield application
    application.state.security.db.dispose()


def staff_row(html: str, name: str) -> str:
    return re.search(rf'<tr[^>]*data-staff="{name}">(.*?)</tr>', html, re.S).group(1)


NEW = {
    "name": "Ada Physio",
    "role": "physiotherapist",
    "capacity": "12",
    "days": ["Mon", "Tue", "Wed", "Fri"],
    "starts": "8:30",
    "ends": "16:00",
}


def test_a_lead_adds_a_staff_member(app) -> None:
    c = client(app, "lead")
    team = c.get(f"/care/{NB}/team")
    assert f'href="/care/{NB}/team/new"' in team.text
    form = c.get(f"/care/{NB}/team/new")
    assert (
        form.status_code == 200
        and 'id="day-Mon" name="days" type="checkbox" value="Mon" checked' in form.text
    )
    r = c.post(f"/care/{NB}/team/new", data={**NEW, "csrf_token": token(form.text)})
    assert r.status_code == 303 and r.headers["location"] == f"/care/{NB}/team"
    row = staff_row(c.get(f"/care/{NB}/team").text, "Ada Physio")
    assert "Physiotherapist" in row and "mobility" in row
    assert "Mon-Wed, Fri 08:30-16:00" in row and "0 / 12" in row


@pytest.mark.parametrize(
    ("change", "status", "message", "field"),
    [
        ({"capacity": "0"}, 422, "capacity must be more than 0", "capacity"),
        ({"capacity": "many"}, 422, "capacity must be a whole number", "capacity"),
        ({"role": ""}, 422, "unknown team role", "role"),
        ({"name": ""}, 422, "name is required", "name"),
        ({"name": "ben nurse"}, 409, "Ben Nurse is already on the Banbury team", "name"),
        ({"days": []}, 422, "choose at least one day", "days"),
        ({"ends": "08:00"}, 422, "the finish time (08:00) must be after the start time", "ends"),
        ({"starts": "25:00"}, 422, "start time must be a time of day", "starts"),
    ],
)
def test_a_bad_staff_form_is_shown_again_with_what_was_typed(app, change, status, message, field) -> None:
    c = client(app, "lead")
    data = {**NEW, "csrf_token": token(c.get(f"/care/{NB}/team/new").text), **change}
    r = c.post(f"/care/{NB}/team/new", data=data)
    assert r.status_code == status
    assert 'data-testid="error-summary"' in r.text and message in r.text
    assert f'<a href="#{field}" data-testid="error-message">' in r.text  # the summary links to the box
    assert f'id="{field}-error"' in r.text  # and the box says what is wrong
    if field != "name":
        assert 'value="Ada Physio"' in r.text
    assert 'value="Fri" checked' in r.text or field == "days"
    assert "Ada Physio" not in c.get(f"/care/{NB}/team").text or change.get("name")


def test_a_lead_changes_a_members_skills_capacity_and_pattern(app) -> None:
    c = client(app, "lead")
    ben = app.state.test_staff["ben"]
    form = c.get(f"/care/{NB}/team/{ben}")
    assert form.status_code == 200 and "Change Ben Nurse" in form.text
    assert 'value="nursing" checked' in form.text and 'value="8"' in form.text
    assert 'value="Fri" checked' in form.text and 'value="Sat" checked' not in form.text
    data = {"csrf_token": token(form.text), "skills": ["nursing", "care_home"], "capacity": "15"}
    r = c.post(f"/care/{NB}/team/{ben}", data={**data, "days": ["Tue", "Wed", "Thu"]})
    assert r.status_code == 303
    row = staff_row(c.get(f"/care/{NB}/team").text, "Ben Nurse")
    assert "care home, nursing" in row and "0 / 15" in row and "Tue-Thu" in row
    r = c.post(f"/care/{NB}/team/{ben}", data={**data, "capacity": "0", "days": ["Tue"]})
    assert r.status_code == 422 and "capacity must be more than 0" in r.text and 'value="0"' in r.text
    assert c.get(f"/care/{NB}/team/999").status_code == 404


def test_an_absence_in_the_date_input_then_a_rebalance(app) -> None:
    c = client(app, "lead")
    team = c.get(f"/care/{NB}/team")
    for box in ("starts_on_day", "starts_on_month", "starts_on_year", "ends_on_day"):
        assert f'name="{box}"' in team.text
    ben = str(app.state.test_staff["ben"])
    data = {"csrf_token": token(team.text), "staff_id": ben, "reason": "Annual leave"}
    dates = {"starts_on_day": "30", "starts_on_month": "3", "starts_on_year": "2031"}
    r = c.post(f"/care/{NB}/absences", data={**data, **dates, "ends_on_day": "29", "ends_on_month": "3"})
    assert r.status_code == 422 and "an absence cannot end" not in r.text
    assert "end date must be a real date" in r.text and '<a href="#ends_on"' in r.text
    assert 'name="starts_on_day" type="text" inputmode="numeric" value="30"' in r.text
    assert 'name="ends_on_day" type="text" inputmode="numeric" value="29"' in r.text
    assert 'value="Annual leave"' in r.text and f'<option value="{ben}" selected>' in r.text
    ends = {"ends_on_day": "29", "ends_on_month": "3", "ends_on_year": "2031"}
    r = c.post(f"/care/{NB}/absences", data={**data, **dates, **ends})
    assert r.status_code == 422 and "an absence cannot end (2031-03-29) before it starts" in r.text
    r = c.post(
        f"/care/{NB}/absences", data={**data, **dates, **ends, "ends_on_day": "6", "ends_on_month": "4"}
    )
    assert r.status_code == 303
    absences = c.get(f"/care/{NB}/team").text
    table = absences[absences.index('data-testid="absences"') :]
    rows = [
        " ".join(re.sub(r"<[^>]+>", " ", r).split()) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    ]
    assert "Who Ben Nurse From 30 Mar 2031 To 06 Apr 2031 Reason Annual leave" in rows
    r = c.post(f"/care/{NB}/allocation", data={"csrf_token": token(absences), "rebalance": "1"})
    assert r.status_code == 303 and r.headers["location"] == f"/care/{NB}/allocation"


def test_a_team_member_is_not_offered_the_leads_set_up(app) -> None:
    c = client(app, "nurse")
    team = c.get(f"/care/{NB}/team")
    assert team.status_code == 200 and "Ben Nurse" in team.text
    for offered in ("/team/new", "/absences", 'data-testid="rebalance"', f"/care/{NB}/team/"):
        assert offered not in team.text
    assert c.get(f"/care/{NB}/team/new").status_code == 403
    r = c.post(f"/care/{NB}/team/new", data={**NEW, "csrf_token": token(team.text)})
    assert r.status_code == 403 and "Ada Physio" not in c.get(f"/care/{NB}/team").text


def test_an_administrator_sets_up_staff_but_sees_no_patients(app) -> None:
    c = client(app, "admin")
    home = c.get("/care")
    assert home.status_code == 200 and f'href="/care/{NB}/team"' in home.text
    assert 'href="/care"' in home.text  # the header offers the team set-up
    team = c.get(f"/care/{NB}/team")
    assert team.status_code == 200 and f'href="/care/{NB}/team/new"' in team.text
    assert "/absences" not in team.text and f'href="/care/{NB}/allocation"' not in team.text
    assert f'href="/care/{NB}"' not in team.text  # the caseload is the team's own
    r = c.post(f"/care/{NB}/team/new", data={**NEW, "csrf_token": token(team.text)})
    assert r.status_code == 303 and "Ada Physio" in c.get(f"/care/{NB}/team").text


def test_team_forms_need_the_csrf_token(app) -> None:
    c = client(app, "lead")
    assert c.post(f"/care/{NB}/team/new", data=NEW).status_code == 400
    ben = app.state.test_staff["ben"]
    r = c.post(f"/care/{NB}/team/{ben}", data={"skills": "nursing", "capacity": "3", "days": "Mon"})
    assert r.status_code == 400
