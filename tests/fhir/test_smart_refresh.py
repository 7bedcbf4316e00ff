"""SMART refresh tokens over HTTP: issued for offline_access/online_access only, single use and
rotated, a reused one revokes its family, scopes only narrow, stored hashed; discovery says so."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient

from nhc.db import Database, alembic_config
from nhc.security.models import AuditEvent
from nhc.security.oauth.models import OAuthRefreshToken
from tests.fhir.smart_support import ROOT, authorize, make_app, oauth, pkce, register_backend, sign_in

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")
REDIRECT = "https://app.example.org/callback"


@pytest.fixture(scope="module")
def world(county, tmp_path_factory):
    app, ids = make_app(county, tmp_path_factory.mktemp("refreshdb") / "nhc.sqlite3")
    yield {"app": app, "ids": ids}
    app.state.security.db.dispose()


def _client(world) -> TestClient:
    return TestClient(world["app"], base_url=ROOT, follow_redirects=False)


def _grant(world, scope: str, patient: int | None = None) -> dict:
    """An app registered for ``scope``, authorised by the clinician; the token response."""
    client_id = (
        oauth(world["app"]).create_client("Care app", "app", scope, redirect_uris=(REDIRECT,)).client_id
    )
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
    return r.json() | {"client_id": client_id}


def _refresh(world, client_id: str, token: str, scope: str | None = None):
    data = {"grant_type": "refresh_token", "refresh_token": token, "client_id": client_id}
    if scope:
        data["scope"] = scope
    return _client(world).post("/oauth/token", data=data)


def _read(world, access: str, pid: int) -> int:
    return (
        _client(world).get(f"/fhir/Patient/{pid}", headers={"Authorization": f"Bearer {access}"}).status_code
    )


def _actions(world, action: str) -> list[AuditEvent]:
    with world["app"].state.security.db.unit_of_work() as s:
        return list(s.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_discovery_advertises_refresh_tokens(world):
    conf = _client(world).get("/.well-known/smart-configuration").json()
    assert "refresh_token" in conf["grant_types_supported"]
    assert {"permission-offline", "permission-online"} <= set(conf["capabilities"])
    assert {"offline_access", "online_access"} <= set(conf["scopes_supported"])


def test_no_refresh_token_without_offline_or_online_access(world):
    assert "refresh_token" not in _grant(world, "user/*.read")


def test_a_refresh_token_gets_a_working_access_token_and_is_rotated(world):
    first = world["ids"][0]
    got = _grant(world, "user/*.read offline_access")
    r = _refresh(world, got["client_id"], got["refresh_token"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "Bearer" and body["access_token"] != got["access_token"]
    assert body["refresh_token"] != got["refresh_token"]
    assert _read(world, body["access_token"], first) == 200
    # the next token works once more; the first is spent
    assert _refresh(world, got["client_id"], body["refresh_token"]).status_code == 200


def test_reusing_a_spent_refresh_token_revokes_the_whole_family_and_is_audited(world):
    got = _grant(world, "user/*.read online_access")
    second = _refresh(world, got["client_id"], got["refresh_token"]).json()["refresh_token"]
    before = len(_actions(world, "oauth_refresh_reused"))
    replay = _refresh(world, got["client_id"], got["refresh_token"])  # the thief's copy
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    # the honest client's current token is dead too: everyone authorises again
    after = _refresh(world, got["client_id"], second)
    assert after.status_code == 400 and after.json()["error"] == "invalid_grant"
    reused = _actions(world, "oauth_refresh_reused")
    assert len(reused) == before + 1 and reused[-1].outcome == "denied"


def test_a_refresh_may_narrow_the_scope_but_never_widen_it(world):
    pid = world["ids"][0]
    got = _grant(world, "launch/patient patient/*.read offline_access", pid)
    wider = _refresh(world, got["client_id"], got["refresh_token"], "user/*.read")
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"
    narrow = _refresh(world, got["client_id"], got["refresh_token"], "patient/Patient.rs")
    assert narrow.status_code == 200, narrow.text
    body = narrow.json()
    assert body["scope"] == "patient/Patient.rs" and body["patient"] == str(pid)
    assert _read(world, body["access_token"], pid) == 200
    obs = _client(world).get(
        "/fhir/Observation",
        params={"patient": pid},
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert obs.status_code == 403  # narrowed away
    # the refresh token keeps the original grant: the next refresh can have Observations again
    again = _refresh(world, got["client_id"], body["refresh_token"], "patient/Observation.rs")
    assert again.status_code == 200, again.text


def test_a_refresh_token_works_only_for_the_client_it_was_issued_to(world):
    got = _grant(world, "user/*.read offline_access")
    other = _grant(world, "user/*.read offline_access")
    r = _refresh(world, other["client_id"], got["refresh_token"])
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert _refresh(world, got["client_id"], got["refresh_token"]).status_code == 200


def test_refresh_tokens_are_stored_hashed_only(world):
    got = _grant(world, "user/*.read offline_access")
    with world["app"].state.security.db.unit_of_work() as s:
        row = s.get(OAuthRefreshToken, hashlib.sha256(got["refresh_token"].encode()).hexdigest())
        assert row is not None and row.client_id == got["client_id"]
        assert (
            s.scalar(sa.select(sa.func.count()).where(OAuthRefreshToken.token_hash == got["refresh_token"]))
            == 0
        )


def test_revoking_a_refresh_token_ends_its_family(world):
    got = _grant(world, "user/*.read offline_access")
    revoke = _client(world).post(
        "/oauth/revoke", data={"token": got["refresh_token"], "client_id": got["client_id"]}
    )
    assert revoke.status_code == 200
    r = _refresh(world, got["client_id"], got["refresh_token"])
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_a_revoked_client_cannot_refresh(world):
    got = _grant(world, "user/*.read offline_access")
    oauth(world["app"]).revoke_client(got["client_id"])
    r = _refresh(world, got["client_id"], got["refresh_token"])
    assert r.status_code in (400, 401) and r.json()["error"] == "invalid_client"


def test_backend_systems_get_no_refresh_token_and_cannot_ask_for_one(world):
    backend = register_backend(world["app"])
    body = _client(world).post("/oauth/token", data=backend.form()).json()
    assert "access_token" in body and "refresh_token" not in body
    with pytest.raises(Exception, match="cannot be given"):
        oauth(world["app"]).create_client(
            "x", "system", "system/*.read offline_access", keys="{}", username="svc"
        )


def test_migration_0013_adds_the_table_and_downgrades(db_url: str) -> None:
    db = Database(db_url)
    db.upgrade()
    assert "oauth_refresh_tokens" in sa.inspect(db.engine).get_table_names()
    cfg = alembic_config(db_url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0012_engagement")
    assert "oauth_refresh_tokens" not in sa.inspect(db.engine).get_table_names()
    db.upgrade()
    db.dispose()
