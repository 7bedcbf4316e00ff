"""The plan pages over the 3,000-person county: the list, a plan with its contents, sections, as-of
date and CSV files, the PDF, the lead's form (refused to others; an error summary naming the field;
a new version and the history), and the public "you said, we did" page without signing in."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from nhc.insights.service import InsightsService
from nhc.plans.plan import SECTIONS
from nhc.settings import Settings
from nhc.web.app import create_app

PASSWORD = "correct-horse-battery-staple"


def make_app(county: Path, db: Path):
    app = create_app(Settings(data_dir=county, database_url=f"sqlite:///{db}"))
    sec = app.state.security
    nb = max(InsightsService(county / "lake").neighbourhoods(), key=lambda r: r["population"] or 0)["name"]
    sec.create_user("ana", "Ana Analyst", "analyst", password=PASSWORD)
    sec.create_user("cli", "Cli Clinician", "clinician", password=PASSWORD, neighbourhoods=[nb])
    sec.create_user("tm", "Tam Member", "team_member", password=PASSWORD, neighbourhoods=[nb])
    app.state.plans.seed_starter()
    app.state.plan_neighbourhood = nb
    return app


def sign_in(app, username: str) -> TestClient:
    c = TestClient(app, follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/sign-in").text).group(1)
    r = c.post(
        "/sign-in", data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"}
    )
    assert r.status_code == 303, r.text
    return c


@pytest.fixture(scope="module")
def app(county, tmp_path_factory):
    app = make_app(county, tmp_path_factory.mktemp("plans-pages") / "nhc.sqlite3")
    yield app
    app.state.security.db.dispose()


@pytest.fixture(scope="module")
def nb(app) -> str:
    return app.state.plan_neighbourhood


def test_the_list_links_every_neighbourhood_plan_and_pdf(app, nb) -> None:
    r = sign_in(app, "ana").get("/plans")
    assert r.status_code == 200
    assert f'href="/plans/{quote(nb, safe="")}"' in r.text
    assert f'href="/plans/{quote(nb, safe="")}.pdf"' in r.text
    assert "Version 1, agreed" in r.text


def test_the_plan_page_has_contents_every_section_the_as_of_date_and_csv_files(app, nb) -> None:
    c = sign_in(app, "ana")
    r = c.get(f"/plans/{quote(nb)}")
    assert r.status_code == 200
    assert 'data-testid="as-of"' in r.text and "Data as of" in r.text
    for key, title in SECTIONS:
        assert f'href="#{key}"' in r.text
        assert f'id="{key}-heading">{title}</h2>' in r.text
    assert "No feedback gathered yet." in r.text
    assert 'data-testid="edit-priorities"' not in r.text  # an analyst reads, does not edit
    csv = c.get(f"/plans/{quote(nb)}/tables/ages.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.lstrip("\ufeff").splitlines()[0] == "Age band,People,Share"
    assert c.get(f"/plans/{quote(nb)}/tables/nothing.csv").status_code == 404


def test_a_table_sorts_by_a_column_without_javascript(app, nb) -> None:
    r = sign_in(app, "ana").get(f"/plans/{quote(nb)}?sort=ages.label&dir=desc")
    table = r.text.split('data-testid="table-ages"')[1].split("</table>")[0]
    bands = re.findall(r'<th scope="row" class="nhsuk-table__header">([^<]+)</th>', table)
    assert bands == sorted(bands, reverse=True)


def test_the_pdf_is_served(app, nb) -> None:
    r = sign_in(app, "ana").get(f"/plans/{quote(nb)}.pdf")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")


def test_an_unknown_plan_is_a_404_page_without_a_stack_trace(app) -> None:
    r = sign_in(app, "ana").get("/plans/Atlantis")
    assert r.status_code == 404
    assert "Traceback" not in r.text


def test_only_the_lead_may_open_the_priorities_form(app, nb) -> None:
    assert sign_in(app, "ana").get(f"/plans/{quote(nb)}/priorities").status_code == 403
    assert sign_in(app, "tm").get(f"/plans/{quote(nb)}/priorities").status_code == 403
    r = sign_in(app, "cli").get(f"/plans/{quote(nb)}/priorities")
    assert r.status_code == 200
    assert 'name="rows-0-activity"' in r.text


def _form(page: str) -> dict[str, str | list[str]]:
    """The form's fields as the browser would send them (checked boxes and selected options)."""
    data: dict[str, str | list[str]] = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page):
        if name.endswith("-themes"):
            continue
        data[name] = value
    for name, value in re.findall(r'<input[^>]*name="([^"]+-themes)"[^>]*value="([^"]*)" checked', page):
        data.setdefault(name, []).append(value)  # type: ignore[union-attr]
    for name, body in re.findall(r'<select[^>]*name="([^"]+)">(.*?)</select>', page, re.S):
        data[name] = re.search(r'value="([^"]+)" selected', body).group(1)
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', page):
        data[name] = value
    return data


def test_the_lead_agrees_a_new_version_and_a_mistake_is_named_in_an_error_summary(app, nb) -> None:
    c = sign_in(app, "cli")
    path = f"/plans/{quote(nb)}/priorities"
    data = _form(c.get(path).text)
    data["rows-1-activity"] = ""  # a row with text but no activity
    bad = c.post(path, data=data)
    assert bad.status_code == 400
    assert 'data-testid="error-summary"' in bad.text
    assert 'href="#rows-1-activity"' in bad.text and "Enter the activity of row 2" in bad.text
    data["rows-1-activity"] = "Frailty pathway"
    data["rows-6-activity"] = "Listening events"
    data["rows-6-themes"] = ["empathy"]
    data["note"] = "Agreed at the patient participation group"
    ok = c.post(path, data=data)
    assert ok.status_code == 303, ok.text
    plan = c.get(f"/plans/{quote(nb)}").text
    assert "Listening events" in plan
    assert "Version 2</a>: 7 activities, agreed by Cli Clinician" in plan
    old = c.get(f"/plans/{quote(nb)}/versions/1")
    assert old.status_code == 200 and "This is an earlier version" in old.text
    assert "Listening events" not in old.text
    public = TestClient(app).get(f"/you-said-we-did/{quote(nb)}")
    assert "Listening events" in public.text.split('data-testid="theme-empathy"')[1].split("</section>")[0]


def test_you_said_we_did_needs_no_sign_in(app, nb) -> None:
    c = TestClient(app, follow_redirects=False)
    index = c.get("/you-said-we-did")
    assert index.status_code == 200
    assert f'href="/you-said-we-did/{quote(nb, safe="")}"' in index.text
    r = c.get(f"/you-said-we-did/{quote(nb)}")
    assert r.status_code == 200
    assert "No feedback gathered yet." in r.text
    access = r.text.split('data-testid="theme-access"')[1].split("</section>")[0]
    assert "Primary care visiting service" in access and "In progress" in access
    assert c.get("/you-said-we-did/Atlantis").status_code == 404
