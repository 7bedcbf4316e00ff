"""The per-person access decision: may this user see this person, and on what basis?

The rule (:func:`decide`), in order:

1. a role that is not clinical (analyst, administrator) never sees individual people;
2. a clinical user sees the people registered in a neighbourhood whose team they are in;
3. else a care relationship in force (caseload, referral...) allows it, its kind the basis;
4. else an unexpired break-glass grant for that person allows it;
5. else no.

:meth:`PatientAccessRules.check_patient_access` applies it (looking relationships and grants up
only when the cheaper steps did not decide); :meth:`~PatientAccessRules.authorise_patient_read`
also audits it, in the same transaction as the look-ups, whatever the outcome.
``nhc.insights.access.PatientAccess`` applies it to every patient a request resolves to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from nhc.security.audit import Action, AuditLog, Outcome
from nhc.security.break_glass import BreakGlassAccess
from nhc.security.context import SecurityContext
from nhc.security.errors import AccessDenied
from nhc.security.relationships import Relationships, in_team
from nhc.security.roles import Principal


class AccessBasis(StrEnum):
    """Why access was allowed (or ``NONE``). A care relationship's basis is its kind instead
    (``caseload``, ``referral``...), which the relationships table holds as data."""

    NEIGHBOURHOOD = "neighbourhood"
    BREAK_GLASS = "break-glass"
    NONE = "none"


@dataclass(frozen=True)
class AccessDecision:
    allowed: bool
    basis: str  # an AccessBasis, or the kind of the care relationship that allowed it
    message: str = ""


NO_RELATIONSHIP = (
    "You do not have a legitimate relationship with this person: "
    "they are not registered in your neighbourhood(s) or on your caseload."
)
NOT_FOUND = "not found"


def role_refusal(principal: Principal) -> str:
    return f"Your role ({principal.role_label}) cannot see information about individual people."


def decide(
    principal: Principal,
    patient_neighbourhood: str | None,
    *,
    relationship: Callable[[], str | None],
    break_glass: Callable[[], bool],
) -> AccessDecision:
    """The decision (see the module's rule). ``relationship`` gives the kind of a care
    relationship in force (or ``None``) and ``break_glass`` whether a grant is in force; each is
    called only when the steps before it did not decide."""
    if not principal.is_clinical:
        return AccessDecision(False, AccessBasis.NONE, role_refusal(principal))
    if patient_neighbourhood is not None and patient_neighbourhood in principal.neighbourhoods:
        return AccessDecision(True, AccessBasis.NEIGHBOURHOOD)
    kind = relationship()
    if kind:
        return AccessDecision(True, kind)
    if break_glass():
        return AccessDecision(True, AccessBasis.BREAK_GLASS)
    return AccessDecision(False, AccessBasis.NONE, NO_RELATIONSHIP)


def read_outcome(decision: AccessDecision, *, found: bool, clinical: bool) -> Outcome:
    """How a person-level read is audited: a clinical user's miss is ``not_found`` (they could
    have seen the person had they existed), any other refusal ``denied``."""
    if decision.allowed:
        return Outcome.SUCCESS
    return Outcome.NOT_FOUND if not found and clinical else Outcome.DENIED


def list_refusal(principal: Principal, neighbourhood: str) -> str | None:
    """Why the user may not see a person-level list (a worklist) of ``neighbourhood``, or ``None``."""
    if in_team(principal, neighbourhood):
        return None
    if not principal.is_clinical:
        return f"Your role ({principal.role_label}) cannot see lists of individual people."
    return f"You are not a member of the {neighbourhood} neighbourhood team."


class PatientAccessRules:
    """The decision applied with the database's relationships and grants, and audited."""

    def __init__(
        self,
        ctx: SecurityContext,
        audit: AuditLog,
        relationships: Relationships,
        break_glass: BreakGlassAccess,
    ) -> None:
        self.ctx = ctx
        self.audit = audit
        self.relationships = relationships
        self.break_glass = break_glass

    def decide_in(
        self, s: Session, principal: Principal, patient_id: int, neighbourhood: str | None
    ) -> AccessDecision:
        """The decision for one person, looking relationships and grants up in ``s``."""
        now = self.ctx.now()
        return decide(
            principal,
            neighbourhood,
            relationship=lambda: self.relationships.current_kind(s, principal.user_id, patient_id, now),
            break_glass=lambda: self.break_glass.in_force(s, principal.user_id, patient_id, now),
        )

    def check_patient_access(
        self,
        principal: Principal,
        patient_id: int,
        patient_neighbourhood: str | None,
        *,
        session: Session | None = None,
    ) -> AccessDecision:
        """The decision for one person-level read (not audited: use :meth:`authorise_patient_read`).
        Give ``session`` to make the look-ups in the caller's transaction (the one that audits)."""
        if session is not None:
            return self.decide_in(session, principal, patient_id, patient_neighbourhood)
        if not principal.is_clinical or patient_neighbourhood in principal.neighbourhoods:
            # decided by role or team alone: no transaction needed
            return decide(
                principal, patient_neighbourhood, relationship=lambda: None, break_glass=lambda: False
            )
        with self.ctx.transaction() as s:
            return self.decide_in(s, principal, patient_id, patient_neighbourhood)

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
        """Decide and audit in one transaction; raise :class:`AccessDenied` (after the commit, so
        the refusal stays audited) when refused. ``found=False`` audits a read of someone who does
        not exist: a clinical user gets the decision back (the caller answers "not found"); any
        other role is refused as it would be for anyone."""
        with self.ctx.transaction() as s:
            if found:
                decision = self.decide_in(s, principal, patient_id, patient_neighbourhood)
            elif principal.is_clinical:
                decision = AccessDecision(False, AccessBasis.NONE, NOT_FOUND)
            else:
                decision = self.decide_in(s, principal, patient_id, None)
            self.audit.write(
                s,
                principal,
                action,
                patient_id=patient_id,
                resource=resource,
                outcome=read_outcome(decision, found=found, clinical=principal.is_clinical),
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
        """Check and audit a person-level list (a worklist) for a neighbourhood; raise
        :class:`AccessDenied` (after the audit line is committed) when refused."""
        refusal = list_refusal(principal, neighbourhood)
        self.audit.record(
            principal,
            Action.VIEW_WORKLIST,
            resource=resource,
            outcome=Outcome.DENIED if refusal else Outcome.SUCCESS,
            ip=ip,
            detail=f"neighbourhood={neighbourhood}; rows={0 if refusal else rows}",
        )
        if refusal:
            raise AccessDenied(refusal)
