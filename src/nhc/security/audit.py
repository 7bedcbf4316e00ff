"""The append-only audit log: the one writer of audit lines and the administrators' query over them.

A line is always added to an open transaction (:meth:`AuditLog.write`), the one that makes the
change it records, so both are committed or neither is. There is no code path that changes or
removes a line, and the database refuses UPDATE and DELETE on the table (triggers, SQLite and
PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from nhc.security.context import SecurityContext
from nhc.security.models import AuditEvent
from nhc.security.request_context import current_client_ip
from nhc.security.roles import Principal, Role, require_role

MAX_PAGE = 500  # audit lines per page of the query, at most


class Outcome(StrEnum):
    """How an audited action ended (stored in ``audit_events.outcome``)."""

    SUCCESS = "success"
    FAILURE = "failure"  # wrong credentials, no account
    DENIED = "denied"  # the user may not do it
    LOCKED = "locked"  # sign-in refused while locked out
    NOT_FOUND = "not_found"  # a clinical user asked about someone who does not exist
    CONFLICT = "conflict"  # a simultaneous change won (care)


class Action(StrEnum):
    """The actions security itself audits (other areas add their own names, e.g. ``care_admit``)."""

    USER_CREATED = "user_created"
    PASSWORD_SET = "password_set"
    USER_ENABLED = "user_enabled"
    USER_DISABLED = "user_disabled"
    RELATIONSHIP_ADDED = "relationship_added"
    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"
    VIEW_PATIENT = "view_patient"
    VIEW_WORKLIST = "view_worklist"
    BREAK_GLASS = "break_glass"
    VIEW_AUDIT = "view_audit"


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


def audit_ip(ip: str | None) -> str | None:
    """The address to record: the one given, else the current web request's client address (set by
    the web app's request-context middleware), else none (command line, background work)."""
    ip = ip or current_client_ip()
    return ip[:64] if ip else None


def audit_filter(
    username: str | None = None, patient_id: int | None = None, action: str | None = None
) -> Select[tuple[AuditEvent]]:
    """The audit lines matching every filter given (``None`` or empty: no filter on it)."""
    q = select(AuditEvent)
    if username:
        q = q.where(AuditEvent.username == username)
    if patient_id is not None:
        q = q.where(AuditEvent.patient_id == patient_id)
    if action:
        q = q.where(AuditEvent.action == action)
    return q


def _view(e: AuditEvent) -> AuditView:
    return AuditView(
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


class AuditLog:
    """Writes audit lines into a caller's transaction, and answers the administrators' query."""

    def __init__(self, ctx: SecurityContext) -> None:
        self.ctx = ctx

    def write(
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
        """Add one line to the open transaction ``s`` (committed or rolled back with it).

        ``username`` names the actor when there is no principal (a failed sign-in); with neither,
        the actor is ``system`` (the command line). Long values are cut to the column sizes."""
        s.add(
            AuditEvent(
                at=at or self.ctx.now(),
                user_id=principal.user_id if principal else None,
                username=(principal.username if principal else (username or "system"))[:150],
                role=principal.role.value if principal else None,
                action=str(action)[:64],
                patient_id=patient_id,
                resource=resource[:500] if resource else None,
                reason=reason,
                outcome=str(outcome)[:32],
                ip=audit_ip(ip),
                detail=detail,
            )
        )

    def record(
        self, principal: Principal | None, action: str, *, outcome: str, **fields: str | int | None
    ) -> None:
        """Write one line in a transaction of its own: for an event that changes nothing else
        (a refusal, a read)."""
        with self.ctx.transaction() as s:
            self.write(s, principal, action, outcome=outcome, **fields)  # type: ignore[arg-type]

    def events(
        self,
        principal: Principal,
        *,
        username: str | None = None,
        patient_id: int | None = None,
        action: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[list[AuditView], int]:
        """A page of audit lines, newest first, and how many match in all (administrators only;
        the viewing is itself audited, in the same transaction as the read)."""
        require_role(principal, Role.ADMIN, what="the audit log")
        q = audit_filter(username, patient_id, action)
        with self.ctx.transaction() as s:
            total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
            page = q.order_by(AuditEvent.id.desc()).limit(max(1, min(limit, MAX_PAGE))).offset(max(0, offset))
            out = [_view(e) for e in s.scalars(page)]
            self.write(
                s,
                principal,
                Action.VIEW_AUDIT,
                outcome=Outcome.SUCCESS,
                detail=f"username={username or ''}; patient_id={patient_id or ''}; action={action or ''}",
            )
        return out, total
