"""The pluggable identity providers: local accounts and an OpenID Connect provider (CIS2 style)."""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from nhc.errors import NhcError
from nhc.security.identity import OidcIdentityProvider
from nhc.security.service import SecurityService, SignInError

ISSUER = "https://idp.example.nhs.uk"
#: The provider's signing key (its public half is served at jwks_uri by the mock provider).
IDP_KEY = RSAKey.generate_key(2048, private=True, auto_kid=True)


def _enc(d: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()


def _token(claims: dict, key: RSAKey | None = None, alg: str = "RS256") -> str:
    """An ID token signed as the provider signs it (or with ``key``, a forger's)."""
    claims = {k: int(v) if k == "exp" else v for k, v in claims.items()}
    signer = key or IDP_KEY
    return jwt.encode({"alg": alg, "kid": signer.kid}, claims, signer, algorithms=[alg])


def _provider(claims_for, sign=_token, keys=lambda: [IDP_KEY]) -> OidcIdentityProvider:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            form = parse_qs(request.content.decode())
            assert form["grant_type"] == ["authorization_code"] and form["code_verifier"][0]
            return httpx.Response(200, json={"id_token": sign(claims_for(form))})
        if request.url.path == "/jwks":
            return httpx.Response(200, json={"keys": [k.as_dict(private=False) for k in keys()]})
        return httpx.Response(404)

    return OidcIdentityProvider(
        "cis2",
        "NHS Care Identity",
        ISSUER,
        "nhc-client",
        "secret",
        http=httpx.Client(transport=httpx.MockTransport(handler)),
        metadata={
            "authorization_endpoint": f"{ISSUER}/authorize",
            "token_endpoint": f"{ISSUER}/token",
            "jwks_uri": f"{ISSUER}/jwks",
        },
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


def _good_claims(holder: dict) -> dict:
    return {"iss": ISSUER, "aud": "nhc-client", "exp": time.time() + 60, "sub": "1", "nonce": holder["nonce"]}


def _forged(claims: dict) -> str:
    return _token(claims, key=RSAKey.generate_key(2048, private=True, auto_kid=True))


def _forged_same_kid(claims: dict) -> str:
    forger = RSAKey.generate_key(2048, private=True, parameters={"kid": IDP_KEY.kid})
    return _token(claims, key=forger)


def _unsigned(claims: dict) -> str:
    return f"{_enc({'alg': 'none', 'typ': 'JWT'})}.{_enc({**claims, 'exp': int(claims['exp'])})}."


def _hmac_with_public_key(claims: dict) -> str:
    """The algorithm-confusion attack: HS256 keyed with the provider's public key."""
    secret = OctKey.import_key(json.dumps(IDP_KEY.as_dict(private=False)).encode())
    payload = {**claims, "exp": int(claims["exp"])}
    return jwt.encode({"alg": "HS256", "kid": IDP_KEY.kid}, payload, secret, algorithms=["HS256"])


def _bad_signature(claims: dict) -> str:
    head, body, sig = _token(claims).split(".")
    return f"{head}.{body}.{sig[:-4]}AAAA"


@pytest.mark.parametrize(
    "sign", [_forged, _forged_same_kid, _unsigned, _hmac_with_public_key, _bad_signature]
)
def test_oidc_refuses_id_tokens_not_signed_by_the_provider(sign) -> None:
    holder: dict = {}
    idp = _provider(lambda form: _good_claims(holder), sign=sign)
    _, kept = idp.begin("https://x/cb")
    holder["nonce"] = kept["nonce"]
    with pytest.raises(NhcError, match=r"ID token|identity provider"):
        idp.complete({"code": "abc", "state": kept["state"]}, kept, "https://x/cb")


def test_oidc_follows_a_key_rotation() -> None:
    holder: dict = {}
    new_key = RSAKey.generate_key(2048, private=True, auto_kid=True)
    served = {"keys": [IDP_KEY]}
    idp = _provider(
        lambda form: _good_claims(holder),
        sign=lambda c: _token(c, key=served["signer"]),
        keys=lambda: served["keys"],
    )
    for signer in (IDP_KEY, new_key):  # the provider rotates to a new key between two sign-ins
        served["signer"] = signer
        served["keys"] = [signer]
        _, kept = idp.begin("https://x/cb")
        holder["nonce"] = kept["nonce"]
        assert idp.complete({"code": "abc", "state": kept["state"]}, kept, "https://x/cb").subject == "1"


def test_oidc_needs_azp_when_the_token_has_several_audiences() -> None:
    holder: dict = {}
    idp = _provider(lambda form: {**_good_claims(holder), "aud": ["nhc-client", "other-app"]})
    _, kept = idp.begin("https://x/cb")
    holder["nonce"] = kept["nonce"]
    with pytest.raises(NhcError, match="azp"):
        idp.complete({"code": "abc", "state": kept["state"]}, kept, "https://x/cb")
