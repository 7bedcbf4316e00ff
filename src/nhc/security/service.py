"""The security service: accounts, sign-in (rate-limited), sessions, legitimate relationships,
break-glass and the audit log. Pages and the API call this; it knows nothing about HTTP.

Every person-level read goes through :meth:`SecurityService.authorise_patient_read`, which decides
(role, then relationship: neighbourhood, caseload or active break-glass) and writes the decision to
the audit log whatever the outcome.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from nhc.db import Database, utcnow
from nhc.errors import NhcError
from nhc.security.identity import Identity, IdentityProvider, LocalIdentityProvider, PasswordIdentityProvider
from nhc.security.models import (
    AuditEvent,
    BreakGlass,
    CareRelationship,
    SignInAttempt,
    User,
    UserNeighbourhood,
    UserSession,
)
from nhc.security.passwords import hash_password
from nhc.security.request_context import current_client_ip
from nhc.security.roles import Principal, Role, parse_role


class AccessDenied(NhcError):
    """The user may not see or do this (HTTP 403)."""

    def __init__(self, message: str, *, can_break_glass: bool = False) -> None:
        super().__init__(message)
        self.can_break_glass = can_break_glass


class SignInError(NhcError):
    """Sign-in failed; ``locked`` when too many attempts were made (HTTP 429)."""

    def __init__(self, message: str, *, locked: bool = False) -> None:
        super().__init__(message)
        self.locked = locked


@dataclass(frozen=True)
class SecurityPolicy:
    session_hours: float = 8.0
    idle_minutes: float = 60.0
    break_glass_minutes: float = 30.0
    break_glass_min_reason: int = 10
    max_failures_per_account: int = 5
    max_failures_per_ip: int = 20
    lockout_minutes: float = 15.0
    # A live session (and a user's break-glass grants) is remembered in memory this long, so a page
    # does not cost a database round trip; sign-out in the same process takes effect at once.
    cache_seconds: float = 5.0


@dataclass(frozen=True)
class AccessDecision:
    allowed: bool
    basis: str  # neighbourhood | caseload | break-glass | none
    message: str = ""


@dataclass(frozen=True)
class BreakGlassGrant:
    id: int
    patient_id: int
    reason: str
    started_at: dt.datetime
    expires_at: dt.datetime


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    display_name: str
    role: str
    neighbourhoods: tuple[str, ...]
    active: bool
    identity_provider: str


@dataclass(frozen=True)
class AuditView:
    id: int
    at: dt.datetime
    username: str
    role: str | None
    action: str
    patient_id: int | None
    resource: str | None
    reason: str | None
    outcome: str
    ip: str | None
    detail: str | None


def _audit_ip(ip: str | None) -> str | None:
    """The address to record: the one given, else the current web request's client address (set by
    the web app's request-context middleware), else none (command line, background work)."""
    ip = ip or current_client_ip()
    return ip[:64] if ip else None


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@functools.cache
def _neighbourhood_names() -> dict[str, str]:
    """The neighbourhoods of the reference geography, keyed by a forgiving spelling (case and
    spacing ignored) to the canonical name."""
    from nhc.reference.geography import neighbourhoods

    return {_name_key(n): n for n in neighbourhoods().column("neighbourhood").to_pylist()}


def _name_key(name: str) -> str:
    return re.sub(r"\s+", " ", str(name)).strip().casefold()


def check_neighbourhoods(names: Iterable[str]) -> list[str]:
    """The canonical, sorted, de-duplicated spelling of each neighbourhood in ``names``.

    Raises :class:`~nhc.errors.NhcError` naming the first one that is not a neighbourhood of the
    reference geography, so a user cannot be given a neighbourhood that no patient belongs to (a
    typo would otherwise leave them seeing nothing, or match a name added later by mistake).
    """
    known = _neighbourhood_names()
    found: set[str] = set()
    for name in names:
        canonical = known.get(_name_key(name))
        if canonical is None:
            raise NhcError(
                f"There is no neighbourhood called {str(name).strip()!r}. "
                "Use the name of a neighbourhood of the reference geography",
                hint=f"known neighbourhoods: {', '.join(sorted(known.values()))}",
            )
        found.add(canonical)
    return sorted(found)


def _principal(user: User, session_id: str | None = None) -> Principal:
    return Principal(
        user.id,
        user.username,
        user.display_name,
        Role(user.role),
        frozenset(n.neighbourhood for n in user.neighbourhoods),
        session_id,
    )


class SecurityService:
    def __init__(
        self,
        db: Database,
        *,
        policy: SecurityPolicy | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
        providers: Iterable[IdentityProvider] = (),
    ) -> None:
        self.db = db
        self.policy = policy or SecurityPolicy()
        self.clock = clock
        self.providers: dict[str, IdentityProvider] = {"local": LocalIdentityProvider()}
        for p in providers:
            self.providers[p.name] = p
        self._sessions: dict[str, tuple[dt.datetime, Principal, str]] = {}
        self._grants: dict[int, tuple[dt.datetime, list[BreakGlassGrant]]] = {}

    # ------------------------------------------------------------------ users
    def create_user(
        self,
        username: str,
        display_name: str,
        role: str | Role,
        *,
        password: str | None = None,
        neighbourhoods: Iterable[str] = (),
        provider: str = "local",
        subject: str | None = None,
    ) -> UserView:
        username = username.strip()
        if not username or len(username) > 150:
            raise NhcError("username must be 1-150 characters")
        role = parse_role(role) if isinstance(role, str) else role
        if provider == "local" and not password:
            raise NhcError("a local account needs a password")
        neighbourhoods = check_neighbourhoods(neighbourhoods)
        with self.db.unit_of_work() as s:
            if s.scalar(select(User).where(User.username == username)):
                raise NhcError(f"user {username!r} already exists")
            user = User(
                username=username,
                display_name=display_name.strip() or username,
                role=role.value,
                password_hash=hash_password(password, username=username) if password else None,
                identity_provider=provider,
                subject=subject or username,
                active=True,
                created_at=self.clock(),
            )
            user.neighbourhoods = [UserNeighbourhood(neighbourhood=n) for n in neighbourhoods]
            s.add(user)
            s.flush()
            self._audit(
                s,
                None,
                "user_created",
                resource=f"user:{username}",
                outcome="success",
                detail=f"role={role.value}; neighbourhoods={'; '.join(neighbourhoods)}",
            )
            return self._user_view(user)

    def set_password(self, username: str, password: str) -> None:
        """Set (or reset) a user's password and end every session they have, in one transaction:
        whoever was signed in with the old password must sign in again with the new one."""
        with self.db.unit_of_work() as s:
            user = self._user_named(s, username)
            user.password_hash = hash_password(password, username=username)
            ended = self._end_sessions(s, user.id)
            self._audit(
                s,
                None,
                "password_set",
                resource=f"user:{username}",
                outcome="success",
                detail=f"sessions ended={ended}",
            )
            user_id = user.id
        self._forget_sessions(user_id)

    def set_active(self, username: str, active: bool) -> UserView:
        """Enable or disable an account. Disabling ends every session the user has at once (in the
        same transaction), and a disabled user cannot sign in until enabled again."""
        with self.db.unit_of_work() as s:
            user = self._user_named(s, username)
            user.active = active
            ended = 0 if active else self._end_sessions(s, user.id)
            self._audit(
                s,
                None,
                "user_enabled" if active else "user_disabled",
                resource=f"user:{username}",
                outcome="success",
                detail=f"sessions ended={ended}",
            )
            view = self._user_view(user)
        self._forget_sessions(view.id)
        return view

    @staticmethod
    def _user_named(s: Session, username: str) -> User:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise NhcError(f"no user {username!r}")
        return user

    @staticmethod
    def _end_sessions(s: Session, user_id: int) -> int:
        """Revoke every live session of a user in the caller's transaction; how many were live."""
        result = s.execute(
            update(UserSession)
            .where(UserSession.user_id == user_id, UserSession.revoked.is_(False))
            .values(revoked=True)
        )
        return result.rowcount or 0

    def _forget_sessions(self, user_id: int) -> None:
        """Drop a user's sessions from this process's cache (keyed by token hash, so by scanning);
        called after the commit so a concurrent page cannot re-cache a session still live in the
        database. Other worker processes' caches expire within ``policy.cache_seconds``."""
        for key, (_, principal, _) in list(self._sessions.items()):
            if principal.user_id == user_id:
                self._sessions.pop(key, None)

    def list_users(self) -> list[UserView]:
        with self.db.unit_of_work() as s:
            return [self._user_view(u) for u in s.scalars(select(User).order_by(User.username))]

    def get_user(self, username: str) -> UserView | None:
        with self.db.unit_of_work() as s:
            u = s.scalar(select(User).where(User.username == username))
            return self._user_view(u) if u else None

    @staticmethod
    def _user_view(u: User) -> UserView:
        return UserView(
            u.id,
            u.username,
            u.display_name,
            u.role,
            tuple(sorted(n.neighbourhood for n in u.neighbourhoods)),
            u.active,
            u.identity_provider,
        )

    def add_relationship(
        self, user_id: int, patient_id: int, kind: str = "caseload", ends_at: dt.datetime | None = None
    ) -> None:
        """Record a legitimate relationship (caseload, referral...) between a user and a patient."""
        with self.db.unit_of_work() as s:
            s.add(
                CareRelationship(
                    user_id=user_id,
                    patient_id=patient_id,
                    kind=kind,
                    started_at=self.clock(),
                    ends_at=ends_at,
                )
            )
            self._audit(
                s,
                None,
                "relationship_added",
                patient_id=patient_id,
                resource=f"user_id:{user_id}",
                outcome="success",
                detail=kind,
            )

    # ---------------------------------------------------------------- sign-in
    def sign_in(
        self, username: str, password: str, ip: str, provider: str = "local"
    ) -> tuple[Principal, str]:
        """Check the credentials; on success a new session: (principal, cookie token)."""
        username = (username or "").strip()[:150]
        ip = (ip or "unknown")[:64]
        idp = self.providers.get(provider)
        if not isinstance(idp, PasswordIdentityProvider):
            raise SignInError("unknown sign-in method")
        now = self.clock()
        since = now - dt.timedelta(minutes=self.policy.lockout_minutes)
        locked = False
        with self.db.unit_of_work() as s:
            if self._locked(s, username, ip, since):
                locked = True
                s.add(SignInAttempt(at=now, username=username, ip=ip, success=False))
                self._audit(s, None, "sign_in", username=username, outcome="locked", ip=ip)
        if locked:  # raised after the commit, so the attempt and its audit line are kept
            raise SignInError(
                f"Too many failed sign-in attempts. For your security, sign-in is locked for "
                f"{int(self.policy.lockout_minutes)} minutes. Try again later.",
                locked=True,
            )
        with self.db.unit_of_work() as s:
            identity = idp.authenticate(s, username, password) if username and password else None
            s.add(SignInAttempt(at=now, username=username, ip=ip, success=identity is not None))
            if identity is None:
                self._audit(s, None, "sign_in", username=username or "(blank)", outcome="failure", ip=ip)
        if identity is None:
            raise SignInError("Enter a correct username and password")
        return self.start_session(identity, ip)

    def _locked(self, s: Session, username: str, ip: str, since: dt.datetime) -> bool:
        last_ok = s.scalar(
            select(func.max(SignInAttempt.at)).where(
                SignInAttempt.username == username, SignInAttempt.success.is_(True)
            )
        )
        acc_since = max(since, last_ok) if last_ok else since
        acc_failures = (
            s.scalar(
                select(func.count())
                .select_from(SignInAttempt)
                .where(
                    SignInAttempt.username == username,
                    SignInAttempt.success.is_(False),
                    SignInAttempt.at > acc_since,
                )
            )
            or 0
        )
        ip_failures = (
            s.scalar(
                select(func.count())
                .select_from(SignInAttempt)
                .where(SignInAttempt.ip == ip, SignInAttempt.success.is_(False), SignInAttempt.at > since)
            )
            or 0
        )
        return (
            acc_failures >= self.policy.max_failures_per_account
            or ip_failures >= self.policy.max_failures_per_ip
        )

    def start_session(self, identity: Identity, ip: str | None) -> tuple[Principal, str]:
        """A session for an identity established by any provider (the user must exist and be active)."""
        now = self.clock()
        with self.db.unit_of_work() as s:
            user = s.scalar(
                select(User).where(
                    User.identity_provider == identity.provider, User.subject == identity.subject
                )
            )
            if user is None or not user.active:
                self._audit(
                    s,
                    None,
                    "sign_in",
                    username=f"{identity.provider}:{identity.subject}",
                    outcome="failure",
                    ip=ip,
                    detail="no active local account for this identity",
                )
                token = None
            else:
                token = secrets.token_urlsafe(32)
        if token is None:  # raised after the commit, so the audit line is kept
            raise SignInError("Your account is not set up to use this service. Ask an administrator.")
        with self.db.unit_of_work() as s:
            user = s.scalar(
                select(User).where(
                    User.identity_provider == identity.provider, User.subject == identity.subject
                )
            )
            sess = UserSession(
                id=_hash_token(token),
                user_id=user.id,
                csrf_secret=secrets.token_hex(32),
                created_at=now,
                last_seen=now,
                ip=ip,
                revoked=False,
                expires_at=now + dt.timedelta(hours=self.policy.session_hours),
            )
            s.add(sess)
            self._audit(
                s,
                _principal(user),
                "sign_in",
                outcome="success",
                ip=ip,
                detail=f"provider={identity.provider}",
            )
            return _principal(user, sess.id), token

    def session(self, token: str | None) -> tuple[Principal, str] | None:
        """The principal and CSRF secret of a live session, or ``None``."""
        if not token or len(token) > 200:
            return None
        now = self.clock()
        key = _hash_token(token)
        hit = self._sessions.get(key)
        if hit is not None and hit[0] > now:
            return hit[1], hit[2]
        with self.db.unit_of_work() as s:
            sess = s.get(UserSession, key)
            if sess is None or sess.revoked or sess.expires_at <= now:
                return None
            if sess.last_seen + dt.timedelta(minutes=self.policy.idle_minutes) <= now:
                sess.revoked = True
                return None
            user = s.get(User, sess.user_id)
            if user is None or not user.active:
                return None
            if (now - sess.last_seen).total_seconds() > 60:
                sess.last_seen = now
            found = _principal(user, sess.id), sess.csrf_secret
            ttl = min(dt.timedelta(seconds=self.policy.cache_seconds), sess.expires_at - now)
        if len(self._sessions) > 10_000:
            self._sessions.clear()
        self._sessions[key] = (now + ttl, *found)
        return found

    def sign_out(self, token: str | None) -> None:
        if not token:
            return
        self._sessions.pop(_hash_token(token), None)
        with self.db.unit_of_work() as s:
            sess = s.get(UserSession, _hash_token(token))
            if sess is not None and not sess.revoked:
                sess.revoked = True
                user = s.get(User, sess.user_id)
                if user is not None:
                    self._audit(s, _principal(user), "sign_out", outcome="success")

    # ------------------------------------------------------------------ access
    def require_role(self, principal: Principal, *roles: Role, what: str = "this page") -> None:
        if principal.role not in roles:
            raise AccessDenied(f"Your role ({principal.role_label}) cannot see {what}.")

    def can_view_neighbourhood_people(self, principal: Principal, neighbourhood: str) -> bool:
        return principal.is_clinical and neighbourhood in principal.neighbourhoods

    def check_patient_access(
        self, principal: Principal, patient_id: int, patient_neighbourhood: str | None
    ) -> AccessDecision:
        """The decision for one person-level read (not audited: use authorise_patient_read)."""
        if not principal.is_clinical:
            return AccessDecision(
                False,
                "none",
                f"Your role ({principal.role_label}) cannot see information about individual people.",
            )
        if patient_neighbourhood is not None and patient_neighbourhood in principal.neighbourhoods:
            return AccessDecision(True, "neighbourhood")
        now = self.clock()
        with self.db.unit_of_work() as s:
            rel = s.scalar(
                select(CareRelationship.kind)
                .where(
                    CareRelationship.user_id == principal.user_id,
                    CareRelationship.patient_id == patient_id,
                    CareRelationship.started_at <= now,
                    (CareRelationship.ends_at.is_(None)) | (CareRelationship.ends_at > now),
                )
                .limit(1)
            )
            if rel:
                return AccessDecision(True, rel)
            bg = s.scalar(
                select(BreakGlass.id)
                .where(
                    BreakGlass.user_id == principal.user_id,
                    BreakGlass.patient_id == patient_id,
                    BreakGlass.expires_at > now,
                )
                .limit(1)
            )
            if bg:
                return AccessDecision(True, "break-glass")
        return AccessDecision(
            False,
            "none",
            "You do not have a legitimate relationship with this person: "
            "they are not registered in your neighbourhood(s) or on your caseload.",
        )

    def authorise_patient_read(
        self,
        principal: Principal,
        patient_id: int,
        patient_neighbourhood: str | None,
        *,
        action: str = "view_patient",
        resource: str | None = None,
        ip: str | None = None,
        found: bool = True,
    ) -> AccessDecision:
        """Decide, audit, and raise :class:`AccessDenied` when refused. ``found=False`` audits a miss."""
        if not found:
            decision = (
                AccessDecision(False, "none", "not found")
                if principal.is_clinical
                else self.check_patient_access(principal, patient_id, None)
            )
        else:
            decision = self.check_patient_access(principal, patient_id, patient_neighbourhood)
        outcome = (
            "success"
            if decision.allowed
            else ("not_found" if not found and principal.is_clinical else "denied")
        )
        with self.db.unit_of_work() as s:
            self._audit(
                s,
                principal,
                action,
                patient_id=patient_id,
                resource=resource,
                outcome=outcome,
                ip=ip,
                detail=f"basis={decision.basis}",
            )
        if not decision.allowed and found:
            raise AccessDenied(decision.message, can_break_glass=principal.can_break_glass)
        if not decision.allowed and not principal.is_clinical:
            raise AccessDenied(decision.message)
        return decision

    def audit_list_view(
        self, principal: Principal, neighbourhood: str, resource: str, ip: str | None, rows: int
    ) -> None:
        """Check and audit a person-level list (a worklist) for a neighbourhood."""
        allowed = self.can_view_neighbourhood_people(principal, neighbourhood)
        with self.db.unit_of_work() as s:
            self._audit(
                s,
                principal,
                "view_worklist",
                resource=resource,
                outcome="success" if allowed else "denied",
                ip=ip,
                detail=f"neighbourhood={neighbourhood}; rows={rows if allowed else 0}",
            )
        if not allowed:
            if not principal.is_clinical:
                raise AccessDenied(
                    f"Your role ({principal.role_label}) cannot see lists of individual people."
                )
            raise AccessDenied(f"You are not a member of the {neighbourhood} neighbourhood team.")

    # ------------------------------------------------------------- break-glass
    def break_glass(
        self,
        principal: Principal,
        patient_id: int,
        reason: str,
        ip: str | None = None,
        patient_exists: bool = True,
    ) -> BreakGlassGrant:
        reason = (reason or "").strip()
        if not principal.can_break_glass:
            with self.db.unit_of_work() as s:
                self._audit(
                    s,
                    principal,
                    "break_glass",
                    patient_id=patient_id,
                    reason=reason or None,
                    outcome="denied",
                    ip=ip,
                    detail="role cannot break the glass",
                )
            raise AccessDenied(f"Your role ({principal.role_label}) cannot use break-glass access.")
        if len(reason) < self.policy.break_glass_min_reason:
            raise NhcError(
                f"Give the reason for emergency access in at least "
                f"{self.policy.break_glass_min_reason} characters"
            )
        if len(reason) > 2000:
            raise NhcError("The reason must be 2,000 characters or fewer")
        if not patient_exists:
            raise NhcError("There is no such person")
        now = self.clock()
        with self.db.unit_of_work() as s:
            self._grants.pop(principal.user_id, None)
            bg = BreakGlass(
                user_id=principal.user_id,
                patient_id=patient_id,
                reason=reason,
                started_at=now,
                expires_at=now + dt.timedelta(minutes=self.policy.break_glass_minutes),
            )
            s.add(bg)
            s.flush()
            self._audit(
                s,
                principal,
                "break_glass",
                patient_id=patient_id,
                reason=reason,
                outcome="success",
                ip=ip,
                detail=f"expires {bg.expires_at:%Y-%m-%d %H:%M} UTC",
            )
            return BreakGlassGrant(bg.id, patient_id, reason, bg.started_at, bg.expires_at)

    def active_break_glass(self, principal: Principal) -> list[BreakGlassGrant]:
        if not principal.can_break_glass:
            return []
        now = self.clock()
        hit = self._grants.get(principal.user_id)
        if hit is not None and hit[0] > now:
            return [g for g in hit[1] if g.expires_at > now]
        with self.db.unit_of_work() as s:
            rows = s.scalars(
                select(BreakGlass)
                .where(BreakGlass.user_id == principal.user_id, BreakGlass.expires_at > now)
                .order_by(BreakGlass.expires_at)
            )
            grants = [BreakGlassGrant(b.id, b.patient_id, b.reason, b.started_at, b.expires_at) for b in rows]
        if len(self._grants) > 10_000:
            self._grants.clear()
        self._grants[principal.user_id] = (now + dt.timedelta(seconds=self.policy.cache_seconds), grants)
        return grants

    # ------------------------------------------------------------------- audit
    def record(
        self,
        principal: Principal | None,
        action: str,
        *,
        outcome: str,
        patient_id: int | None = None,
        resource: str | None = None,
        reason: str | None = None,
        ip: str | None = None,
        detail: str | None = None,
    ) -> None:
        """Append one audit event (the only way in; there is no way to change or remove one)."""
        with self.db.unit_of_work() as s:
            self._audit(
                s,
                principal,
                action,
                patient_id=patient_id,
                resource=resource,
                reason=reason,
                outcome=outcome,
                ip=ip,
                detail=detail,
            )

    def record_in(
        self,
        s: Session,
        principal: Principal | None,
        action: str,
        *,
        outcome: str = "success",
        at: dt.datetime | None = None,
        **fields: str | int | None,
    ) -> None:
        """Add one audit line to the caller's open transaction, so it is committed (or rolled
        back) together with the change it describes. For other areas' services (care, ...)."""
        self._audit(s, principal, action, outcome=outcome, at=at, **fields)  # type: ignore[arg-type]

    def _audit(
        self,
        s: Session,
        principal: Principal | None,
        action: str,
        *,
        outcome: str,
        at: dt.datetime | None = None,
        patient_id: int | None = None,
        resource: str | None = None,
        reason: str | None = None,
        ip: str | None = None,
        detail: str | None = None,
        username: str | None = None,
    ) -> None:
        s.add(
            AuditEvent(
                at=at or self.clock(),
                user_id=principal.user_id if principal else None,
                username=(principal.username if principal else (username or "system"))[:150],
                role=principal.role.value if principal else None,
                action=action[:64],
                patient_id=patient_id,
                resource=resource[:500] if resource else None,
                reason=reason,
                outcome=outcome[:32],
                ip=_audit_ip(ip),
                detail=detail,
            )
        )

    def audit_events(
        self,
        principal: Principal,
        *,
        username: str | None = None,
        patient_id: int | None = None,
        action: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[list[AuditView], int]:
        """Audit events, newest first (administrators only; the viewing is itself audited)."""
        self.require_role(principal, Role.ADMIN, what="the audit log")
        q = select(AuditEvent)
        if username:
            q = q.where(AuditEvent.username == username)
        if patient_id is not None:
            q = q.where(AuditEvent.patient_id == patient_id)
        if action:
            q = q.where(AuditEvent.action == action)
        with self.db.unit_of_work() as s:
            total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
            rows = s.scalars(
                q.order_by(AuditEvent.id.desc()).limit(max(1, min(limit, 500))).offset(max(0, offset))
            )
            out = [
                AuditView(
                    e.id,
                    e.at,
                    e.username,
                    e.role,
                    e.action,
                    e.patient_id,
                    e.resource,
                    e.reason,
                    e.outcome,
                    e.ip,
                    e.detail,
                )
                for e in rows
            ]
            self._audit(
                s,
                principal,
                "view_audit",
                outcome="success",
                detail=f"username={username or ''}; patient_id={patient_id or ''}; action={action or ''}",
            )
        return out, total
