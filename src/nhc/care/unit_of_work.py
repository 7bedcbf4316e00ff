"""One transaction per care use case, holding its authorisation, its change and its audit lines.

``with uow:`` opens a session. Inside it a use case authorises (the relationship decision of
:meth:`nhc.security.service.SecurityService.check_patient_access`, team membership, the team-lead
flag read from this same transaction), reads through :attr:`repo`, changes rows (through the domain
objects' methods) and :meth:`audit`\\ s the change. Leaving the block commits all of it at once;
any error rolls all of it back, so a change is never stored without its audit line, and a change
never commits after its authorisation was judged in some other transaction.

An access decision is itself a fact to keep (the user was shown the record, or refused it): when
the transaction rolls back, the decisions it made are written again on their own (audited
"whatever the outcome"), but the change and the change's audit lines are gone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session

from nhc.care.repository import CareRepository
from nhc.db import Database
from nhc.security.roles import Principal, Role
from nhc.security.service import AccessDenied, SecurityService
from nhc.security.unit_of_work import AuditedUnitOfWork


class CareUnitOfWork(AuditedUnitOfWork):
    """A session, its repository, authorisation and audit: committed or rolled back as one."""

    session: Session
    repo: CareRepository
    security: SecurityService
    system_unaudited = False  # care keeps a line for the system's actions too (the clock, exports)

    def __init__(self, db: Database, security: SecurityService, clock: Callable[[], dt.datetime]) -> None:
        super().__init__(db, security, clock)

    def _open(self, session: Session) -> None:
        self.repo = CareRepository(session)

    def _decide(self, principal: Principal, action: str, allowed: bool, **fields: str | int | None) -> None:
        d = self.keep_decision(
            principal,
            action,
            "success" if allowed else "denied",
            fields.get("patient_id"),  # type: ignore[arg-type]
            fields.get("resource"),  # type: ignore[arg-type]
            str(fields.get("detail") or ""),
        )
        self.security.record_in(
            self.session,
            principal,
            action,
            outcome=d.outcome,
            at=self.clock(),
            patient_id=d.patient_id,
            resource=d.resource,
            detail=d.detail,
        )

    # ---------------------------------------------------------------------------- authorisation
    def authorise_read(
        self,
        principal: Principal | None,
        patient_id: int,
        neighbourhood: str | None,
        action: str,
        resource: str,
    ) -> None:
        """Role + legitimate relationship with the patient (registered in the user's neighbourhood,
        on their caseload, or break-glass), audited whatever the outcome. ``None`` is the system."""
        if principal is None:
            return
        # Decided inside this unit of work, so the relationship it rests on is read in the same transaction.
        decision = self.security.check_patient_access(
            principal, patient_id, neighbourhood, session=self.session
        )
        self._decide(
            principal,
            action,
            decision.allowed,
            patient_id=patient_id,
            resource=resource,
            detail=f"basis={decision.basis}",
        )
        if not decision.allowed:
            raise AccessDenied(decision.message, can_break_glass=principal.can_break_glass)

    def authorise_write(
        self,
        principal: Principal | None,
        patient_id: int | None,
        patient_neighbourhood: str | None,
        team: str,
        action: str,
        resource: str,
    ) -> None:
        """Every write: the user belongs to ``team``, whose records change, AND has a legitimate
        relationship with the patient — judged on where the patient is registered
        (``patient_neighbourhood``), never on the team the record is filed under. Both checks are
        audited whatever the outcome (raises AccessDenied)."""
        if principal is None:
            return
        if patient_id is not None:
            self.authorise_read(principal, patient_id, patient_neighbourhood, action, resource)
        if not (principal.is_clinical and team in principal.neighbourhoods):
            self._decide(
                principal,
                action,
                False,
                patient_id=patient_id,
                resource=resource,
                detail=f"not a member of the {team} team, whose records would change",
            )
            require_team(principal, team)  # raises with the message users see

    def authorise_list(
        self, principal: Principal | None, neighbourhood: str, resource: str, rows: int
    ) -> None:
        """A person-level list of a neighbourhood (a caseload, a board): its team only, audited."""
        if principal is None:
            return
        allowed = self.security.can_view_neighbourhood_people(principal, neighbourhood)
        detail = f"neighbourhood={neighbourhood}; rows={rows if allowed else 0}"
        self._decide(principal, "view_worklist", allowed, resource=resource, detail=detail)
        if not allowed:
            if not principal.is_clinical:
                raise AccessDenied(
                    f"Your role ({principal.role_label}) cannot see lists of individual people."
                )
            raise AccessDenied(f"You are not a member of the {neighbourhood} neighbourhood team.")

    def require_lead(self, principal: Principal | None, neighbourhood: str, what: str) -> None:
        """Team decisions (allocation, absences, staff) are for clinicians or staff marked as team
        lead — the lead flag read in THIS transaction, so the change commits only if it still holds."""
        if principal is None or (principal.role is Role.ADMIN and what == "manage staff"):
            return
        require_team(principal, neighbourhood)
        if principal.role is Role.CLINICIAN:
            return
        if not self.repo.is_lead(principal.user_id, neighbourhood):
            raise AccessDenied(f"Only the {neighbourhood} team lead or a clinician can {what}.")


def require_team(principal: Principal | None, neighbourhood: str) -> None:
    """A clinical member of the neighbourhood's team (raises AccessDenied; not audited)."""
    if principal is None:
        return
    if not principal.is_clinical:
        raise AccessDenied(
            f"Your role ({principal.role_label}) cannot work with the neighbourhood team's patients."
        )
    if neighbourhood not in principal.neighbourhoods:
        raise AccessDenied(f"You are not a member of the {neighbourhood} neighbourhood team.")
