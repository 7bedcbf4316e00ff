"""Break-glass: emergency access to one person without a legitimate relationship.

Only roles that may break the glass (clinicians) can; they state a reason (``policy`` bounds its
length) and the grant lasts ``policy.break_glass_minutes`` for that one person. The grant and its
audit line are written in one transaction; a refusal because of the role is audited too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from nhc.errors import NhcError
from nhc.security.audit import Action, AuditLog, Outcome
from nhc.security.context import SecurityContext
from nhc.security.errors import AccessDenied
from nhc.security.models import BreakGlass
from nhc.security.policy import SecurityPolicy
from nhc.security.roles import Principal

MAX_CACHED = 10_000  # users whose grants are remembered in memory; the memory is emptied past this


@dataclass(frozen=True)
class BreakGlassGrant:
    id: int
    patient_id: int
    reason: str
    started_at: dt.datetime
    expires_at: dt.datetime


def check_reason(reason: str | None, policy: SecurityPolicy) -> str:
    """The stated reason without surrounding spaces; :class:`NhcError` when too short or too long."""
    reason = (reason or "").strip()
    if len(reason) < policy.break_glass_min_reason:
        raise NhcError(
            f"Give the reason for emergency access in at least {policy.break_glass_min_reason} characters"
        )
    if len(reason) > policy.break_glass_max_reason:
        raise NhcError(f"The reason must be {policy.break_glass_max_reason:,} characters or fewer")
    return reason


def _grant(b: BreakGlass) -> BreakGlassGrant:
    return BreakGlassGrant(b.id, b.patient_id, b.reason, b.started_at, b.expires_at)


class BreakGlassAccess:
    """Grant break-glass access and answer which grants are in force."""

    def __init__(self, ctx: SecurityContext, audit: AuditLog) -> None:
        self.ctx = ctx
        self.audit = audit
        self._cache: dict[int, tuple[dt.datetime, list[BreakGlassGrant]]] = {}

    def grant(
        self,
        principal: Principal,
        patient_id: int,
        reason: str,
        ip: str | None = None,
        patient_exists: bool = True,
    ) -> BreakGlassGrant:
        """A new grant for ``patient_id``, audited with its reason in the same transaction.

        Raises :class:`AccessDenied` (audited) when the role cannot break the glass, and
        :class:`NhcError` when the reason is out of bounds or the person does not exist."""
        if not principal.can_break_glass:
            self.audit.record(
                principal,
                Action.BREAK_GLASS,
                patient_id=patient_id,
                reason=(reason or "").strip() or None,
                outcome=Outcome.DENIED,
                ip=ip,
                detail="role cannot break the glass",
            )
            raise AccessDenied(f"Your role ({principal.role_label}) cannot use break-glass access.")
        reason = check_reason(reason, self.ctx.policy)
        if not patient_exists:
            raise NhcError("There is no such person")
        now = self.ctx.now()
        with self.ctx.transaction() as s:
            self._cache.pop(principal.user_id, None)
            bg = BreakGlass(
                user_id=principal.user_id,
                patient_id=patient_id,
                reason=reason,
                started_at=now,
                expires_at=now + dt.timedelta(minutes=self.ctx.policy.break_glass_minutes),
            )
            s.add(bg)
            s.flush()
            self.audit.write(
                s,
                principal,
                Action.BREAK_GLASS,
                patient_id=patient_id,
                reason=reason,
                outcome=Outcome.SUCCESS,
                ip=ip,
                detail=f"expires {bg.expires_at:%Y-%m-%d %H:%M} UTC",
            )
            return _grant(bg)

    def active(self, principal: Principal) -> list[BreakGlassGrant]:
        """The user's grants in force now, soonest to expire first (remembered for
        ``policy.cache_seconds``; a new grant in this process is seen at once)."""
        if not principal.can_break_glass:
            return []
        now = self.ctx.now()
        hit = self._cache.get(principal.user_id)
        if hit is not None and hit[0] > now:
            return [g for g in hit[1] if g.expires_at > now]
        with self.ctx.transaction() as s:
            rows = s.scalars(
                select(BreakGlass)
                .where(BreakGlass.user_id == principal.user_id, BreakGlass.expires_at > now)
                .order_by(BreakGlass.expires_at)
            )
            grants = [_grant(b) for b in rows]
        if len(self._cache) > MAX_CACHED:
            self._cache.clear()
        self._cache[principal.user_id] = (now + dt.timedelta(seconds=self.ctx.policy.cache_seconds), grants)
        return grants

    @staticmethod
    def in_force(s: Session, user_id: int, patient_id: int, now: dt.datetime) -> bool:
        """True when the user holds a grant for the patient that has not expired at ``now``."""
        found = s.scalar(
            select(BreakGlass.id)
            .where(
                BreakGlass.user_id == user_id,
                BreakGlass.patient_id == patient_id,
                BreakGlass.expires_at > now,
            )
            .limit(1)
        )
        return found is not None
