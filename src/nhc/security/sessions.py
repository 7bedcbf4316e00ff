"""Sign-in sessions: opened for an identity, looked up on every request, ended.

The browser holds a random token; the database holds only its SHA-256 (``user_sessions.id``), so
a copy of the database does not sign anyone in. A session ends when it is signed out, when it has
lasted ``policy.session_hours``, when it has been idle ``policy.idle_minutes``, or when its user's
password is set or account disabled (:meth:`Sessions.end_all_in`, in that change's transaction).

A live session is remembered in this process for ``policy.cache_seconds`` so a page does not cost a
database round trip; ending sessions here drops them from that memory at once, and other worker
processes' memories expire within those seconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nhc.security.audit import Action, AuditLog, Outcome
from nhc.security.context import SecurityContext
from nhc.security.errors import SignInError
from nhc.security.identity import Identity
from nhc.security.models import User, UserSession
from nhc.security.roles import Principal, Role

MAX_CACHED = 10_000  # sessions remembered in memory; the memory is emptied past this
TOUCH_SECONDS = 60  # ``last_seen`` is written at most this often per session


class SessionState(StrEnum):
    LIVE = "live"
    REVOKED = "revoked"  # signed out, or ended by a password change or a disabled account
    EXPIRED = "expired"  # older than the absolute lifetime
    IDLE = "idle"  # unused for longer than the idle limit (ended when found so)


def session_state(
    *, revoked: bool, expires_at: dt.datetime, last_seen: dt.datetime, now: dt.datetime, idle_minutes: float
) -> SessionState:
    """Whether a session is usable at ``now`` and, if not, why (the first reason that applies)."""
    if revoked:
        return SessionState.REVOKED
    if expires_at <= now:
        return SessionState.EXPIRED
    if last_seen + dt.timedelta(minutes=idle_minutes) <= now:
        return SessionState.IDLE
    return SessionState.LIVE


def hash_token(token: str) -> str:
    """The stored id of the session whose cookie token is ``token``."""
    return hashlib.sha256(token.encode()).hexdigest()


def principal_of(user: User, session_id: str | None = None) -> Principal:
    """The user as the services see them (role and neighbourhoods from the local record)."""
    return Principal(
        user.id,
        user.username,
        user.display_name,
        Role(user.role),
        frozenset(n.neighbourhood for n in user.neighbourhoods),
        session_id,
    )


class Sessions:
    """Open, look up and end sessions (and keep the short in-process memory of live ones)."""

    def __init__(self, ctx: SecurityContext, audit: AuditLog) -> None:
        self.ctx = ctx
        self.audit = audit
        self._cache: dict[str, tuple[dt.datetime, Principal, str]] = {}

    def open_in(self, s: Session, identity: Identity, ip: str | None) -> tuple[Principal, str] | None:
        """In the caller's transaction: a new session for the active local user mapped to
        ``identity`` — (principal, cookie token) — and its ``sign_in`` audit line; or ``None`` with
        a ``failure`` audit line when no active account maps to it."""
        now = self.ctx.now()
        user = s.scalar(
            select(User).where(User.identity_provider == identity.provider, User.subject == identity.subject)
        )
        if user is None or not user.active:
            self.audit.write(
                s,
                None,
                Action.SIGN_IN,
                username=f"{identity.provider}:{identity.subject}",
                outcome=Outcome.FAILURE,
                ip=ip,
                detail="no active local account for this identity",
            )
            return None
        token = secrets.token_urlsafe(32)
        sess = UserSession(
            id=hash_token(token),
            user_id=user.id,
            csrf_secret=secrets.token_hex(32),
            created_at=now,
            last_seen=now,
            ip=ip,
            revoked=False,
            expires_at=now + dt.timedelta(hours=self.ctx.policy.session_hours),
        )
        s.add(sess)
        self.audit.write(
            s,
            principal_of(user),
            Action.SIGN_IN,
            outcome=Outcome.SUCCESS,
            ip=ip,
            detail=f"provider={identity.provider}",
        )
        return principal_of(user, sess.id), token

    def start(self, identity: Identity, ip: str | None) -> tuple[Principal, str]:
        """A session for an identity established by any provider (the user must exist and be
        active), in one transaction with its audit line; :class:`SignInError` otherwise, raised
        after the commit so the refusal's audit line is kept."""
        with self.ctx.transaction() as s:
            opened = self.open_in(s, identity, ip)
        if opened is None:
            raise SignInError("Your account is not set up to use this service. Ask an administrator.")
        return opened

    def lookup(self, token: str | None) -> tuple[Principal, str] | None:
        """The principal and CSRF secret of a live session, or ``None``. An idle session found
        here is ended; a live one's ``last_seen`` is brought up to date."""
        if not token or len(token) > 200:
            return None
        now = self.ctx.now()
        key = hash_token(token)
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1], hit[2]
        with self.ctx.transaction() as s:
            sess = s.get(UserSession, key)
            if sess is None:
                return None
            state = session_state(
                revoked=sess.revoked,
                expires_at=sess.expires_at,
                last_seen=sess.last_seen,
                now=now,
                idle_minutes=self.ctx.policy.idle_minutes,
            )
            if state is SessionState.IDLE:
                sess.revoked = True
            user = s.get(User, sess.user_id) if state is SessionState.LIVE else None
            if user is None or not user.active:
                return None
            if (now - sess.last_seen).total_seconds() > TOUCH_SECONDS:
                sess.last_seen = now
            found = principal_of(user, sess.id), sess.csrf_secret
            ttl = min(dt.timedelta(seconds=self.ctx.policy.cache_seconds), sess.expires_at - now)
        if len(self._cache) > MAX_CACHED:
            self._cache.clear()
        self._cache[key] = (now + ttl, *found)
        return found

    def end(self, token: str | None) -> None:
        """Sign out: end the session whose token this is (audited when it was live)."""
        if not token:
            return
        self._cache.pop(hash_token(token), None)
        with self.ctx.transaction() as s:
            sess = s.get(UserSession, hash_token(token))
            if sess is not None and not sess.revoked:
                sess.revoked = True
                user = s.get(User, sess.user_id)
                if user is not None:
                    self.audit.write(s, principal_of(user), Action.SIGN_OUT, outcome=Outcome.SUCCESS)

    @staticmethod
    def end_all_in(s: Session, user_id: int) -> int:
        """Revoke every live session of a user in the caller's transaction; how many were live.
        Call :meth:`forget` after the commit."""
        result = s.execute(
            update(UserSession)
            .where(UserSession.user_id == user_id, UserSession.revoked.is_(False))
            .values(revoked=True)
        )
        return result.rowcount or 0

    def forget(self, user_id: int) -> None:
        """Drop a user's sessions from this process's memory (keyed by token hash, so by scanning);
        called after the commit so a concurrent page cannot re-remember a session still live in
        the database."""
        for key, (_, principal, _) in list(self._cache.items()):
            if principal.user_id == user_id:
                self._cache.pop(key, None)
