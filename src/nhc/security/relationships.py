"""Legitimate relationships: who may see a person because of the team they are in, or because that
person is on their caseload (or referred to them, allocated to them...).

* A **team** is a neighbourhood: a clinical user who is a member of a neighbourhood's team may see
  the people registered there. :func:`check_neighbourhoods` keeps membership to real neighbourhoods.
* A **care relationship** is one user and one patient, from a start to an optional end
  (:class:`~nhc.security.models.CareRelationship`); its ``kind`` (``caseload``, ``referral``,
  ``task``...) is what the access decision reports as its basis.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from nhc.errors import NhcError
from nhc.reference.geography import neighbourhoods as reference_neighbourhoods
from nhc.security.audit import Action, AuditLog, Outcome
from nhc.security.context import SecurityContext
from nhc.security.models import CareRelationship
from nhc.security.roles import Principal

CASELOAD = "caseload"  # the default kind of care relationship


def name_key(name: str) -> str:
    """A forgiving spelling of a neighbourhood name: case and runs of spacing ignored."""
    return re.sub(r"\s+", " ", str(name)).strip().casefold()


@functools.cache
def _neighbourhood_names() -> dict[str, str]:
    """The neighbourhoods of the reference geography, keyed by :func:`name_key` to the canonical name."""
    return {name_key(n): n for n in reference_neighbourhoods().column("neighbourhood").to_pylist()}


def canonical_neighbourhoods(names: Iterable[str], known: dict[str, str]) -> list[str]:
    """The canonical, sorted, de-duplicated spelling of each of ``names`` among ``known`` (keyed by
    :func:`name_key`); raises :class:`~nhc.errors.NhcError` naming the first unknown one."""
    found: set[str] = set()
    for name in names:
        canonical = known.get(name_key(name))
        if canonical is None:
            raise NhcError(
                f"There is no neighbourhood called {str(name).strip()!r}. "
                "Use the name of a neighbourhood of the reference geography",
                hint=f"known neighbourhoods: {', '.join(sorted(known.values()))}",
            )
        found.add(canonical)
    return sorted(found)


def check_neighbourhoods(names: Iterable[str]) -> list[str]:
    """The canonical, sorted, de-duplicated spelling of each neighbourhood in ``names``.

    Raises :class:`~nhc.errors.NhcError` naming the first one that is not a neighbourhood of the
    reference geography, so a user cannot be given a neighbourhood that no patient belongs to (a
    typo would otherwise leave them seeing nothing, or match a name added later by mistake).
    """
    return canonical_neighbourhoods(names, _neighbourhood_names())


def in_team(principal: Principal, neighbourhood: str) -> bool:
    """True when the user is a clinical member of the neighbourhood's team (may see its people)."""
    return principal.is_clinical and neighbourhood in principal.neighbourhoods


class Relationships:
    """Care relationships between users and patients: recorded (audited) and looked up."""

    def __init__(self, ctx: SecurityContext, audit: AuditLog) -> None:
        self.ctx = ctx
        self.audit = audit

    def add(
        self, user_id: int, patient_id: int, kind: str = CASELOAD, ends_at: dt.datetime | None = None
    ) -> None:
        """Record a legitimate relationship (caseload, referral...) between a user and a patient,
        from now until ``ends_at`` (open-ended when ``None``), audited in the same transaction."""
        with self.ctx.transaction() as s:
            s.add(
                CareRelationship(
                    user_id=user_id,
                    patient_id=patient_id,
                    kind=kind,
                    started_at=self.ctx.now(),
                    ends_at=ends_at,
                )
            )
            self.audit.write(
                s,
                None,
                Action.RELATIONSHIP_ADDED,
                patient_id=patient_id,
                resource=f"user_id:{user_id}",
                outcome=Outcome.SUCCESS,
                detail=kind,
            )

    @staticmethod
    def current_kind(s: Session, user_id: int, patient_id: int, now: dt.datetime) -> str | None:
        """The kind of one relationship between the user and the patient in force at ``now``
        (started, not ended), or ``None`` when there is none."""
        return s.scalar(
            select(CareRelationship.kind)
            .where(
                CareRelationship.user_id == user_id,
                CareRelationship.patient_id == patient_id,
                CareRelationship.started_at <= now,
                (CareRelationship.ends_at.is_(None)) | (CareRelationship.ends_at > now),
            )
            .limit(1)
        )
