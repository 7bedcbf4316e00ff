"""The OAuth use cases over the operational database: register, list and revoke clients; keep
authorisation codes and client assertion ids; issue, verify and revoke access tokens.

Every change is written with its audit line in one transaction (``oauth_client_created``,
``oauth_client_revoked``, ``oauth_token_issued``, ``oauth_token_revoked``), and every refused
token is audited (``oauth_token_refused``). A token is honoured only while its client is not
revoked, its account is active and its ``jti`` has not been revoked: those are checked on each use,
so revoking a client ends its tokens at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from joserfc.jwk import RSAKey
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from nhc.errors import NhcError
from nhc.security.accounts import user_named
from nhc.security.models import User
from nhc.security.oauth import tokens
from nhc.security.oauth.clients import APP, SYSTEM, RegisteredClient, check_client_scope, key_set_json
from nhc.security.oauth.models import OAuthAssertion, OAuthClient, OAuthCode, OAuthRevokedToken
from nhc.security.oauth.refresh import RefreshTokens
from nhc.security.oauth.tokens import TokenClaims, TokenRefused
from nhc.security.roles import Principal
from nhc.security.service import SecurityService
from nhc.security.sessions import principal_of

CODE_LIFETIME = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class TokenPolicy:
    """Access token lifetimes in seconds (SMART Backend Services: at most five minutes)."""

    system_lifetime: int = 300
    app_lifetime: int = 3600


@dataclass(frozen=True)
class TokenUse:
    """A verified token, with the principal it acts as (role and neighbourhoods of the account)."""

    claims: TokenClaims
    principal: Principal
    client: RegisteredClient


@dataclass(frozen=True)
class SavedCode:
    """A redeemed authorisation code (``ClientMixin``-style getters for Authlib)."""

    client_id: str
    user_id: int
    redirect_uri: str
    scope: str
    patient_id: int | None
    code_challenge: str
    code_challenge_method: str

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _snapshot(row: OAuthClient) -> RegisteredClient:
    return RegisteredClient(
        row.client_id,
        row.name,
        row.kind,
        row.scope,
        row.jwks,
        tuple(row.redirect_uris.split()),
        row.user_id,
        row.revoked_at is not None,
    )


class OAuthService:
    """Clients, codes and tokens, audited through the security service's log."""

    def __init__(self, security: SecurityService, key: RSAKey, policy: TokenPolicy | None = None) -> None:
        self.security = security
        self.key = key
        self.policy = policy or TokenPolicy()
        self.refresh = RefreshTokens(security)

    @property
    def _ctx(self):
        return self.security.ctx

    def now(self) -> int:
        """Now as seconds since the epoch, by the security service's clock."""
        return int(self._ctx.now().replace(tzinfo=dt.UTC).timestamp())

    # ----------------------------------------------------------------------------------- clients
    def create_client(
        self,
        name: str,
        kind: str,
        scope: str,
        *,
        keys: str | None = None,
        redirect_uris: tuple[str, ...] = (),
        username: str | None = None,
        created_by: str = "system",
    ) -> RegisteredClient:
        """Register a client (the administrator's act, audited). A system client needs a public
        key and the account it acts as; an app needs its exact redirect URIs."""
        if kind not in (SYSTEM, APP):
            raise NhcError(f"unknown client kind {kind!r}", hint="use system or app")
        scope = check_client_scope(kind, scope)
        jwks = key_set_json(keys) if keys else None
        if kind == SYSTEM and (jwks is None or not username):
            raise NhcError("a system client needs --jwks/--public-key and --user (the account it acts as)")
        if kind == APP and not redirect_uris:
            raise NhcError("an app needs at least one --redirect-uri")
        with self._ctx.transaction() as s:
            user_id = user_named(s, username).id if username else None
            row = OAuthClient(
                # Hex, so an id never starts with "-" (a command line would read it as an option).
                client_id=secrets.token_hex(16),
                name=name.strip()[:200] or "unnamed",
                kind=kind,
                scope=scope,
                jwks=jwks,
                redirect_uris=" ".join(redirect_uris),
                user_id=user_id,
                created_at=self._ctx.now(),
                created_by=created_by[:150],
            )
            s.add(row)
            s.flush()
            self.security.audit.write(
                s,
                None,
                "oauth_client_created",
                outcome="success",
                username=created_by,
                resource=f"client:{row.client_id}",
                detail=f"{kind} {name[:80]!r} scope={scope[:300]}",
            )
            return _snapshot(row)

    def list_clients(self) -> list[RegisteredClient]:
        with self._ctx.transaction() as s:
            return [_snapshot(r) for r in s.scalars(select(OAuthClient).order_by(OAuthClient.id))]

    def get_client(self, client_id: str) -> RegisteredClient | None:
        """The client, revoked or not (``None`` if unknown)."""
        if not isinstance(client_id, str) or len(client_id) > 64:
            return None
        with self._ctx.transaction() as s:
            row = s.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
            return _snapshot(row) if row else None

    def revoke_client(self, client_id: str, revoked_by: str = "system") -> None:
        """Revoke a client: it can get no more tokens, and the ones it has stop working now."""
        with self._ctx.transaction() as s:
            row = s.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
            if row is None:
                raise NhcError(f"no client {client_id!r}", hint="see nhc clients list")
            row.revoked_at = row.revoked_at or self._ctx.now()
            self.security.audit.write(
                s,
                None,
                "oauth_client_revoked",
                outcome="success",
                username=revoked_by,
                resource=f"client:{client_id}",
            )

    # ---------------------------------------------------------------------- codes and assertions
    def save_code(
        self,
        code: str,
        client_id: str,
        user_id: int,
        redirect_uri: str,
        scope: str,
        patient_id: int | None,
        challenge: str,
        method: str,
    ) -> None:
        with self._ctx.transaction() as s:
            s.add(
                OAuthCode(
                    code_hash=_hash(code),
                    client_id=client_id,
                    user_id=user_id,
                    redirect_uri=redirect_uri,
                    scope=scope,
                    patient_id=patient_id,
                    code_challenge=challenge,
                    code_challenge_method=method,
                    expires_at=self._ctx.now() + CODE_LIFETIME,
                )
            )

    def redeem_code(self, code: str, client_id: str) -> SavedCode | None:
        """The code's grant, deleted in the same transaction (single use even under races);
        ``None`` if unknown, expired or issued to another client."""
        with self._ctx.transaction() as s:
            row = s.get(OAuthCode, _hash(code or ""))
            if row is None:
                return None
            gone = s.execute(delete(OAuthCode).where(OAuthCode.code_hash == row.code_hash)).rowcount
            if gone != 1 or row.client_id != client_id or row.expires_at < self._ctx.now():
                return None
            return SavedCode(
                row.client_id,
                row.user_id,
                row.redirect_uri,
                row.scope,
                row.patient_id,
                row.code_challenge,
                row.code_challenge_method,
            )

    def first_use_of_assertion(self, client_id: str, jti: str, expires: int) -> bool:
        """Record a client assertion's ``jti``; ``False`` if it was seen before (a replay)."""
        until = dt.datetime.fromtimestamp(expires, dt.UTC).replace(tzinfo=None)
        try:
            with self._ctx.transaction() as s:
                s.execute(delete(OAuthAssertion).where(OAuthAssertion.expires_at < self._ctx.now()))
                s.add(OAuthAssertion(client_id=client_id, jti=str(jti)[:255], expires_at=until))
        except IntegrityError:
            return False
        return True

    # ------------------------------------------------------------------------------------ tokens
    def issue_token(
        self,
        client: RegisteredClient,
        user_id: int,
        scope: str,
        patient_id: int | None,
        *,
        issuer: str,
        audience: str,
    ) -> dict[str, object]:
        """A signed access token response (RFC 6749 5.1, with SMART's ``patient``), audited."""
        lifetime = self.policy.system_lifetime if client.kind == SYSTEM else self.policy.app_lifetime
        token, claims = tokens.issue(
            self.key,
            issuer=issuer,
            audience=audience,
            client_id=client.client_id,
            user_id=user_id,
            scope=scope,
            lifetime=lifetime,
            patient_id=patient_id,
            now=self.now(),
        )
        with self._ctx.transaction() as s:
            user = s.get(User, user_id)
            self.security.audit.write(
                s,
                principal_of(user) if user else None,
                "oauth_token_issued",
                outcome="success",
                patient_id=patient_id,
                resource=f"client:{client.client_id}",
                detail=f"jti={claims.jti} scope={scope[:300]}",
            )
        out: dict[str, object] = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": lifetime,
            "scope": scope,
        }
        if patient_id is not None:
            out["patient"] = str(patient_id)
        return out

    def verify_token(
        self, token: str, *, issuer: str, audience: str, ip: str | None = None, resource: str | None = None
    ) -> TokenUse:
        """The live token's use (:class:`TokenRefused`, audited, otherwise)."""
        try:
            claims = tokens.verify(token, self.key, issuer=issuer, audience=audience, now=self.now())
            return self._live(claims)
        except TokenRefused as exc:
            self.security.audit.record(
                None,
                "oauth_token_refused",
                outcome="denied",
                username="bearer token",
                ip=ip,
                resource=resource,
                detail=exc.reason[:200],
            )
            raise

    def _live(self, claims: TokenClaims) -> TokenUse:
        with self._ctx.transaction() as s:
            row = s.scalar(select(OAuthClient).where(OAuthClient.client_id == claims.client_id))
            if row is None or row.revoked_at is not None:
                raise TokenRefused("the client this token was issued to has been revoked")
            if s.get(OAuthRevokedToken, claims.jti) is not None:
                raise TokenRefused("the access token has been revoked")
            user = s.get(User, claims.user_id)
            if user is None or not user.active:
                raise TokenRefused("the account this token acts as is disabled")
            return TokenUse(claims, principal_of(user), _snapshot(row))

    def revoke_token(self, token: str, client: RegisteredClient, *, issuer: str, audience: str) -> None:
        """RFC 7009: revoke one of ``client``'s tokens (anything else is ignored, as the RFC says).
        A refresh token revokes its whole family."""
        if self.refresh.revoke(token, client):
            return
        try:
            claims = tokens.verify(token, self.key, issuer=issuer, audience=audience, now=self.now())
        except TokenRefused:
            return
        if claims.client_id != client.client_id:
            return
        with self._ctx.transaction() as s:
            if s.get(OAuthRevokedToken, claims.jti) is None:
                s.add(
                    OAuthRevokedToken(
                        jti=claims.jti,
                        revoked_at=self._ctx.now(),
                        expires_at=dt.datetime.fromtimestamp(claims.expires_at, dt.UTC).replace(tzinfo=None),
                    )
                )
                self.security.audit.write(
                    s,
                    None,
                    "oauth_token_revoked",
                    outcome="success",
                    username=f"client:{client.client_id}"[:150],
                    detail=f"jti={claims.jti}",
                )

    def principal(self, user_id: int) -> Principal | None:
        with self._ctx.transaction() as s:
            user = s.get(User, user_id)
            return principal_of(user) if user is not None and user.active else None
