"""Sign-in with a username and password, rate-limited.

Lock-out: within the last ``policy.lockout_minutes``, an account locks after
``max_failures_per_account`` failures since its last successful sign-in, and an address after
``max_failures_per_ip`` failures whatever the accounts tried. While locked even the right password
is refused; the lock lifts by itself as failures leave the window.

One sign-in is one transaction: the lock-out check, the recorded attempt, the new session (if any)
and the audit line are committed together, and the refusal is raised only after the commit, so a
refused attempt still counts and is still audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nhc.security.audit import Action, AuditLog, Outcome
from nhc.security.context import SecurityContext
from nhc.security.errors import SignInError
from nhc.security.identity import IdentityProvider, PasswordIdentityProvider
from nhc.security.models import SignInAttempt
from nhc.security.policy import SecurityPolicy
from nhc.security.roles import Principal
from nhc.security.sessions import Sessions

MAX_USERNAME = 150
MAX_IP = 64


@dataclass(frozen=True)
class RecentFailures:
    """Failed sign-ins that count towards a lock-out now."""

    account: int  # of this username, since its last success and within the window
    address: int  # from this address, within the window


def window_start(now: dt.datetime, policy: SecurityPolicy) -> dt.datetime:
    """The start of the lock-out window ending at ``now``."""
    return now - dt.timedelta(minutes=policy.lockout_minutes)


def account_window_start(window: dt.datetime, last_success: dt.datetime | None) -> dt.datetime:
    """Failures of an account count from the later of the window's start and its last success:
    signing in successfully forgives the failures before it."""
    return max(window, last_success) if last_success else window


def is_locked(failures: RecentFailures, policy: SecurityPolicy) -> bool:
    """True when either count has reached its limit."""
    return (
        failures.account >= policy.max_failures_per_account or failures.address >= policy.max_failures_per_ip
    )


class Result(StrEnum):
    """How one sign-in attempt ended."""

    SIGNED_IN = "signed_in"
    LOCKED = "locked"
    WRONG = "wrong"  # unknown user, wrong password, disabled account: never says which
    NO_ACCOUNT = "no_account"  # the provider knew them, but no active local account maps to them


def recent_failures(
    s: Session, username: str, ip: str, now: dt.datetime, policy: SecurityPolicy
) -> RecentFailures:
    """Count the failures that :func:`is_locked` judges, from ``sign_in_attempts``."""
    window = window_start(now, policy)
    last_ok = s.scalar(
        select(func.max(SignInAttempt.at)).where(
            SignInAttempt.username == username, SignInAttempt.success.is_(True)
        )
    )
    failed = select(func.count()).select_from(SignInAttempt).where(SignInAttempt.success.is_(False))
    account = s.scalar(
        failed.where(
            SignInAttempt.username == username, SignInAttempt.at > account_window_start(window, last_ok)
        )
    )
    address = s.scalar(failed.where(SignInAttempt.ip == ip, SignInAttempt.at > window))
    return RecentFailures(account or 0, address or 0)


class SignIn:
    """The password sign-in form's use case."""

    def __init__(
        self,
        ctx: SecurityContext,
        audit: AuditLog,
        sessions: Sessions,
        providers: dict[str, IdentityProvider],
    ) -> None:
        self.ctx = ctx
        self.audit = audit
        self.sessions = sessions
        self.providers = providers  # shared with the facade: a provider added there is usable here

    def sign_in(
        self, username: str, password: str, ip: str, provider: str = "local"
    ) -> tuple[Principal, str]:
        """Check the credentials; on success a new session: (principal, cookie token). Raises
        :class:`SignInError` (``locked`` set when locked out) after committing the attempt."""
        username = (username or "").strip()[:MAX_USERNAME]
        ip = (ip or "unknown")[:MAX_IP]
        idp = self.providers.get(provider)
        if not isinstance(idp, PasswordIdentityProvider):
            raise SignInError("unknown sign-in method")
        with self.ctx.transaction() as s:
            result, opened = self._attempt(s, idp, username, password, ip)
        if result is Result.LOCKED:
            raise SignInError(
                f"Too many failed sign-in attempts. For your security, sign-in is locked for "
                f"{int(self.ctx.policy.lockout_minutes)} minutes. Try again later.",
                locked=True,
            )
        if result is Result.WRONG:
            raise SignInError("Enter a correct username and password")
        if opened is None:
            raise SignInError("Your account is not set up to use this service. Ask an administrator.")
        return opened

    def _attempt(
        self, s: Session, idp: PasswordIdentityProvider, username: str, password: str, ip: str
    ) -> tuple[Result, tuple[Principal, str] | None]:
        """Everything one attempt writes, in the caller's transaction: the attempt, the audit line
        and, on success, the session."""
        now = self.ctx.now()
        if is_locked(recent_failures(s, username, ip, now, self.ctx.policy), self.ctx.policy):
            s.add(SignInAttempt(at=now, username=username, ip=ip, success=False))
            self.audit.write(s, None, Action.SIGN_IN, username=username, outcome=Outcome.LOCKED, ip=ip)
            return Result.LOCKED, None
        identity = idp.authenticate(s, username, password) if username and password else None
        s.add(SignInAttempt(at=now, username=username, ip=ip, success=identity is not None))
        if identity is None:
            self.audit.write(
                s, None, Action.SIGN_IN, username=username or "(blank)", outcome=Outcome.FAILURE, ip=ip
            )
            return Result.WRONG, None
        opened = self.sessions.open_in(s, identity, ip)
        return (Result.SIGNED_IN if opened else Result.NO_ACCOUNT), opened
