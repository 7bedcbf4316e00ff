"""The web app through its HTTP interface (in-process): sign-in, roles, CSRF, headers, errors, API."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from nhc.insights.service import InsightsService
from nhc.settings import Settings
from nhc.web.app import create_app
from tests.web.fixture_lake import patient_in

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def app(fixture_lake, db_url, tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=db_url)
    application = create_app(settings, insights=InsightsService(fixture_lake.root))
    sec = application.state.security
    sec.create_user("ana", "Ana Analyst", "analyst", password=PASSWORD)
    sec.create_user("cli", "Cli Clinician", "clinician", password=PASSWORD, neighbourhoods=["Banbury"])
    sec.create_user("tea", "Tea Team", "team_member", password=PASSWORD, neighbourhoods=["Banbury"])
    sec.create_user("adm", "Adm Admin", "admin", password=PASSWORD)
    application.state.lake = fixture_lake
    yield application
    sec.db.dispose()


def _client(app, base_url="http://testserver"):
    from fastapi.testclient import TestClient

    return TestClient(app, base_url=base_url, follow_redirects=False)


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(app, username, base_url="http://testserver"):
    c = _client(app, base_url)
    r = c.post(
        "/sign-in",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": _token(c.get("/sign-in").text),
            "next": "/",
        },
    )
    assert r.status_code == 303, r.text
    return c


def test_pages_need_sign_in_and_api_answers_401(app) -> None:
    c = _client(app)
    r = c.get("/neighbourhoods")
    assert r.status_code == 303 and r.headers["location"] == "/sign-in?next=%2Fneighbourhoods"
    r = c.get("/api/overview")
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"


def test_security_headers_and_cookie_flags(app) -> None:
    c = _client(app)
    r = c.get("/sign-in")
    csp = r.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    csrf_cookie = r.headers["set-cookie"].lower()
    assert "httponly" in csrf_cookie and "samesite=lax" in csrf_cookie and "secure" not in csrf_cookie
    r = c.post("/sign-in", data={"username": "ana", "password": PASSWORD, "csrf_token": _token(r.text)})
    cookie = r.headers["set-cookie"].lower()
    assert "nhc_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    s = _client(app, "https://testserver")
    r = s.post(
        "/sign-in",
        data={"username": "ana", "password": PASSWORD, "csrf_token": _token(s.get("/sign-in").text)},
    )
    assert "; secure" in r.headers["set-cookie"].lower()
    assert "strict-transport-security" in r.headers


def test_forms_need_the_csrf_token(app) -> None:
    c = _client(app)
    c.get("/sign-in")
    r = c.post("/sign-in", data={"username": "ana", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 400 and "nhc_session" not in r.headers.get("set-cookie", "")
    c = sign_in(app, "cli")
    pid = patient_in(app.state.lake, "Witney", on_worklist=False)
    r = c.post(f"/patients/{pid}/break-glass", data={"reason": "Emergency department attendance"})
    assert r.status_code in (400, 422)
    r = c.post("/sign-out", data={"csrf_token": "nope"})
    assert r.status_code == 400


def test_sign_in_errors_and_lockout_message(app) -> None:
    c = _client(app)
    for _ in range(5):
        r = c.post(
            "/sign-in",
            data={
                "username": "cli",
                "password": "wrong-password-1",
                "csrf_token": _token(c.get("/sign-in").text),
            },
        )
        assert r.status_code == 401 and "Enter a correct username and password" in r.text
    r = c.post(
        "/sign-in",
        data={"username": "cli", "password": PASSWORD, "csrf_token": _token(c.get("/sign-in").text)},
    )
    assert r.status_code == 429 and "Too many failed sign-in attempts" in r.text
    r = c.post(
        "/sign-in", data={"username": "", "password": "", "csrf_token": _token(c.get("/sign-in").text)}
    )
    assert r.status_code == 400 and "Enter your username" in r.text


def test_open_redirect_is_refused(app) -> None:
    c = _client(app)
    r = c.post(
        "/sign-in",
        data={
            "username": "ana",
            "password": PASSWORD,
            "next": "//evil.example/",
            "csrf_token": _token(c.get("/sign-in").text),
        },
    )
    assert r.headers["location"] == "/"


def test_aggregate_pages_for_every_role(app) -> None:
    for user in ("ana", "cli", "tea", "adm"):
        c = sign_in(app, user)
        for path in (
            "/",
            "/?dimension=practice_code",
            "/pngs",
            "/pngs/11?dimension=imd_quintile",
            "/neighbourhoods",
            "/neighbourhoods/Banbury",
            "/variation",
            "/variation?indicator=frailty_65",
            "/worklists",
        ):
            r = c.get(path)
            assert r.status_code == 200, (user, path)
            assert ("<caption" in r.text and "<svg" in r.text) or path == "/worklists"


def test_bad_input_gets_clear_4xx_pages_not_tracebacks(app) -> None:
    c = sign_in(app, "cli")
    cases = {
        "/pngs/12": 404,
        "/pngs/abc": 400,
        "/neighbourhoods/Atlantis": 404,
        "/variation?indicator=x": 404,
        "/?dimension=password": 400,
        "/patients/abc": 400,
        # an unknown id is refused like another team's patient: a 404 would tell outsiders which ids exist
        "/patients/999999999": 403,
        "/no/such/page": 404,
        "/worklists/Banbury?worklist=nope": 404,
        "/admin/audit": 403,
        "/api/patients/abc": 400,
        "/api/breakdown/nope": 400,
        "/api/neighbourhoods/Atlantis": 404,
        "/api/breakdown/sex?png=99": 400,
    }
    for path, status in cases.items():
        r = c.get(path)
        assert r.status_code == status, (path, r.status_code)
        assert "Traceback" not in r.text
        if path.startswith("/api"):
            assert r.headers["content-type"] == "application/problem+json" and r.json()["status"] == status
        else:
            assert 'class="nhsuk-heading-l"' in r.text and "nhsuk-frontend.min.css" in r.text
    r = c.post(
        "/sign-in",
        content=b"a=" + b"x" * 200_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 413 and "Request too large" in r.text


def test_patient_page_rules_and_audit(app) -> None:
    lake = app.state.lake
    mine, other = patient_in(lake, "Banbury"), patient_in(lake, "Witney", on_worklist=False)
    ana = sign_in(app, "ana")
    r = ana.get(f"/patients/{mine}")
    assert r.status_code == 403 and "cannot see information about individual people" in r.text
    assert ana.get(f"/api/patients/{mine}").status_code == 403
    assert ana.get("/worklists/Banbury").status_code == 403
    cli = sign_in(app, "cli")
    r = cli.get(f"/patients/{mine}")
    assert r.status_code == 200 and "Why this person is listed" in r.text and "emergency admissions" in r.text
    assert cli.get(f"/api/patients/{mine}").json()["access_basis"] == "neighbourhood"
    r = cli.get("/worklists/Banbury")
    assert r.status_code == 200 and f"/patients/{mine}" in r.text
    assert cli.get("/worklists/Witney").status_code == 403
    r = cli.get(f"/patients/{other}")
    assert r.status_code == 403 and "Break glass" in r.text
    tea = sign_in(app, "tea")
    r = tea.get(f"/patients/{other}")
    assert r.status_code == 403 and "Break glass" not in r.text
    # break-glass: reason required, then access with a banner, audited
    # a team member cannot break the glass: the refusal offers no form for it, only the way out
    assert f'action="/patients/{other}/break-glass"' not in r.text and "recorded in the audit log" in r.text
    sign_out_token = _token(r.text)
    r = cli.get(f"/patients/{other}")
    r = cli.post(f"/patients/{other}/break-glass", data={"reason": "short", "csrf_token": _token(r.text)})
    assert r.status_code == 400 and "at least 10" in r.text
    r = cli.post(
        f"/patients/{other}/break-glass",
        data={"reason": "Urgent care, no GP record available", "csrf_token": _token(r.text)},
    )
    assert r.status_code == 303
    r = cli.get(f"/patients/{other}")
    assert r.status_code == 200 and "Break-glass access active" in r.text
    adm = sign_in(app, "adm")
    r = adm.get(f"/admin/audit?patient_id={other}")
    assert r.status_code == 200 and "Urgent care, no GP record available" in r.text
    events = adm.get(f"/api/audit?patient_id={other}").json()["events"]
    actions = [(e["username"], e["action"], e["outcome"]) for e in events]
    assert ("cli", "break_glass", "success") in actions and ("tea", "view_patient", "denied") in actions
    assert ("cli", "view_patient", "success") in actions
    # the refusal page's token signs the team member out, after which the record needs sign-in
    assert tea.post("/sign-out", data={"csrf_token": sign_out_token}).status_code == 303
    r = tea.get(f"/patients/{other}")
    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")


def test_openapi_describes_the_api(app) -> None:
    spec = sign_in(app, "ana").get("/openapi.json").json()
    for path in (
        "/api/overview",
        "/api/breakdown/{dimension}",
        "/api/neighbourhoods/{name}",
        "/api/variation/{indicator}",
        "/api/worklists/{neighbourhood}",
        "/api/patients/{patient_id}",
        "/api/audit",
    ):
        assert path in spec["paths"], path
    assert not any(p.startswith("/patients") or p == "/" for p in spec["paths"])


def test_api_aggregates_are_controlled(app) -> None:
    c = sign_in(app, "ana")
    data = c.get("/api/overview").json()
    assert data["total"] % 5 == 0 and all(b["count"] is None or b["count"] % 5 == 0 for b in data["bands"])
    v = c.get("/api/variation/emergency_admissions").json()
    assert v["practices"] and all(p["y"] is None or p["y"] % 5 == 0 for p in v["practices"])


def test_audit_rows_cannot_be_changed_through_the_app_database(app) -> None:
    sign_in(app, "cli").get(f"/patients/{patient_in(app.state.lake, 'Banbury')}")
    with pytest.raises(sa.exc.DatabaseError), app.state.security.db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_events"))


def test_an_unexpected_failure_is_answered_in_the_form_of_its_area(app) -> None:
    """One problem builder: a page, the JSON API and the FHIR API each get their own form of 500,
    with no trace of the failure in it."""
    from fastapi.testclient import TestClient

    def fail() -> None:
        raise RuntimeError("secret internal detail")

    for path in ("/boom", "/api/boom", "/fhir/boom"):
        app.add_api_route(path, fail)
        app.router.routes.insert(0, app.router.routes.pop())  # before the FHIR router's /fhir/{type}
    c = TestClient(app, raise_server_exceptions=False)
    page, api, fhir = c.get("/boom"), c.get("/api/boom"), c.get("/fhir/boom")
    assert {page.status_code, api.status_code, fhir.status_code} == {500}
    assert 'class="nhsuk-heading-l"' in page.text and "Something went wrong" in page.text
    assert api.headers["content-type"] == "application/problem+json" and api.json()["status"] == 500
    assert fhir.headers["content-type"].startswith("application/fhir+json")
    assert fhir.json()["resourceType"] == "OperationOutcome"
    for r in (page, api, fhir):
        assert "secret internal detail" not in r.text and "Traceback" not in r.text
