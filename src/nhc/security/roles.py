"""Roles and what each may do. The rules live here; pages and the API only ask."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from nhc.errors import NhcError
from nhc.security.errors import AccessDenied


class Role(StrEnum):
    ANALYST = "analyst"  # aggregates only, disclosure control applied
    CLINICIAN = "clinician"  # patients of their neighbourhood(s) or caseload; may break the glass
    TEAM_MEMBER = "team_member"  # patients of their neighbourhood(s) or caseload
    ADMIN = "admin"  # users and the audit log; aggregates; no person-level data


ROLE_LABELS = {
    Role.ANALYST: "Analyst",
    Role.CLINICIAN: "Clinician",
    Role.TEAM_MEMBER: "Neighbourhood team member",
    Role.ADMIN: "Administrator",
}
CLINICAL_ROLES = frozenset({Role.CLINICIAN, Role.TEAM_MEMBER})
BREAK_GLASS_ROLES = frozenset({Role.CLINICIAN})


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower().replace("-", "_").replace(" ", "_"))
    except ValueError:
        raise NhcError(
            f"unknown role {value!r}", hint=f"use one of: {', '.join(r.value for r in Role)}"
        ) from None


@dataclass(frozen=True)
class Principal:
    """The signed-in user as the services see it."""

    user_id: int
    username: str
    display_name: str
    role: Role
    neighbourhoods: frozenset[str] = field(default_factory=frozenset)
    session_id: str | None = None

    @property
    def is_clinical(self) -> bool:
        return self.role in CLINICAL_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def can_break_glass(self) -> bool:
        return self.role in BREAK_GLASS_ROLES

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


def require_role(principal: Principal, *roles: Role, what: str = "this page") -> None:
    """Raise :class:`AccessDenied` unless the principal has one of ``roles``."""
    if principal.role not in roles:
        raise AccessDenied(f"Your role ({principal.role_label}) cannot see {what}.")
