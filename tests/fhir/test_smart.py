"""SMART on FHIR: discovery, backend tokens (client credentials with a signed assertion), app tokens
(authorisation code with PKCE), and every way a token is refused — each refusal audited."""

from __future__ import annotations

import base64
import json
import time

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from nhc.security.models import AuditEvent
from nhc.security.oauth import tokens
from tests.fhir.smart_support import (
    FHIR,
    ROOT,
    TOKEN_URL,
    authorize,
    make_app,
    new_key,
    oauth,
    pkce,
    register_backend,
    sign_in,
)

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")
REDIRECT = "https://app.example.org/callback"


@pytest.fixture(scope="module")
def world(county, tmp_path_factory):
    app, ids = make_app(county, tmp_path_factory.mktemp("smartdb") / "nhc.sqlite3")
    yield {"app": app, "ids": ids}
    app.state.security.db.dispose()


def _client(world) -> TestClient:
    return TestClient(world["app"], base_url=ROOT, follow_redirects=False)


def _token(world, backend, **kw) -> str:
    r = _client(world).post("/oauth/token", data=backend.form(**kw))
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def _get(world, path: str, token: str | None = None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return _client(world).get(path, headers=headers, params=params)


def _audit(world, action: str) -> list[dict]:
    """The audit lines of ``action``, oldest first, as dicts."""
    with world["app"].state.security.db.unit_of_work() as s:
        rows = s.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        return [{c: getattr(r, c) for c in ("username", "patient_id", "outcome", "detail")} for r in rows]


# --- discovery ---------------------------------------------------------------------------------
def test_smart_configuration_names_the_endpoints_and_requires_pkce(world):
    conf = _client(world).get("/.well-known/smart-configuration").json()
    assert conf["token_endpoint"] == TOKEN_URL
    assert conf["authorization_endpoint"] == f"{ROOT}/oauth/authorize"
    assert conf["code_challenge_methods_supported"] == ["S256"]
    assert "private_key_jwt" in conf["token_endpoint_auth_methods_supported"]
    assert "client_credentials" in conf["grant_types_supported"]
    keys = _client(world).get("/oauth/jwks").json()["keys"]
    assert keys and all("d" not in k for k in keys)  # public halves only


def test_metadata_is_public_and_says_where_to_get_a_token(world):
    r = _get(world, "/fhir/metadata")
    assert r.status_code == 200
    security = r.json()["rest"][0]["security"]
    assert security["service"][0]["coding"][0]["code"] == "SMART-on-FHIR"
    uris = {e["url"]: e["valueUri"] for e in security["extension"][0]["extension"]}
    assert uris["token"] == TOKEN_URL and uris["authorize"] == f"{ROOT}/oauth/authorize"


def test_no_credentials_is_401_with_a_bearer_challenge(world):
    r = _get(world, f"/fhir/Patient/{world['ids'][0]}")
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert r.json()["resourceType"] == "OperationOutcome"


# --- backend services --------------------------------------------------------------------------
def test_backend_token_reads_under_its_accounts_relationships_and_is_audited(world):
    backend = register_backend(world["app"])
    r = _client(world).post("/oauth/token", data=backend.form())
    body = r.json()
    assert r.status_code == 200 and body["token_type"] == "Bearer" and body["expires_in"] <= 300
    assert body["scope"] == "system/*.read"
    mine, other = world["ids"][0], world["ids"][2]
    assert _get(world, f"/fhir/Patient/{mine}", body["access_token"]).status_code == 200
    # the account behind the client has no relationship with this person: the access model says no
    assert _get(world, f"/fhir/Patient/{other}", body["access_token"]).status_code == 403
    reads = [(e["username"], e["patient_id"], e["outcome"]) for e in _audit(world, "fhir_read")]
    assert ("svc", mine, "success") in reads and ("svc", other, "denied") in reads
    issued = _audit(world, "oauth_token_issued")
    assert issued and issued[-1]["username"] == "svc"


def test_a_scope_the_client_is_not_registered_for_is_refused_at_the_token_endpoint(world):
    backend = register_backend(world["app"], scope="system/Observation.read")
    r = _client(world).post("/oauth/token", data=backend.form(scope="system/*.read"))
    assert r.status_code == 400 and r.json()["error"] == "invalid_scope"


def test_wrong_scope_is_403_insufficient_scope_and_audited(world):
    backend = register_backend(world["app"], scope="system/Observation.read")
    token = _token(world, backend, scope="system/Observation.read")
    mine = world["ids"][0]
    assert _get(world, "/fhir/Observation", token, patient=str(mine)).status_code == 200
    r = _get(world, f"/fhir/Patient/{mine}", token)
    assert r.status_code == 403
    assert 'error="insufficient_scope"' in r.headers["www-authenticate"]
    denied = _audit(world, "fhir_read")[-1]
    assert denied["outcome"] == "denied" and "scopes" in denied["detail"]
    # $everything leaves out what the scopes do not cover ... and needs Patient itself
    assert _get(world, f"/fhir/Patient/{mine}/$everything", token).status_code == 403


def _mint(world, **kw) -> str:
    """A token signed with the app's key, with claims chosen by the test."""
    svc_id = world["app"].state.security.get_user("svc").id
    backend = register_backend(world["app"])
    args = {
        "issuer": ROOT,
        "audience": FHIR,
        "client_id": backend.client_id,
        "user_id": svc_id,
        "scope": "system/*.read",
        "lifetime": 300,
    } | kw
    key = args.pop("key", None) or oauth(world["app"]).key
    return tokens.issue(key, **args)[0]


@pytest.mark.parametrize(
    "case",
    ["wrong audience", "wrong issuer", "expired", "forged signature", "unsigned", "garbage"],
)
def test_refused_tokens_are_401_invalid_token_and_audited(world, case):
    mine = world["ids"][0]
    assert _get(world, f"/fhir/Patient/{mine}", _mint(world)).status_code == 200  # the control
    token = {
        "wrong audience": lambda: _mint(world, audience="https://elsewhere.example/fhir"),
        "wrong issuer": lambda: _mint(world, issuer="https://elsewhere.example"),
        "expired": lambda: _mint(world, now=int(time.time()) - 3600),
        "forged signature": lambda: _mint(world, key=new_key()),
        "unsigned": lambda: _unsigned(_mint(world)),
        "garbage": lambda: "not.a.token",
    }[case]()
    before = len(_audit(world, "oauth_token_refused"))
    r = _get(world, f"/fhir/Patient/{mine}", token)
    assert r.status_code == 401
    assert 'error="invalid_token"' in r.headers["www-authenticate"]
    assert len(_audit(world, "oauth_token_refused")) == before + 1


def _unsigned(token: str) -> str:
    """The same claims with ``alg: none`` and no signature."""
    header = (
        base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=").decode()
    )
    return f"{header}.{token.split('.')[1]}."


def test_a_revoked_client_loses_its_tokens_at_once_and_gets_no_more(world):
    backend = register_backend(world["app"])
    token = _token(world, backend)
    mine = world["ids"][0]
    assert _get(world, f"/fhir/Patient/{mine}", token).status_code == 200
    oauth(world["app"]).revoke_client(backend.client_id)
    r = _get(world, f"/fhir/Patient/{mine}", token)
    assert r.status_code == 401 and "revoked" in r.json()["issue"][0]["diagnostics"]
    again = _client(world).post("/oauth/token", data=backend.form())
    assert again.status_code in (400, 401) and again.json()["error"] == "invalid_client"


def test_assertions_must_be_signed_by_the_registered_key_fresh_and_for_this_token_url(world):
    backend = register_backend(world["app"])
    bad = [
        backend.form(key=new_key()),  # someone else's key
        backend.form(aud="https://elsewhere.example/oauth/token"),
    ]
    replayed = backend.form(jti="once-only")
    assert _client(world).post("/oauth/token", data=replayed).status_code == 200
    bad.append(backend.form(jti="once-only"))  # the same jti again
    for form in bad:
        r = _client(world).post("/oauth/token", data=form)
        assert r.status_code in (400, 401) and r.json()["error"] == "invalid_client", form


def test_a_client_can_revoke_its_own_token(world):
    backend = register_backend(world["app"])
    token = _token(world, backend)
    form = {
        "token": token,
        "client_assertion_type": backend.form()["client_assertion_type"],
        "client_assertion": backend.assertion(),
    }
    assert _client(world).post("/oauth/revoke", data=form).status_code == 200
    assert _get(world, f"/fhir/Patient/{world['ids'][0]}", token).status_code == 401


# --- user-facing apps --------------------------------------------------------------------------
def _app_client(world, scope: str) -> str:
    return (
        oauth(world["app"])
        .create_client("Shared care record", "app", scope, redirect_uris=(REDIRECT,))
        .client_id
    )


def _app_token(world, scope: str, patient: int | None) -> dict:
    client_id = _app_client(world, scope)
    browser = _client(world)
    sign_in(browser)
    verifier, challenge = pkce()
    code = authorize(browser, client_id, REDIRECT, scope, patient, challenge)
    r = _client(world).post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": client_id,
            "code_verifier": verifier,
        },
    )
    assert r.status_code == 200, r.text
    return r.json() | {"client_id": client_id, "code": code, "verifier": verifier}


def test_a_patient_token_reaches_only_its_patient_and_the_rest_is_audited(world):
    first, second = world["ids"][:2]  # the clinician may see both
    got = _app_token(world, "launch/patient patient/*.read", first)
    token = got["access_token"]
    assert got["patient"] == str(first)
    assert _get(world, f"/fhir/Patient/{first}", token).status_code == 200
    assert _get(world, "/fhir/Observation", token, patient=str(first)).status_code == 200
    for path, params in [
        (f"/fhir/Patient/{second}", {}),
        ("/fhir/Observation", {"patient": str(second)}),
        (f"/fhir/Patient/{second}/$everything", {}),
        ("/fhir/Observation", {}),
    ]:
        r = _get(world, path, token, **params)
        assert r.status_code == 403, path
    refused = [e for e in _audit(world, "fhir_read") if e["outcome"] == "denied" and e["username"] == "cli"]
    assert second in {e["patient_id"] for e in refused}


def test_a_user_token_acts_as_the_signed_in_user(world):
    _, second, third = world["ids"]
    token = _app_token(world, "user/*.read", None)["access_token"]
    assert _get(world, f"/fhir/Patient/{second}", token).status_code == 200
    assert _get(world, f"/fhir/Patient/{third}", token).status_code == 403  # no relationship


def test_codes_are_single_use_and_bound_to_the_pkce_verifier(world):
    got = _app_token(world, "user/*.read", None)
    reuse = _client(world).post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": got["code"],
            "redirect_uri": REDIRECT,
            "client_id": got["client_id"],
            "code_verifier": got["verifier"],
        },
    )
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    client_id = _app_client(world, "user/*.read")
    browser = _client(world)
    sign_in(browser)
    _, challenge = pkce()
    code = authorize(browser, client_id, REDIRECT, "user/*.read", None, challenge)
    wrong, _ = pkce()
    r = _client(world).post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": client_id,
            "code_verifier": wrong,
        },
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_authorize_requires_pkce_and_the_fhir_audience(world):
    client_id = _app_client(world, "user/*.read")
    browser = _client(world)
    sign_in(browser)
    base = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "user/*.read",
        "state": "s",
    }
    no_pkce = browser.get("/oauth/authorize", params=base | {"aud": FHIR})
    _, challenge = pkce()
    wrong_aud = browser.get(
        "/oauth/authorize",
        params=base
        | {"aud": "https://elsewhere/fhir", "code_challenge": challenge, "code_challenge_method": "S256"},
    )
    for r in (no_pkce, wrong_aud):
        assert r.status_code == 302 and "error=invalid_request" in r.headers["location"]


def test_the_consent_page_needs_a_signed_in_user(world):
    r = _client(world).get("/oauth/authorize", params={"client_id": "x"})
    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")
