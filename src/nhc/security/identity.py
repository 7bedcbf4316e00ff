"""Pluggable identity providers: who someone is, decided by a provider; what they may do, decided here.

Two kinds:

* :class:`PasswordIdentityProvider` — the user types a username and password into our form
  (:class:`LocalIdentityProvider`, accounts in the operational database, Argon2id hashes).
* :class:`RedirectIdentityProvider` — the user is sent to an external sign-in service and comes back
  with a code (OpenID Connect authorisation code flow, e.g. NHS Care Identity Service 2).
  :class:`OidcIdentityProvider` implements it with PKCE, ``state`` and ``nonce``, and checks the ID
  token's signature against the provider's published keys (JWKS) with joserfc, on a fixed list of
  asymmetric algorithms (never ``none``, never HMAC).

Either way the provider returns an :class:`Identity` (``provider``, ``subject``); the security service
maps it to a local :class:`~nhc.security.models.User` by ``(identity_provider, subject)``. Roles and
neighbourhoods always come from the local user record (an administrator grants them), never from
the provider's claims alone.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.orm import Session

from nhc.errors import NhcError
from nhc.security.models import User
from nhc.security.passwords import hash_password, needs_rehash, verify_password


@dataclass(frozen=True)
class Identity:
    provider: str
    subject: str
    display_name: str | None = None
    claims: dict[str, Any] = field(default_factory=dict)


class IdentityProvider(ABC):
    """Base of every provider. ``name`` is used in URLs and stored on users."""

    name: str
    label: str


class PasswordIdentityProvider(IdentityProvider):
    @abstractmethod
    def authenticate(self, db: Session, username: str, password: str) -> Identity | None:
        """The identity for these credentials, or ``None`` (never says which part was wrong)."""


class RedirectIdentityProvider(IdentityProvider):
    @abstractmethod
    def begin(self, redirect_uri: str) -> tuple[str, dict[str, str]]:
        """The URL to send the browser to, and the values to keep (signed) until the callback."""

    @abstractmethod
    def complete(self, params: dict[str, str], kept: dict[str, str], redirect_uri: str) -> Identity:
        """Exchange the callback's parameters for an identity; raise :class:`NhcError` if invalid."""


class LocalIdentityProvider(PasswordIdentityProvider):
    name = "local"
    label = "NHC account"

    def authenticate(self, db: Session, username: str, password: str) -> Identity | None:
        user = db.scalar(select(User).where(User.username == username, User.identity_provider == self.name))
        ok = verify_password(user.password_hash if user else None, password)
        if not ok or user is None or not user.active:
            return None
        if user.password_hash and needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        return Identity(self.name, user.subject, user.display_name)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


#: ID token signature algorithms accepted by default (asymmetric only; CIS2 signs with RS512).
ID_TOKEN_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
#: Clock skew allowed on ``exp`` / ``iat`` (seconds).
LEEWAY = 60


class OidcIdentityProvider(RedirectIdentityProvider):
    """OpenID Connect authorisation code flow with PKCE (e.g. NHS CIS2 as an OIDC provider).

    The ID token's signature is checked against the provider's JWKS (``jwks_uri`` in its discovery
    document; fetched again once when a token names a key id not yet seen, so key rotation works),
    with the algorithms in ``algorithms`` only; then ``iss``, ``aud`` (and ``azp`` when there are
    several audiences), ``exp``, ``sub`` and ``nonce`` (OIDC Core 3.1.3.7). ``http`` is an
    ``httpx.Client`` (injectable for tests).
    """

    def __init__(
        self,
        name: str,
        label: str,
        issuer: str,
        client_id: str,
        client_secret: str | None = None,
        scopes: str = "openid profile",
        http: Any | None = None,
        metadata: dict[str, Any] | None = None,
        algorithms: tuple[str, ...] = ID_TOKEN_ALGS,
    ) -> None:
        self.name, self.label, self.issuer = name, label, issuer.rstrip("/")
        self.client_id, self.client_secret, self.scopes = client_id, client_secret, scopes
        self._http = http
        self._metadata = metadata
        self.algorithms = tuple(a for a in algorithms if a != "none" and not a.startswith("HS"))
        self._jwks: KeySet | None = None

    @property
    def http(self):
        if self._http is None:
            import httpx

            self._http = httpx.Client(timeout=10)
        return self._http

    def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            resp = self.http.get(f"{self.issuer}/.well-known/openid-configuration")
            resp.raise_for_status()
            self._metadata = resp.json()
        return self._metadata

    def begin(self, redirect_uri: str) -> tuple[str, dict[str, str]]:
        state, nonce, verifier = (
            secrets.token_urlsafe(24),
            secrets.token_urlsafe(24),
            secrets.token_urlsafe(48),
        )
        challenge = _b64url(hashlib.sha256(verifier.encode()).digest())
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "scope": self.scopes,
                "state": state,
                "nonce": nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{self.metadata()['authorization_endpoint']}?{query}", {
            "state": state,
            "nonce": nonce,
            "verifier": verifier,
        }

    def complete(self, params: dict[str, str], kept: dict[str, str], redirect_uri: str) -> Identity:
        if "error" in params:
            raise NhcError(f"sign-in was not completed: {params.get('error_description') or params['error']}")
        if not params.get("state") or not secrets.compare_digest(params["state"], kept.get("state", "")):
            raise NhcError("sign-in state did not match; start again")
        data = {
            "grant_type": "authorization_code",
            "code": params.get("code", ""),
            "redirect_uri": redirect_uri,
            "client_id": self.client_id,
            "code_verifier": kept["verifier"],
        }
        if self.client_secret:
            data["client_secret"] = self.client_secret
        resp = self.http.post(self.metadata()["token_endpoint"], data=data)
        if resp.status_code != 200:
            raise NhcError(f"the identity provider refused the sign-in code (HTTP {resp.status_code})")
        claims = self.validate_id_token(resp.json().get("id_token", ""), kept["nonce"])
        return Identity(self.name, str(claims["sub"]), claims.get("name"), claims)

    def _keys(self, refresh: bool = False) -> KeySet:
        """The provider's signing keys (cached; fetched again when ``refresh``)."""
        if self._jwks is None or refresh:
            uri = self.metadata().get("jwks_uri")
            if not uri:
                raise NhcError("the identity provider publishes no signing keys (jwks_uri)")
            resp = self.http.get(uri)
            if resp.status_code != 200:
                raise NhcError(
                    f"could not fetch the identity provider's signing keys (HTTP {resp.status_code})"
                )
            try:
                self._jwks = KeySet.import_key_set(resp.json())
            except (JoseError, ValueError, TypeError, KeyError):
                raise NhcError("the identity provider's signing keys are malformed") from None
        return self._jwks

    def _verified_claims(self, id_token: str) -> dict[str, Any]:
        """The ID token's claims once its signature verifies with one of the provider's keys."""
        try:
            header = jws.extract_compact(id_token.encode()).headers()
        except (JoseError, ValueError, UnicodeError):
            raise NhcError("the identity provider returned a malformed ID token") from None
        if header.get("alg") not in self.algorithms:
            raise NhcError(
                f"ID token is not signed with an accepted algorithm ({str(header.get('alg'))[:20]})"
            )
        keys = self._keys()
        kid = header.get("kid")
        if kid and all(k.kid != kid for k in keys):
            keys = self._keys(refresh=True)  # the provider may have rotated its keys
        try:
            return dict(jwt.decode(id_token, keys, algorithms=list(self.algorithms)).claims)
        except (JoseError, ValueError, TypeError):
            raise NhcError("ID token signature does not verify against the provider's keys") from None

    def validate_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        claims = self._verified_claims(id_token)
        aud = claims.get("aud")
        auds = aud if isinstance(aud, list) else [aud]
        if str(claims.get("iss", "")).rstrip("/") != self.issuer:
            raise NhcError("ID token issuer does not match the provider")
        if self.client_id not in auds:
            raise NhcError("ID token is not for this application")
        if len(auds) > 1 and claims.get("azp") != self.client_id:
            raise NhcError("ID token was issued to another party (azp)")
        registry = jwt.JWTClaimsRegistry(leeway=LEEWAY, exp={"essential": True})
        try:
            registry.validate(claims)
        except JoseError:
            raise NhcError("ID token has expired") from None
        if not isinstance(nonce, str) or not nonce or claims.get("nonce") != nonce:
            raise NhcError("ID token nonce does not match")
        if not claims.get("sub"):
            raise NhcError("ID token has no subject")
        return claims
