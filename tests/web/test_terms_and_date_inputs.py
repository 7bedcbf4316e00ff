"""Issue 20, item 5: SNOMED CT codes shown with their terms, and the NHS.UK date-input pattern."""

from __future__ import annotations

import re

import pytest

from nhc.insights.service import InsightsService
from nhc.settings import Settings
from nhc.web.app import create_app

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="module")
def app(fixture_lake, tmp_path_factory):
    data = tmp_path_factory.mktemp("terms")
    application = create_app(
        Settings(data_dir=data, database_url=f"sqlite:///{data / 'nhc.sqlite3'}"),
        insights=InsightsService(fixture_lake.root),
    )
    application.state.security.create_user(
        "cli", "Cli Clinician", "clinician", password=PASSWORD, neighbourhoods=["Banbury"]
    )
    yield application
    application.state.security.db.dispose()


def render(app, source: str, **context) -> str:
    return app.state.templates.env.from_string(source).render(**context)


def test_the_patient_page_shows_each_code_with_its_term(app, fixture_lake) -> None:
    from fastapi.testclient import TestClient

    c = TestClient(app, follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/sign-in").text).group(1)
    c.post("/sign-in", data={"username": "cli", "password": PASSWORD, "csrf_token": token})
    # a Banbury person with coded evidence (the fixture codes every register 44054006)
    pid = next(
        r["patient_id"]
        for r in fixture_lake.read("patient_evidence").to_pylist()
        if r["patient_id"] % 6 in (0, 1)
    )
    r = c.get(f"/patients/{pid}")
    assert r.status_code == 200
    assert 'Diabetes mellitus type 2 <span class="nhc-snomed__code">(SNOMED CT 44054006)</span>' in r.text


def test_a_code_no_codelist_lists_is_shown_alone_and_no_code_shows_nothing(app) -> None:
    source = '{% from "macros.html" import snomed %}[{{ snomed(code) }}]'
    assert render(app, source, code="871731000000106") == (
        '[<span class="nhc-snomed">Referral to social prescribing service '
        '<span class="nhc-snomed__code">(SNOMED CT 871731000000106)</span></span>]'
    )
    assert render(app, source, code="1234567") == '[<span class="nhc-snomed">SNOMED CT 1234567</span>]'
    assert render(app, source, code=None) == "[]"


def test_the_date_input_has_day_month_and_year_boxes_labelled_in_a_fieldset(app) -> None:
    html = render(app, '{% from "macros.html" import date_input %}{{ date_input("review", "Review date") }}')
    assert re.search(r'<fieldset class="nhsuk-fieldset" role="group" aria-describedby="review-hint">', html)
    assert '<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Review date</legend>' in html
    for part, label in (("day", "Day"), ("month", "Month"), ("year", "Year")):
        assert (
            f'<label class="nhsuk-label nhsuk-date-input__label" for="review-{part}">{label}</label>' in html
        )
        assert f'id="review-{part}" name="review-{part}" type="text" inputmode="numeric" value=""' in html
    assert "nhsuk-input--width-4" in html and "error" not in html


def test_a_date_input_with_an_error_keeps_what_was_typed(app) -> None:
    html = render(
        app,
        '{% from "macros.html" import date_input %}{{ date_input("review", "Review date", values=v, error=e) }}',
        v={"day": "31", "month": "2", "year": "2030"},
        e="review date must be a real date",
    )
    assert 'aria-describedby="review-hint review-error"' in html and "nhsuk-form-group--error" in html
    assert (
        'id="review-error"><span class="nhsuk-u-visually-hidden">Error:</span> review date must be a real date'
        in html
    )
    assert html.count("nhsuk-input--error") == 3
    assert 'name="review-day" type="text" inputmode="numeric" value="31"' in html
    assert 'name="review-year" type="text" inputmode="numeric" value="2030"' in html
