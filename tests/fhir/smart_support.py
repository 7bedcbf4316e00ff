"""Helpers for the SMART on FHIR tests: an app over the test county with accounts, and a backend
client that signs its own assertions (as a real one would, with joserfc)."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import duckdb
from joserfc import jwt
from joserfc.jwk import RSAKey

from nhc.security.oauth import OAuthService, load_signing_key
from nhc.settings import Settings
from nhc.web.app import create_app

PASSWORD = "correct-horse-battery-staple"
ROOT = "https://testserver"
FHIR = f"{ROOT}/fhir"
TOKEN_URL = f"{ROOT}/oauth/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass
class Backend:
    """A registered backend system and its private key."""

    client_id: str
    key: RSAKey

    def assertion(self, *, aud: str = TOKEN_URL, key: RSAKey | None = None, jti: str | None = None) -> str:
        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": aud,
            "exp": now + 240,
            "iat": now,
            "jti": jti or secrets.token_urlsafe(16),
        }
        signer = key or self.key
        return jwt.encode({"alg": "RS384", "kid": signer.kid}, claims, signer, algorithms=["RS384"])

    def form(self, scope: str = "system/*.read", **kw) -> dict[str, str]:
        return {
            "grant_type": "client_credentials",
            "scope": scope,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.assertion(**kw),
        }


def new_key() -> RSAKey:
    return RSAKey.generate_key(2048, private=True, auto_kid=True)


def public_jwks(key: RSAKey) -> str:
    import json

    return json.dumps({"keys": [key.as_dict(private=False)]})


def people(lake: Path, n: int = 3) -> list[int]:
    """The first ``n`` living patients with observations (ids the tests give relationships to)."""
    rows = (
        duckdb.connect()
        .execute(f"""
        SELECT p.patient_id FROM read_parquet('{lake}/patients/*.parquet') p
        WHERE p.patient_id IN (SELECT patient_id FROM read_parquet('{lake}/clinical_events/*.parquet')
                               WHERE value IS NOT NULL GROUP BY 1 HAVING count(*) >= 3)
        ORDER BY 1 LIMIT {n}""")
        .fetchall()
    )
    return [int(r[0]) for r in rows]


def make_app(lake: Path, db_path: Path):
    """The web app over ``lake``; accounts ``svc`` (the backend's account, caseload: the first
    person) and ``cli`` (a clinician, caseload: the first two people)."""
    app = create_app(Settings(data_dir=lake.parent, database_url=f"sqlite:///{db_path}"))
    sec = app.state.security
    ids = people(lake)
    svc = sec.create_user("svc", "ICB platform", "team_member", password=PASSWORD)
    cli = sec.create_user("cli", "Cli", "clinician", password=PASSWORD)
    sec.add_relationship(svc.id, ids[0])
    sec.add_relationship(cli.id, ids[0])
    sec.add_relationship(cli.id, ids[1])
    return app, ids


def oauth(app) -> OAuthService:
    """An OAuth service over the app's database and signing key (what the CLI uses)."""
    return OAuthService(app.state.security, load_signing_key(app.state.settings.data_dir))


def register_backend(app, scope: str = "system/*.read", user: str = "svc") -> Backend:
    key = new_key()
    client = oauth(app).create_client("ICB platform", "system", scope, keys=public_jwks(key), username=user)
    return Backend(client.client_id, key)


def sign_in(client, username: str = "cli") -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text).group(1)
    r = client.post("/sign-in", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize(client, client_id: str, redirect: str, scope: str, patient: int | None, challenge: str) -> str:
    """Walk the consent page as the signed-in user and return the code the app gets back."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect,
        "scope": scope,
        "state": "st4te",
        "aud": FHIR,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    page = client.get("/oauth/authorize", params=params)
    assert page.status_code == 200, page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = {**params, "csrf_token": csrf, "decision": "allow"}
    if patient is not None:
        form["patient"] = str(patient)
    r = client.post("/oauth/authorize", data=form)
    assert r.status_code == 302, r.text
    query = parse_qs(urlparse(r.headers["location"]).query)
    assert query["state"] == ["st4te"]
    return query["code"][0]
