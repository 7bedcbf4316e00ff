"""The pluggable identity providers: local accounts and an OpenID Connect provider (CIS2 style)."""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from nhc.errors import NhcError
from nhc.security.identity import OidcIdentityProvider
from nhc.security.service import SecurityService, SignInError

ISSUER = "https://idp.example.nhs.uk"


def _token(claims: dict) -> str:
    enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{enc({'alg': 'RS256'})}.{enc(claims)}.sig"


def _provider(claims_for) -> OidcIdentityProvider:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            form = parse_qs(request.content.decode())
            assert form["grant_type"] == ["authorization_code"] and form["code_verifier"][0]
            return httpx.Response(200, json={"id_token": _token(claims_for(form))})
        return httpx.Response(404)

    return OidcIdentityProvider(
        "cis2",
        "NHS Care Identity",
        ISSUER,
        "nhc-client",
        "secret",
        http=httpx.Client(transport=httpx.MockTransport(handler)),
        metadata={"authorization_endpoint": f"{ISSUER}/authorize", "token_endpoint": f"{ISSUER}/token"},
    )


def test_oidc_sign_in_maps_to_a_local_user(security: SecurityService) -> None:
    nonce_box = {}
    idp = _provider(
        lambda form: {
            "iss": ISSUER,
            "aud": "nhc-client",
            "exp": time.time() + 60,
            "sub": "555",
            "nonce": nonce_box["nonce"],
            "name": "Dr CIS2",
        }
    )
    security.providers[idp.name] = idp
    url, kept = idp.begin("https://nhc.example/sign-in/cis2/callback")
    q = parse_qs(urlparse(url).query)
    assert (
        q["code_challenge_method"] == ["S256"]
        and q["state"] == [kept["state"]]
        and q["nonce"] == [kept["nonce"]]
    )
    nonce_box["nonce"] = kept["nonce"]
    identity = idp.complete(
        {"code": "abc", "state": kept["state"]}, kept, "https://nhc.example/sign-in/cis2/callback"
    )
    assert identity.subject == "555"
    with pytest.raises(SignInError, match="not set up"):  # no local account: no access
        security.start_session(identity, "10.0.0.1")
    security.create_user(
        "drcis2", "Dr CIS2", "clinician", provider="cis2", subject="555", neighbourhoods=["Didcot"]
    )
    principal, token = security.start_session(identity, "10.0.0.1")
    assert principal.username == "drcis2" and principal.neighbourhoods == {"Didcot"}
    assert security.session(token) is not None


@pytest.mark.parametrize(
    "bad", [{"nonce": "other"}, {"aud": "someone-else"}, {"iss": "https://evil"}, {"exp": 1}]
)
def test_oidc_rejects_bad_id_tokens(bad: dict) -> None:
    holder = {}
    idp = _provider(
        lambda form: {
            "iss": ISSUER,
            "aud": "nhc-client",
            "exp": time.time() + 60,
            "sub": "1",
            "nonce": holder["nonce"],
            **bad,
        }
    )
    _, kept = idp.begin("https://x/cb")
    holder["nonce"] = kept["nonce"]
    with pytest.raises(NhcError):
        idp.complete({"code": "abc", "state": kept["state"]}, kept, "https://x/cb")


def test_oidc_rejects_a_wrong_state() -> None:
    idp = _provider(lambda form: {})
    _, kept = idp.begin("https://x/cb")
    with pytest.raises(NhcError, match="state"):
        idp.complete({"code": "abc", "state": "forged"}, kept, "https://x/cb")
