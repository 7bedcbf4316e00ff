"""The person-level access decision applied to the patients a request resolved to.

Routes parse what they are given (:mod:`nhc.identifiers`), resolve it to patient ids with the same
values their query will use, and hand those ids here *before* reading anything. Each id gets the
one decision, :meth:`nhc.security.service.SecurityService.check_patient_access` (role, then
relationship: neighbourhood, caseload or referral, or an active break-glass), and every decision is
written to the audit log with the resolved patient id, all in one transaction. A request is refused
(:class:`AccessDenied`) when any of its patients is refused, or when it is population-wide.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from nhc.errors import NhcError
from nhc.security.roles import Principal
from nhc.security.service import AccessDecision, AccessDenied, SecurityService

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

POPULATION_WIDE = "Requests about people must be about one person: name them."


class PatientAccess:
    """Decide and audit person-level reads for one kind of request (``action``)."""

    def __init__(self, security: SecurityService, neighbourhood_of: Callable[[int], str | None]) -> None:
        self.security = security
        self._neighbourhood_of = neighbourhood_of

    def neighbourhood_of(self, patient_id: int) -> str | None:
        """Where the patient is registered (None when the insight tables are not built)."""
        try:
            return self._neighbourhood_of(patient_id)
        except NhcError:  # insight tables not built: only a caseload or break-glass can allow it
            return None

    def authorise(
        self,
        principal: Principal,
        patient_ids: frozenset[int] | None,
        *,
        action: str,
        resource: str,
        ip: str | None,
        population_message: str = POPULATION_WIDE,
        session: Session | None = None,
    ) -> dict[int, AccessDecision]:
        """The decision for each resolved patient id, audited; raises if any is refused.

        ``None`` means the request is population-wide (refused: person-level data is served one
        person at a time); an empty set means it resolved to no one (audited as a miss). With
        ``session`` (a use case's unit of work) the decisions are read and audited in that
        transaction, beside the change they allow; the caller commits."""
        # One transaction: the relationships each decision rests on are read, and every decision is
        # audited, together (a failure writing the audit leaves no unaudited read behind).
        with contextlib.nullcontext(session) if session is not None else self.security.db.unit_of_work() as s:
            decisions = self._decide(s, principal, patient_ids, population_message)
            self._audit(
                s,
                principal,
                decisions,
                action=action,
                resource=resource,
                ip=ip,
                miss=patient_ids == frozenset(),
            )
        refused = [d for d in decisions.values() if not d.allowed]
        if refused:
            raise AccessDenied(refused[0].message, can_break_glass=principal.can_break_glass)
        return {pid: d for pid, d in decisions.items() if pid is not None}

    def _decide(
        self, s: Session, principal: Principal, patient_ids: frozenset[int] | None, population_message: str
    ) -> dict[int | None, AccessDecision]:
        if patient_ids is None:
            return {
                None: AccessDecision(
                    False,
                    "none",
                    population_message
                    if principal.is_clinical
                    else f"Your role ({principal.role_label}) cannot see information about individual people.",
                )
            }
        if not patient_ids:
            return {None: AccessDecision(principal.is_clinical, "none", "not found")}
        return {
            pid: self.security.check_patient_access(principal, pid, self.neighbourhood_of(pid), session=s)
            for pid in sorted(patient_ids)
        }

    def _audit(
        self,
        s: Session,
        principal: Principal,
        decisions: dict[int | None, AccessDecision],
        *,
        action: str,
        resource: str,
        ip: str | None,
        miss: bool,
    ) -> None:
        for pid, decision in decisions.items():
            outcome = "success" if decision.allowed else "denied"
            if miss and principal.is_clinical:
                outcome = "not_found"
            self.security.record_in(
                s,
                principal,
                action,
                outcome=outcome,
                patient_id=pid,
                resource=resource,
                ip=ip,
                detail=f"basis={decision.basis}" if pid is not None else decision.message[:200],
            )
