"""NHC's access tokens: JWTs signed with the data folder's key (:mod:`~nhc.security.oauth.keys`).

Claims: ``iss`` (this server), ``aud`` (the FHIR base URL the token is for), ``sub`` (the NHC
account the token acts as), ``client_id``, ``scope``, ``iat``/``exp``, ``jti`` (for revocation) and,
for a token bound to one patient, ``patient``. :func:`verify` checks the signature with the one
fixed algorithm and every claim; whether the client, the account and the token itself are still
live is checked against the database by the service.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from nhc.security.oauth.keys import TOKEN_ALG


class TokenRefused(Exception):
    """An access token that must not be honoured; ``reason`` is safe to show the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TokenClaims:
    """A verified access token."""

    jti: str
    client_id: str
    user_id: int
    scope: str
    patient_id: int | None
    expires_at: int


def issue(
    key: RSAKey,
    *,
    issuer: str,
    audience: str,
    client_id: str,
    user_id: int,
    scope: str,
    lifetime: int,
    patient_id: int | None = None,
    now: int | None = None,
) -> tuple[str, TokenClaims]:
    """A signed access token and its claims."""
    now = int(time.time()) if now is None else now
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": str(user_id),
        "client_id": client_id,
        "scope": scope,
        "iat": now,
        "exp": now + lifetime,
        "jti": secrets.token_urlsafe(24),
    }
    if patient_id is not None:
        claims["patient"] = str(patient_id)
    token = jwt.encode(
        {"alg": TOKEN_ALG, "typ": "at+jwt", "kid": key.kid}, claims, key, algorithms=[TOKEN_ALG]
    )
    return token, _claims(claims)


def _claims(c: dict[str, Any]) -> TokenClaims:
    patient = c.get("patient")
    return TokenClaims(
        jti=str(c["jti"]),
        client_id=str(c["client_id"]),
        user_id=int(c["sub"]),
        scope=str(c.get("scope", "")),
        patient_id=int(patient) if patient is not None else None,
        expires_at=int(c["exp"]),
    )


def verify(token: str, key: RSAKey, *, issuer: str, audience: str, now: int | None = None) -> TokenClaims:
    """The claims of a token NHC signed for ``audience``; :class:`TokenRefused` otherwise
    (malformed, another algorithm, a bad signature, another issuer or audience, expired)."""
    try:
        decoded = jwt.decode(token, key, algorithms=[TOKEN_ALG])
    except (JoseError, ValueError, TypeError):
        raise TokenRefused("the access token is malformed or its signature is not NHC's") from None
    registry = jwt.JWTClaimsRegistry(
        now=now,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": audience},
        exp={"essential": True},
        sub={"essential": True},
        jti={"essential": True},
        client_id={"essential": True},
    )
    try:
        registry.validate(decoded.claims)
    except JoseError as exc:
        reason = {
            "expired_token": "the access token has expired",
            "invalid_claim": f"the access token is not for this server ({exc.description})",
        }.get(exc.error, f"the access token was refused ({exc.description})")
        raise TokenRefused(reason) from None
    try:
        return _claims(decoded.claims)
    except (KeyError, ValueError, TypeError):
        raise TokenRefused("the access token's claims are malformed") from None
