"""Rows of the plans tables to :class:`~nhc.plans.domain.PlanVersion` and back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nhc.plans.domain import PlanVersion, Priority, Status
from nhc.plans.models import PlanPriorityRow, PlanVersionRow


@dataclass(frozen=True)
class VersionInfo:
    """One line of a plan's version history."""

    number: int
    agreed_by: str
    agreed_at: dt.datetime
    note: str
    rows: int


class PlansRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def latest_number(self, neighbourhood: str) -> int:
        """The newest version's number (0: none agreed yet)."""
        stmt = select(func.max(PlanVersionRow.number)).where(PlanVersionRow.neighbourhood == neighbourhood)
        return int(self.session.scalar(stmt) or 0)

    def numbered(self) -> dict[str, int]:
        """Each neighbourhood with a version, and its newest version's number."""
        stmt = select(PlanVersionRow.neighbourhood, func.max(PlanVersionRow.number)).group_by(
            PlanVersionRow.neighbourhood
        )
        return {nb: int(n) for nb, n in self.session.execute(stmt)}

    def get(self, neighbourhood: str, number: int) -> PlanVersion | None:
        row = self.session.scalars(
            select(PlanVersionRow).where(
                PlanVersionRow.neighbourhood == neighbourhood, PlanVersionRow.number == number
            )
        ).first()
        if row is None:
            return None
        items = self.session.scalars(
            select(PlanPriorityRow)
            .where(PlanPriorityRow.version_id == row.id)
            .order_by(PlanPriorityRow.position)
        )
        rows = tuple(
            Priority(
                p.activity,
                p.what,
                p.how,
                p.when_text,
                p.owner,
                Status(p.status),
                tuple(t for t in p.themes.split(",") if t),
            )
            for p in items
        )
        return PlanVersion(row.neighbourhood, row.number, rows, row.agreed_by, row.agreed_at, row.note)

    def history(self, neighbourhood: str) -> list[VersionInfo]:
        """Every version of a neighbourhood's priorities, newest first."""
        counts = (
            select(PlanPriorityRow.version_id, func.count().label("n"))
            .group_by(PlanPriorityRow.version_id)
            .subquery()
        )
        stmt = (
            select(PlanVersionRow, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.version_id == PlanVersionRow.id)
            .where(PlanVersionRow.neighbourhood == neighbourhood)
            .order_by(PlanVersionRow.number.desc())
        )
        return [
            VersionInfo(v.number, v.agreed_by, v.agreed_at, v.note, int(n))
            for v, n in self.session.execute(stmt)
        ]

    def add(self, version: PlanVersion) -> None:
        """Store a new version (flushed: a second version with the same number fails here)."""
        row = PlanVersionRow(
            neighbourhood=version.neighbourhood,
            number=version.number,
            agreed_by=version.agreed_by,
            agreed_at=version.agreed_at,
            note=version.note,
        )
        self.session.add(row)
        self.session.flush()
        for position, p in enumerate(version.rows):
            self.session.add(
                PlanPriorityRow(
                    version_id=row.id,
                    position=position,
                    activity=p.activity,
                    what=p.what,
                    how=p.how,
                    when_text=p.when,
                    owner=p.owner,
                    status=p.status.value,
                    themes=",".join(p.themes),
                )
            )
        self.session.flush()
