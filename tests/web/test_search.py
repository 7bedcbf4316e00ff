"""Issue 20, item 5: clinical roles find a person by NHS number (any spacing) or by name.

Every person a search finds goes through the one access decision and is audited; the search itself
is audited with its terms redacted; analysts and administrators cannot search."""

from __future__ import annotations

import datetime as dt
import re

import pyarrow as pa
import pytest
import sqlalchemy as sa

from nhc.insights.service import InsightsService
from nhc.security.models import AuditEvent
from nhc.settings import Settings
from nhc.web.app import create_app
from tests.web.fixture_lake import write_fixture_lake

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")
PASSWORD = "correct-horse-battery-staple"
# In the fixture lake, patient ids 6 and 12 are registered in Banbury (P001), 7 in Banbury (P002),
# 8 in Bicester (P003).
NAMED = {
    6: ("9434765919", "Ann", "Smith", dt.date(1950, 3, 4)),
    7: ("9990001112", "Cara", "Smithers", dt.date(1961, 7, 8)),
    8: ("9990001120", "Bob", "Smith-Jones", dt.date(1972, 1, 2)),
    12: ("9990001139", "Dev", "Patel", dt.date(1980, 5, 6)),
}


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    """The fixture lake with a ``patients`` table: four named people, everyone else Alex Taylor."""
    lake = write_fixture_lake(tmp_path_factory.mktemp("search") / "lake")
    ids = lake.read("patient_insights").column("patient_id").to_pylist()
    rows = [NAMED.get(pid, (f"{9000000000 + pid}", "Alex", "Taylor", dt.date(1990, 1, 1))) for pid in ids]
    lake.write(
        "patients",
        pa.table(
            {
                "patient_id": ids,
                "nhs_number": [r[0] for r in rows],
                "given_name": [r[1] for r in rows],
                "family_name": [r[2] for r in rows],
                "sex": ["F"] * len(ids),
                "date_of_birth": [r[3] for r in rows],
                "ethnicity": ["Not stated"] * len(ids),
                "small_area_code": ["E01"] * len(ids),
                "address_line": ["1 High Street"] * len(ids),
                "postcode": ["OX1 1AA"] * len(ids),
            }
        ),
    )
    return lake


@pytest.fixture
def app(lake, db_url, tmp_path):
    application = create_app(
        Settings(data_dir=tmp_path, database_url=db_url), insights=InsightsService(lake.root)
    )
    sec = application.state.security
    sec.create_user("ana", "Ana Analyst", "analyst", password=PASSWORD)
    sec.create_user("adm", "Adm Admin", "admin", password=PASSWORD)
    sec.create_user("cli", "Cli Clinician", "clinician", password=PASSWORD, neighbourhoods=["Banbury"])
    sec.create_user("tea", "Tea Team", "team_member", password=PASSWORD, neighbourhoods=["Banbury"])
    yield application
    sec.db.dispose()


def sign_in(app, username: str):
    from fastapi.testclient import TestClient

    c = TestClient(app, follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/sign-in").text).group(1)
    r = c.post("/sign-in", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303
    return c


def results(html: str) -> list[str]:
    """The text of each result row, tags removed and spaces collapsed."""
    table = re.search(r'data-testid="search-results">.*?<tbody[^>]*>(.*?)</tbody>', html, re.S)
    assert table, "no results table"
    rows = re.findall(r'<tr class="nhsuk-table__row">(.*?)</tr>', table.group(1), re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip() for r in rows]


def audit(app, action: str) -> list[AuditEvent]:
    with app.state.security.db.unit_of_work() as s:
        rows = s.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        return [sa.orm.make_transient(e) or e for e in rows]


@pytest.mark.parametrize("typed", ["943 476 5919", "9434765919", "943-476-5919", " 943 4765919 "])
def test_a_clinician_finds_a_person_by_nhs_number_however_it_is_spaced(app, typed) -> None:
    r = sign_in(app, "cli").get("/search", params={"q": typed})
    assert r.status_code == 200
    [row] = results(r.text)
    assert "Ann Smith" in row and "943 476 5919" in row and "P001" in row and "Banbury" in row
    assert 'href="/patients/6"' in r.text
    age = app.state.insights.patient(6)["person"]["age"]
    assert f"{age}, F" in row


def test_a_partial_surname_finds_people_the_user_may_see_and_counts_the_others(app) -> None:
    r = sign_in(app, "cli").get("/search", params={"q": "smi"})
    assert r.status_code == 200
    rows = results(r.text)
    assert [row.split(" 9")[0] for row in rows] == ["Ann Smith", "Cara Smithers"]  # by family name
    assert "Bob" not in r.text and "Smith-Jones" not in r.text  # Bicester: no relationship
    assert "1 other person with this name is not shown" in re.sub(r"\s+", " ", r.text)


def test_given_and_family_name_words_narrow_the_search(app) -> None:
    rows = results(sign_in(app, "tea").get("/search", params={"q": "Cara SMI"}).text)
    assert len(rows) == 1 and rows[0].startswith("Cara Smithers")
    # a part of a double-barrelled name matches, and a name nobody has finds nobody
    r = sign_in(app, "cli").get("/search", params={"q": "jones"})
    assert "No one found" in r.text and 'data-testid="hidden"' in r.text


def test_a_person_elsewhere_found_by_nhs_number_is_not_shown_but_break_glass_is_offered(app) -> None:
    r = sign_in(app, "cli").get("/search", params={"q": "999 000 1120"})
    assert r.status_code == 200 and "Bob" not in r.text and "Smith-Jones" not in r.text
    assert 'href="/patients/8"' in r.text  # the patient page, which offers break-glass
    r = sign_in(app, "tea").get("/search", params={"q": "999 000 1120"})  # cannot break the glass
    assert "Bob" not in r.text and 'href="/patients/8"' not in r.text


@pytest.mark.parametrize("typed", ["12345", "943 476 59199", "a", "%"])
def test_search_text_that_is_neither_a_number_nor_a_name_is_explained(app, typed) -> None:
    r = sign_in(app, "cli").get("/search", params={"q": typed})
    assert r.status_code == 400
    assert 'data-testid="error-summary"' in r.text and f'value="{typed}"' in r.text
    assert not audit(app, "search_people")


def test_analysts_and_administrators_cannot_search_and_see_no_search_box(app) -> None:
    for username in ("ana", "adm"):
        c = sign_in(app, username)
        assert 'data-testid="header-search"' not in c.get("/").text
        assert c.get("/search").status_code == 403
        r = c.get("/search", params={"q": "smith"})
        assert r.status_code == 403 and "Smith" not in r.text
        assert "cannot search for people" in r.text
    denied = audit(app, "search_people")
    assert [e.outcome for e in denied] == ["denied", "denied"]
    assert not audit(app, "view_search_result")  # nobody was read
    assert 'data-testid="header-search"' in sign_in(app, "cli").get("/").text


def test_the_search_and_every_person_it_found_are_audited_with_the_terms_redacted(app) -> None:
    c = sign_in(app, "cli")
    c.get("/search", params={"q": "943 476 5919"})
    c.get("/search", params={"q": "Smi"})
    searches = audit(app, "search_people")
    assert [(e.outcome, e.resource) for e in searches] == [
        ("success", "search:nhs_number:****** 5919"),
        ("success", "search:name:S__"),
    ]
    shown = [(e.patient_id, e.outcome) for e in audit(app, "view_search_result")]
    assert shown == [(6, "success"), (6, "success"), (7, "success"), (8, "denied")]
    every = [f"{e.resource} {e.detail}" for e in (*searches, *audit(app, "view_search_result"))]
    assert not any("943476" in text or "Smi" in text or "Smith" in text for text in every)


def test_a_search_that_finds_no_one_is_audited_as_not_found(app) -> None:
    r = sign_in(app, "cli").get("/search", params={"q": "Zebedee"})
    assert r.status_code == 200 and "No one found" in r.text
    [e] = audit(app, "search_people")
    assert e.outcome == "not_found" and e.patient_id is None
