"""The engagement pages through the whole app in-process: the public form (no sign-in, consent,
scrubbed thank-you page, rate limit, CSRF) and the staff inbox, themes CSV, notes and re-tagging."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient

from nhc.security import passwords
from nhc.settings import Settings
from nhc.web.app import create_app
from nhc.web.engagement.rate_limit import RateLimiter

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True, scope="module")
def _cheap_password_hashing():
    passwords.configure(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords.configure()


@pytest.fixture
def app(tmp_path):
    application = create_app(Settings(data_dir=tmp_path))
    sec = application.state.security
    sec.create_user("tm", "Tia Team", "team_member", password=PASSWORD, neighbourhoods=["Banbury"])
    yield application
    sec.db.dispose()


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _signed_in(app, username: str = "tm") -> TestClient:
    c = TestClient(app, follow_redirects=False)
    token = _token(c.get("/sign-in").text)
    r = c.post(
        "/sign-in", data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"}
    )
    assert r.status_code == 303
    return c


def _send(c: TestClient, **fields) -> object:
    page = c.get("/have-your-say")
    form = {"csrf_token": _token(page.text), "neighbourhood": "Banbury", "consent": "yes"} | fields
    return c.post("/have-your-say", data=form)


def test_public_form_is_open_and_states_what_is_kept(app) -> None:
    r = TestClient(app).get("/have-your-say")
    assert r.status_code == 200
    assert "names, NHS numbers, phone numbers, email addresses, postcodes and street addresses" in r.text
    assert (
        '<option value="East Oxford"' in r.text and "postcode" not in r.text.split("What we keep")[0].lower()
    )


def test_the_thank_you_page_shows_the_comment_as_kept(app) -> None:
    r = _send(
        TestClient(app), comment="I'm Priya, call 07700 900123. No appointments for weeks!", age_band="18-44"
    )
    assert r.status_code == 200
    kept = re.search(r'data-testid="kept-text">([^<]*)<', r.text).group(1)
    assert kept == "I&#39;m [name], call [phone number]. No appointments for weeks!"
    assert "Access to appointments" in r.text and "18-44" in r.text
    (item,) = app.state.engagement.inbox("Banbury")
    assert "07700" not in item.text.text and item.entered_by is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"consent": ""}, "Tick the box"),
        ({"comment": "  "}, "Write your comment"),
        ({"neighbourhood": "Atlantis"}, "is not a neighbourhood of the county"),
        ({"csrf_token": "forged"}, "The form expired"),
    ],
)
def test_a_bad_submission_is_explained_and_nothing_kept(app, fields, message) -> None:
    r = _send(TestClient(app), **({"comment": "Good service"} | fields))
    assert r.status_code == 400 and message in r.text
    assert app.state.engagement.inbox() == []


def test_a_comment_too_long_is_explained_in_a_sentence(app) -> None:
    r = _send(TestClient(app), comment="x" * 2500)
    assert r.status_code == 400 and "The comment is too long (2,001 characters; the most is 2,000)" in r.text
    assert 'href="#comment"' in r.text


def test_the_public_form_is_rate_limited_per_address(app) -> None:
    app.state.engagement_limiter = RateLimiter(2, 600)
    c = TestClient(app)
    assert [_send(c, comment=f"Comment {n}").status_code for n in range(3)] == [200, 200, 429]
    assert len(app.state.engagement.inbox()) == 2


def test_staff_pages_need_sign_in(app) -> None:
    c = TestClient(app, follow_redirects=False)
    for path in ("/engagement", "/engagement/notes", "/engagement/themes.csv"):
        assert c.get(path).status_code == 303, path


def test_the_inbox_lists_comments_and_counts_themes_by_neighbourhood(app) -> None:
    app.state.engagement.seed_demo(per_neighbourhood=10)
    c = _signed_in(app)
    r = c.get("/engagement")
    assert r.status_code == 200 and "Live record, as of" in r.text and "Newest comment received" in r.text
    assert 'data-testid="themes-table"' in r.text and 'data-testid="inbox"' in r.text
    assert "Engagement</a>" in r.text  # the nav link
    theme = app.state.engagement.inbox("Witney")[0].themes[0]
    only = c.get("/engagement", params={"neighbourhood": "Witney", "theme": theme})
    rows = re.findall(r"<td class=\"nhsuk-table__cell\">(Witney|Banbury)</td>", only.text)
    assert rows and set(rows) == {"Witney"}


def test_the_themes_csv_has_every_neighbourhood_sorted_as_asked(app) -> None:
    app.state.engagement.seed_demo(per_neighbourhood=10)
    r = _signed_in(app).get("/engagement/themes.csv", params={"sort": "themes.neighbourhood", "dir": "desc"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][:3] == ["neighbourhood", "comments", "Access to appointments"] and len(rows) == 25
    names = [row[0] for row in rows[1:]]
    assert names == sorted(names, key=str.casefold, reverse=True)
    assert all(v == "" or int(v) % 5 == 0 for row in rows[1:] for v in row[1:])


def test_staff_add_a_meeting_note_then_change_its_themes(app) -> None:
    c = _signed_in(app)
    page = c.get("/engagement/notes")
    form = {"csrf_token": _token(page.text), "channel": "meeting_note", "neighbourhood": "Witney",
            "comment": "Mrs Smith said the NHS App is impossible for older people.", "received": "2026-01-10",
            "age_band": "75-84", "imd_quintile": "", "tags": "ppg"}  # fmt: skip
    r = c.post("/engagement/notes", data=form)
    assert r.status_code == 303
    shown = c.get(r.headers["location"])
    assert "Mrs [name] said the NHS App is impossible for older people." in shown.text
    item_id = int(r.headers["location"].split("/")[-1].split("?")[0])
    saved = c.post(
        f"/engagement/comments/{item_id}",
        data={"csrf_token": _token(shown.text), "themes": ["digital", "empathy"], "tags": "app"},
    )
    assert saved.status_code == 303
    item = app.state.engagement.item(item_id)
    assert (item.themes, item.tags, item.retagged_by, item.entered_by) == (
        ("digital", "empathy"),
        ("app",),
        "tm",
        "tm",
    )


def test_a_note_with_a_bad_date_is_explained(app) -> None:
    c = _signed_in(app)
    form = {"csrf_token": _token(c.get("/engagement/notes").text), "channel": "survey", "neighbourhood": "Witney",
            "comment": "Fine", "received": "last week", "age_band": "", "imd_quintile": "", "tags": ""}  # fmt: skip
    r = c.post("/engagement/notes", data=form)
    assert r.status_code == 400 and "is not a date" in r.text


def test_an_unknown_comment_is_not_found(app) -> None:
    assert _signed_in(app).get("/engagement/comments/999").status_code == 404
