"""The security service: one facade over accounts, sign-in, sessions, relationships, break-glass,
the access decision and the audit log. Pages, the API, care and the command line call this; it
knows nothing about HTTP.

Each concern lives in its own module (:mod:`~nhc.security.accounts`, :mod:`~nhc.security.signin`,
:mod:`~nhc.security.sessions`, :mod:`~nhc.security.relationships`,
:mod:`~nhc.security.break_glass`, :mod:`~nhc.security.access`, :mod:`~nhc.security.audit`); they
share one :class:`~nhc.security.context.SecurityContext` (database, policy, clock). This class
only composes them and keeps the methods callers already use.

Every person-level read goes through :meth:`SecurityService.authorise_patient_read` (or
``nhc.insights.access.PatientAccess``), which decides (role, then relationship: neighbourhood,
caseload or active break-glass) and writes the decision to the audit log whatever the outcome.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session

from nhc.db import Database, utcnow
from nhc.security.access import AccessBasis, AccessDecision, PatientAccessRules
from nhc.security.accounts import Accounts, UserView
from nhc.security.audit import Action, AuditLog, AuditView, Outcome
from nhc.security.break_glass import BreakGlassAccess, BreakGlassGrant
from nhc.security.context import SecurityContext
from nhc.security.errors import AccessDenied, SignInError
from nhc.security.identity import Identity, IdentityProvider, LocalIdentityProvider
from nhc.security.policy import SecurityPolicy
from nhc.security.relationships import CASELOAD, Relationships, check_neighbourhoods, in_team
from nhc.security.roles import Principal, Role, require_role
from nhc.security.sessions import Sessions
from nhc.security.signin import SignIn

__all__ = [
    "AccessBasis",
    "AccessDecision",
    "AccessDenied",
    "Action",
    "AuditView",
    "BreakGlassGrant",
    "Outcome",
    "SecurityPolicy",
    "SecurityService",
    "SignInError",
    "UserView",
    "check_neighbourhoods",
]


class SecurityService:
    """Accounts, sign-in, sessions, relationships, break-glass, access and audit, composed."""

    def __init__(
        self,
        db: Database,
        *,
        policy: SecurityPolicy | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
        providers: Iterable[IdentityProvider] = (),
    ) -> None:
        self.ctx = SecurityContext(db, policy or SecurityPolicy(), clock)
        self.providers: dict[str, IdentityProvider] = {"local": LocalIdentityProvider()}
        for p in providers:
            self.providers[p.name] = p
        self.audit = AuditLog(self.ctx)
        self.sessions = Sessions(self.ctx, self.audit)
        self.accounts = Accounts(self.ctx, self.audit, self.sessions)
        self.signin = SignIn(self.ctx, self.audit, self.sessions, self.providers)
        self.relationships = Relationships(self.ctx, self.audit)
        self.grants = BreakGlassAccess(self.ctx, self.audit)
        self.access = PatientAccessRules(self.ctx, self.audit, self.relationships, self.grants)

    # The shared context, readable (and replaceable) as before the split.
    @property
    def db(self) -> Database:
        return self.ctx.db

    @db.setter
    def db(self, db: Database) -> None:
        self.ctx.db = db

    @property
    def clock(self) -> Callable[[], dt.datetime]:
        return self.ctx.clock

    @clock.setter
    def clock(self, clock: Callable[[], dt.datetime]) -> None:
        self.ctx.clock = clock

    @property
    def policy(self) -> SecurityPolicy:
        return self.ctx.policy

    @policy.setter
    def policy(self, policy: SecurityPolicy) -> None:
        self.ctx.policy = policy

    # ---------------------------------------------------------------------------------- accounts
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
        return self.accounts.create(
            username,
            display_name,
            role,
            password=password,
            neighbourhoods=neighbourhoods,
            provider=provider,
            subject=subject,
        )

    def set_password(self, username: str, password: str) -> None:
        self.accounts.set_password(username, password)

    def set_active(self, username: str, active: bool) -> UserView:
        return self.accounts.set_active(username, active)

    def list_users(self) -> list[UserView]:
        return self.accounts.list_users()

    def get_user(self, username: str) -> UserView | None:
        return self.accounts.get_user(username)

    def add_relationship(
        self, user_id: int, patient_id: int, kind: str = CASELOAD, ends_at: dt.datetime | None = None
    ) -> None:
        self.relationships.add(user_id, patient_id, kind, ends_at)

    # ---------------------------------------------------------------------- sign-in and sessions
    def sign_in(
        self, username: str, password: str, ip: str, provider: str = "local"
    ) -> tuple[Principal, str]:
        return self.signin.sign_in(username, password, ip, provider)

    def start_session(self, identity: Identity, ip: str | None) -> tuple[Principal, str]:
        return self.sessions.start(identity, ip)

    def session(self, token: str | None) -> tuple[Principal, str] | None:
        return self.sessions.lookup(token)

    def sign_out(self, token: str | None) -> None:
        self.sessions.end(token)

    # ------------------------------------------------------------------------------------ access
    def require_role(self, principal: Principal, *roles: Role, what: str = "this page") -> None:
        require_role(principal, *roles, what=what)

    def can_view_neighbourhood_people(self, principal: Principal, neighbourhood: str) -> bool:
        return in_team(principal, neighbourhood)

    def check_patient_access(
        self,
        principal: Principal,
        patient_id: int,
        patient_neighbourhood: str | None,
        *,
        session: Session | None = None,
    ) -> AccessDecision:
        return self.access.check_patient_access(principal, patient_id, patient_neighbourhood, session=session)

    def authorise_patient_read(
        self,
        principal: Principal,
        patient_id: int,
        patient_neighbourhood: str | None,
        *,
        action: str = Action.VIEW_PATIENT,
        resource: str | None = None,
        ip: str | None = None,
        found: bool = True,
    ) -> AccessDecision:
        return self.access.authorise_patient_read(
            principal, patient_id, patient_neighbourhood, action=action, resource=resource, ip=ip, found=found
        )

    def audit_list_view(
        self, principal: Principal, neighbourhood: str, resource: str, ip: str | None, rows: int
    ) -> None:
        self.access.audit_list_view(principal, neighbourhood, resource, ip, rows)

    # ------------------------------------------------------------------------------- break-glass
    def break_glass(
        self,
        principal: Principal,
        patient_id: int,
        reason: str,
        ip: str | None = None,
        patient_exists: bool = True,
    ) -> BreakGlassGrant:
        return self.grants.grant(principal, patient_id, reason, ip, patient_exists)

    def active_break_glass(self, principal: Principal) -> list[BreakGlassGrant]:
        return self.grants.active(principal)

    # ------------------------------------------------------------------------------------- audit
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
        self.audit.record(
            principal,
            action,
            outcome=outcome,
            patient_id=patient_id,
            resource=resource,
            reason=reason,
            ip=ip,
            detail=detail,
        )

    def record_in(
        self,
        s: Session,
        principal: Principal | None,
        action: str,
        *,
        outcome: str = Outcome.SUCCESS,
        at: dt.datetime | None = None,
        **fields: str | int | None,
    ) -> None:
        """Add one audit line to the caller's open transaction, so it is committed (or rolled
        back) together with the change it describes. For other areas' services (care, ...)."""
        self.audit.write(s, principal, action, outcome=outcome, at=at, **fields)  # type: ignore[arg-type]

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
        return self.audit.events(
            principal, username=username, patient_id=patient_id, action=action, limit=limit, offset=offset
        )
