"""Accounts: users, their role, neighbourhood teams and password; enabled or disabled.

Every change is audited in its own transaction, and a change that must end the user's sessions
(a new password, a disabled account) ends them in that same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from nhc.errors import NhcError
from nhc.security.audit import Action, AuditLog, Outcome
from nhc.security.context import SecurityContext
from nhc.security.models import User, UserNeighbourhood
from nhc.security.passwords import hash_password
from nhc.security.relationships import check_neighbourhoods
from nhc.security.roles import Role, parse_role
from nhc.security.sessions import Sessions

MAX_USERNAME = 150
LOCAL = "local"  # the identity provider of accounts with a password here


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    display_name: str
    role: str
    neighbourhoods: tuple[str, ...]
    active: bool
    identity_provider: str


def clean_username(username: str) -> str:
    """The username without surrounding spaces; :class:`NhcError` unless 1-150 characters."""
    username = username.strip()
    if not username or len(username) > MAX_USERNAME:
        raise NhcError(f"username must be 1-{MAX_USERNAME} characters")
    return username


def user_view(u: User) -> UserView:
    return UserView(
        u.id,
        u.username,
        u.display_name,
        u.role,
        tuple(sorted(n.neighbourhood for n in u.neighbourhoods)),
        u.active,
        u.identity_provider,
    )


def user_named(s: Session, username: str) -> User:
    """The user called ``username``; :class:`NhcError` when there is none."""
    user = s.scalar(select(User).where(User.username == username))
    if user is None:
        raise NhcError(f"no user {username!r}")
    return user


class Accounts:
    """Create, change and list users."""

    def __init__(self, ctx: SecurityContext, audit: AuditLog, sessions: Sessions) -> None:
        self.ctx = ctx
        self.audit = audit
        self.sessions = sessions

    def create(
        self,
        username: str,
        display_name: str,
        role: str | Role,
        *,
        password: str | None = None,
        neighbourhoods: Iterable[str] = (),
        provider: str = LOCAL,
        subject: str | None = None,
    ) -> UserView:
        """A new active user. A local account needs a password that meets the policy; an account
        of another provider is matched on ``subject`` (default: the username). Neighbourhoods
        must be those of the reference geography. :class:`NhcError` says what is wrong."""
        username = clean_username(username)
        role = parse_role(role) if isinstance(role, str) else role
        if provider == LOCAL and not password:
            raise NhcError("a local account needs a password")
        teams = check_neighbourhoods(neighbourhoods)
        with self.ctx.transaction() as s:
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
                created_at=self.ctx.now(),
            )
            user.neighbourhoods = [UserNeighbourhood(neighbourhood=n) for n in teams]
            s.add(user)
            s.flush()
            self.audit.write(
                s,
                None,
                Action.USER_CREATED,
                resource=f"user:{username}",
                outcome=Outcome.SUCCESS,
                detail=f"role={role.value}; neighbourhoods={'; '.join(teams)}",
            )
            return user_view(user)

    def set_password(self, username: str, password: str) -> None:
        """Set (or reset) a user's password and end every session they have, in one transaction:
        whoever was signed in with the old password must sign in again with the new one."""
        with self.ctx.transaction() as s:
            user = user_named(s, username)
            user.password_hash = hash_password(password, username=username)
            ended = self.sessions.end_all_in(s, user.id)
            self.audit.write(
                s,
                None,
                Action.PASSWORD_SET,
                resource=f"user:{username}",
                outcome=Outcome.SUCCESS,
                detail=f"sessions ended={ended}",
            )
            user_id = user.id
        self.sessions.forget(user_id)

    def set_active(self, username: str, active: bool) -> UserView:
        """Enable or disable an account. Disabling ends every session the user has at once (in the
        same transaction), and a disabled user cannot sign in until enabled again."""
        with self.ctx.transaction() as s:
            user = user_named(s, username)
            user.active = active
            ended = 0 if active else self.sessions.end_all_in(s, user.id)
            self.audit.write(
                s,
                None,
                Action.USER_ENABLED if active else Action.USER_DISABLED,
                resource=f"user:{username}",
                outcome=Outcome.SUCCESS,
                detail=f"sessions ended={ended}",
            )
            view = user_view(user)
        self.sessions.forget(view.id)
        return view

    def list_users(self) -> list[UserView]:
        """Every user, by username."""
        with self.ctx.transaction() as s:
            return [user_view(u) for u in s.scalars(select(User).order_by(User.username))]

    def get_user(self, username: str) -> UserView | None:
        with self.ctx.transaction() as s:
            u = s.scalar(select(User).where(User.username == username))
            return user_view(u) if u else None
