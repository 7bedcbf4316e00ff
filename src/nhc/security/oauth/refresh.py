"""Refresh tokens for user-facing apps (SMART ``offline_access`` / ``online_access``), rotated on
every use as the OAuth 2.0 Security BCP (RFC 9700, 4.14.2) asks.

* A refresh token is 256 random bits; only its SHA-256 is stored (``oauth_refresh_tokens``), so a
  copy of the database grants nothing.
* Each one belongs to a *family* started by one authorisation. Redeeming a token spends it and
  issues the next in the family, in one transaction; the family keeps its scope, its patient and
  its absolute expiry (``offline_access``: :attr:`RefreshPolicy.offline_seconds`;
  ``online_access``: :attr:`RefreshPolicy.online_seconds`, a working day).
* A spent token presented again means someone holds a copy: the whole family is revoked (the
  honest client and the thief both have to authorise again) and the reuse is audited.
* The client must be the one the family was issued to, still registered; the account still active.

Every change is written with its audit line in the same transaction (``oauth_refresh_issued``,
``oauth_refresh_rotated``, ``oauth_refresh_reused``, ``oauth_refresh_revoked``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session

from nhc.security.oauth.clients import APP, RegisteredClient
from nhc.security.oauth.models import OAuthRefreshToken
from nhc.security.service import SecurityService

OFFLINE, ONLINE = "offline_access", "online_access"


@dataclass(frozen=True)
class RefreshPolicy:
    """How long a family of refresh tokens lives, from the authorisation that started it."""

    offline_seconds: int = 90 * 24 * 3600
    online_seconds: int = 8 * 3600


@dataclass(frozen=True)
class SavedRefresh:
    """A live, unspent refresh token as Authlib's refresh grant sees it."""

    token_hash: str
    family: str
    client_id: str
    user_id: int
    scope: str
    patient_id: int | None

    def check_client(self, client: RegisteredClient) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        return self.scope


def wants_refresh(scope: str) -> str | None:
    """``offline_access`` or ``online_access`` if the granted scope holds one (offline wins)."""
    parts = scope.split()
    return OFFLINE if OFFLINE in parts else ONLINE if ONLINE in parts else None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class RefreshTokens:
    """Issue, redeem (with rotation and reuse detection) and revoke refresh tokens."""

    def __init__(self, security: SecurityService, policy: RefreshPolicy | None = None) -> None:
        self.security = security
        self.policy = policy or RefreshPolicy()

    @property
    def _ctx(self):
        return self.security.ctx

    def start(self, client: RegisteredClient, user_id: int, scope: str, patient_id: int | None) -> str | None:
        """A new family's first token, if ``scope`` asks for one and the client is an app
        (backend systems get fresh access tokens with their assertion instead)."""
        kind = wants_refresh(scope)
        if kind is None or client.kind != APP:
            return None
        seconds = self.policy.offline_seconds if kind == OFFLINE else self.policy.online_seconds
        with self._ctx.transaction() as s:
            row = OAuthRefreshToken(
                family=secrets.token_hex(16),
                client_id=client.client_id,
                user_id=user_id,
                scope=scope,
                patient_id=patient_id,
                expires_at=self._ctx.now() + dt.timedelta(seconds=seconds),
            )
            token = self._add(s, row)
            self._audit(s, row, "oauth_refresh_issued", "success", f"{kind} family={row.family}")
        return token

    def _add(self, s: Session, row: OAuthRefreshToken) -> str:
        token = secrets.token_urlsafe(32)
        row.token_hash, row.created_at = _hash(token), self._ctx.now()
        s.add(row)
        s.flush()
        return token

    def find(self, token: str) -> SavedRefresh | None:
        """The live, unspent token; ``None`` if unknown, expired or revoked. A spent token revokes
        its family (audited) and is ``None`` too."""
        if not isinstance(token, str) or not token or len(token) > 200:
            return None
        with self._ctx.transaction() as s:
            row = s.get(OAuthRefreshToken, _hash(token))
            if row is None or row.revoked_at is not None or row.expires_at <= self._ctx.now():
                return None
            if row.used_at is not None:
                self._revoke_family(s, row, "oauth_refresh_reused", "denied")
                return None
            return SavedRefresh(
                row.token_hash, row.family, row.client_id, row.user_id, row.scope, row.patient_id
            )

    def rotate(self, saved: SavedRefresh) -> str | None:
        """Spend ``saved`` and return the next token of its family, in one transaction. ``None``
        (and the family revoked) if another request spent it first: only one of two racing
        redemptions of the same token can win."""
        with self._ctx.transaction() as s:
            now = self._ctx.now()
            spent = s.execute(
                update(OAuthRefreshToken)
                .where(
                    OAuthRefreshToken.token_hash == saved.token_hash,
                    OAuthRefreshToken.used_at.is_(None),
                    OAuthRefreshToken.revoked_at.is_(None),
                )
                .values(used_at=now)
            ).rowcount
            old = s.get(OAuthRefreshToken, saved.token_hash)
            if spent != 1 or old is None:
                if old is not None:
                    self._revoke_family(s, old, "oauth_refresh_reused", "denied")
                return None
            row = OAuthRefreshToken(
                family=old.family,
                client_id=old.client_id,
                user_id=old.user_id,
                scope=old.scope,
                patient_id=old.patient_id,
                expires_at=old.expires_at,  # the family's absolute expiry never moves
            )
            token = self._add(s, row)
            self._audit(s, row, "oauth_refresh_rotated", "success", f"family={row.family}")
            return token

    def revoke(self, token: str, client: RegisteredClient) -> bool:
        """RFC 7009 for a refresh token: revoke its family if it is ``client``'s (``False`` if the
        token is not one of ours)."""
        if not isinstance(token, str) or not token or len(token) > 200:
            return False
        with self._ctx.transaction() as s:
            row = s.get(OAuthRefreshToken, _hash(token))
            if row is None or row.client_id != client.client_id:
                return False
            if row.revoked_at is None:
                self._revoke_family(s, row, "oauth_refresh_revoked", "success")
            return True

    def _revoke_family(self, s: Session, row: OAuthRefreshToken, action: str, outcome: str) -> None:
        s.execute(
            update(OAuthRefreshToken)
            .where(OAuthRefreshToken.family == row.family, OAuthRefreshToken.revoked_at.is_(None))
            .values(revoked_at=self._ctx.now())
        )
        self._audit(s, row, action, outcome, f"family={row.family}")

    def _audit(self, s: Session, row: OAuthRefreshToken, action: str, outcome: str, detail: str) -> None:
        self.security.audit.write(
            s,
            None,
            action,
            outcome=outcome,
            username=f"client:{row.client_id}"[:150],
            patient_id=row.patient_id,
            resource=f"client:{row.client_id}",
            detail=detail,
        )
