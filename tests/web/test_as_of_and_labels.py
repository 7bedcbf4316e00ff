"""Every page says the date its data is as of (issue 20): the lake's as-of date on analytics pages,
"now" on the operational record (care, administration); internal names read as plain English."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from nhc.web.deps import plain_label
from tests.care.test_web import client
from tests.care.web_support import NB, PASSWORD, make_app, worklist_patients
from tests.web.fixture_lake import AS_OF, write_fixture_lake

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
NOW = dt.datetime(2026, 4, 7, 9, 30)


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    return write_fixture_lake(tmp_path_factory.mktemp("as-of-lake") / "lake")


@pytest.fixture
def app(lake, db_url, tmp_path):
    application = make_app(lake.root, db_url, tmp_path)
    application.state.lake = lake
    application.state.security.create_user("adm", "Adm Admin", "admin", password=PASSWORD)
    application.state.security.clock = lambda: NOW
    yield application
    application.state.security.db.dispose()


def as_of(html: str) -> str:
    found = re.search(r'data-testid="as-of">([^<]+)<', html)
    assert found, "the page does not say what its data is as of"
    return found.group(1)


@SQLITE
def test_analytics_pages_give_the_lakes_as_of_date(app) -> None:
    c = client(app, "lead")
    pid = worklist_patients(app.state.lake)[0]
    expected = f"Data as of {AS_OF.day} {AS_OF:%B %Y}"
    for url in (
        "/",
        "/pngs",
        "/neighbourhoods",
        f"/neighbourhoods/{NB}",
        "/variation?indicator=high_need",
        "/worklists",
        f"/worklists/{NB}",
        f"/patients/{pid}",
    ):
        page = c.get(url)
        assert page.status_code == 200, url
        assert as_of(page.text).startswith(expected), url


@SQLITE
def test_operational_pages_give_the_time_they_were_shown(app) -> None:
    c = client(app, "lead")
    for url in (
        f"/care/{NB}",
        f"/care/{NB}/allocation",
        f"/care/{NB}/mdt",
        f"/care/{NB}/board",
        f"/care/{NB}/team",
    ):
        page = c.get(url)
        assert page.status_code == 200, url
        assert as_of(page.text) == "Live record, as of 7 April 2026 09:30 UTC.", url
    assert as_of(client(app, "adm").get("/admin/audit").text).startswith("Live record, as of 7 April 2026")


@SQLITE
def test_pages_without_data_say_nothing_about_dates(app) -> None:
    assert 'data-testid="as-of"' not in client(app).get("/sign-in").text


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("frailty_no_care_plan", "Frailty no care plan"),
        ("efi-anaemia", "Anaemia"),
        ("chronic_pain", "Chronic pain"),
        ("copd", "COPD"),
        ("stroke_tia", "Stroke TIA"),
    ],
)
def test_internal_names_read_as_plain_english(name: str, label: str) -> None:
    assert plain_label(name) == label
