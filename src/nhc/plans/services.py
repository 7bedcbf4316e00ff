"""The plans service: builds a neighbourhood's (a locality's, the county's) plan from the other
areas' services and keeps the neighbourhood lead's agreed priorities, versioned.

Contract
--------
``PlansService(db, insights, security=..., outcomes=..., directory=..., access=..., projection=...,
team=..., engagement=...)`` needs a migrated database; every source but ``insights`` may be
``None`` (its section then says it is not available). ``build(scope)`` returns a
:class:`~nhc.plans.plan.NeighbourhoodPlan`; unknown names raise
:class:`~nhc.insights.service.NotFound`. ``agree(principal, neighbourhood, rows, note)`` stores a new
version in one transaction with its audit line, for the neighbourhood's lead only
(:class:`~nhc.security.service.AccessDenied` otherwise); bad rows raise
:class:`~nhc.plans.domain.BadPriority` naming the field. Earlier versions stay readable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from nhc.db import Database, utcnow
from nhc.errors import NhcError
from nhc.identifiers import MAX_RECORD_ID
from nhc.insights.service import InsightsService, NotFound, NotReady
from nhc.outcomes.report import OutcomesReport
from nhc.plans import operational, population
from nhc.plans.domain import PlanError, PlanVersion, Priority, check_rows
from nhc.plans.outcomes import outcomes_section
from nhc.plans.plan import NeighbourhoodPlan, Scope, Section
from nhc.plans.repository import VersionInfo
from nhc.plans.sources import AccessSource, DirectorySource, EngagementSource, ProjectionLike, TeamSource
from nhc.plans.starter import AGREED_BY, STARTER
from nhc.plans.unit_of_work import PlansUnitOfWork
from nhc.security.roles import Principal, Role
from nhc.security.service import AccessDenied, SecurityService
from nhc.vocab import WHAT_PEOPLE_VALUE

COUNTY = "Oxfordshire"


@dataclass(frozen=True)
class ThemeAnswer:
    """One theme for "you said, we did": what people said (``None`` counts suppressed) and the
    agreed actions answering it."""

    theme: str
    label: str
    count: int | None
    actions: tuple[Priority, ...]


class PlansService:
    def __init__(
        self,
        db: Database,
        insights: InsightsService,
        *,
        security: SecurityService | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
        outcomes: Callable[[dt.date], OutcomesReport] | None = None,
        directory: DirectorySource | None = None,
        access: AccessSource | None = None,
        projection: Callable[[], ProjectionLike] | None = None,
        team: TeamSource | None = None,
        engagement: EngagementSource | None = None,
    ) -> None:
        self.db, self.insights, self.security, self.clock = db, insights, security, clock
        self.outcomes, self.directory, self.access = outcomes, directory, access
        self.projection, self.team, self.engagement = projection, team, engagement

    def uow(self) -> PlansUnitOfWork:
        return PlansUnitOfWork(self.db, self.security, self.clock)

    # --- scopes -----------------------------------------------------------------------------------

    def neighbourhoods(self) -> dict[str, str]:
        """Each neighbourhood of the county and its locality (from the analytics; NotReady without)."""
        return dict(sorted(self.insights.geography()["neighbourhoods"].items()))

    def scope(self, name: str) -> Scope:
        """The scope called ``name``: a neighbourhood, a locality or the county (NotFound otherwise)."""
        geo = self.insights.geography()
        if name in geo["neighbourhoods"]:
            return Scope("neighbourhood", name)
        if name in geo["localities"]:
            return Scope("locality", name)
        if name.lower() in (COUNTY.lower(), "county"):
            return Scope("county", COUNTY)
        raise NotFound(
            f"there is no neighbourhood or locality called {name[:100]!r}",
            hint="`nhc plans list` names them",
        )

    def as_of(self) -> dt.date | None:
        day = self.insights.as_of()
        return dt.date.fromisoformat(day) if day else None

    # --- building ---------------------------------------------------------------------------------

    def _report(
        self, as_of: dt.date | None, outcomes: Callable[[dt.date], OutcomesReport] | None
    ) -> tuple[OutcomesReport | None, str]:
        outcomes = outcomes or self.outcomes
        if outcomes is None or as_of is None:
            return None, "The outcomes report is not available here."
        try:
            return outcomes(as_of), ""
        except NhcError as exc:
            return None, f"The outcomes report is not ready: {exc.message}"

    def build(
        self, scope: Scope, *, outcomes: Callable[[dt.date], OutcomesReport] | None = None
    ) -> NeighbourhoodPlan:
        """The plan of ``scope``; ``outcomes`` replaces where the outcomes report comes from (the
        web pages pass the one ``/outcomes`` shows)."""
        as_of = self.as_of()
        report, why = self._report(as_of, outcomes)
        figures = population.figures(self.insights, scope)
        locality = self.neighbourhoods().get(scope.name) if scope.kind == "neighbourhood" else None
        today = self.clock().date()
        sections: tuple[Section, ...] = (
            population.people_section(self.insights, scope, figures),
            population.health_section(self.insights, scope, report),
            outcomes_section(report, scope, why),
            operational.assets_section(self.directory, scope, locality),
            operational.access_section(self.access, self.projection, scope, locality, today),
            operational.team_section(self.team, scope),
            operational.feedback_section(self.engagement, scope),
            operational.priorities_section(self._versions(scope)),
        )
        current = self.current(scope.name) if scope.kind == "neighbourhood" else None
        return NeighbourhoodPlan(scope, as_of, self.clock(), sections, figures, current)

    def _versions(self, scope: Scope) -> list[PlanVersion]:
        if scope.kind == "neighbourhood":
            names = [scope.name]
        else:
            names = population.neighbourhoods_of(self.insights, scope)
        found = [self.current(nb) for nb in names]
        return [v for v in found if v is not None]

    # --- priorities -------------------------------------------------------------------------------

    def current(self, neighbourhood: str) -> PlanVersion | None:
        """The newest agreed version of a neighbourhood's priorities (``None``: none yet)."""
        with self.uow() as uow:
            number = uow.repo.latest_number(neighbourhood)
            return uow.repo.get(neighbourhood, number) if number else None

    def version(self, neighbourhood: str, number: int) -> PlanVersion:
        """Version ``number`` of ``neighbourhood``'s priorities (:class:`NotFound` if there is none;
        a number no version can have is never sent to the database)."""
        found = None
        if 1 <= number <= MAX_RECORD_ID:
            with self.uow() as uow:
                found = uow.repo.get(neighbourhood, number)
        if found is None:
            raise NotFound(f"{neighbourhood} has no version {number} of its priorities")
        return found

    def history(self, neighbourhood: str) -> list[VersionInfo]:
        """Every agreed version, newest first."""
        with self.uow() as uow:
            return uow.repo.history(neighbourhood)

    def can_edit(self, principal: Principal | None, neighbourhood: str) -> bool:
        """Whether ``principal`` leads ``neighbourhood``'s team: a clinician of the neighbourhood or a
        team member the care record marks as its lead (the care area's own rule)."""
        if principal is None or not principal.is_clinical or neighbourhood not in principal.neighbourhoods:
            return False
        if self.team is None:
            return principal.role is Role.CLINICIAN
        return bool(self.team.team_access(principal, neighbourhood).lead)

    def agree(
        self, principal: Principal, neighbourhood: str, rows: Sequence[Priority], note: str = ""
    ) -> PlanVersion:
        """A new version of ``neighbourhood``'s priorities agreed by ``principal`` (its lead), stored
        with its audit line in one transaction."""
        self.insights.check_neighbourhood(neighbourhood)
        if not self.can_edit(principal, neighbourhood):
            if self.security is not None:
                self.security.record(
                    principal, "plan_priorities_agreed", outcome="denied", resource=f"plan:{neighbourhood}"
                )
            raise AccessDenied(f"Only the {neighbourhood} neighbourhood lead can agree its priorities.")
        checked = check_rows(rows)
        if len(note) > 1000:
            raise PlanError("The note must be 1,000 characters or fewer")
        try:
            with self.uow() as uow:
                number = uow.repo.latest_number(neighbourhood) + 1
                version = PlanVersion(
                    neighbourhood, number, checked, principal.display_name, self.clock(), note.strip()
                )
                uow.repo.add(version)
                uow.audit(
                    principal,
                    "plan_priorities_agreed",
                    resource=f"plan:{neighbourhood}:v{number}",
                    detail=f"{len(checked)} activities",
                )
        except IntegrityError:
            raise PlanError(
                "Someone else agreed a version of these priorities at the same moment",
                hint="open the plan again and make your changes on the newest version",
            ) from None
        return version

    def seed_starter(self, neighbourhoods: Sequence[str] | None = None) -> int:
        """Version 1 from the starter rows for each neighbourhood without priorities (one
        transaction); returns how many were seeded."""
        names = list(neighbourhoods) if neighbourhoods is not None else list(self.neighbourhoods())
        with self.uow() as uow:
            have = uow.repo.numbered()
            todo = [nb for nb in names if nb not in have]
            for nb in todo:
                uow.repo.add(PlanVersion(nb, 1, STARTER, AGREED_BY, self.clock()))
        return len(todo)

    # --- you said, we did -------------------------------------------------------------------------

    def you_said_we_did(self, neighbourhood: str) -> tuple[int | None, tuple[ThemeAnswer, ...]]:
        """For each theme: what people said (engagement; ``None`` = suppressed or none gathered) and
        the agreed actions answering it. Returns (total comments, answers); total ``0`` when the
        engagement area has nothing."""
        self.insights.check_neighbourhood(neighbourhood)
        counts: dict[str, int | None] = {}
        total: int | None = 0
        if self.engagement is not None:
            summary = self.engagement.summary(neighbourhood)
            total = summary.total
            counts = {t.theme: t.count for t in summary.themes}
        current = self.current(neighbourhood)
        answers = tuple(
            ThemeAnswer(
                theme,
                label,
                counts.get(theme, 0 if total == 0 else None),
                current.answering(theme) if current else (),
            )
            for theme, label in WHAT_PEOPLE_VALUE.items()
        )
        return total, answers


__all__ = ["COUNTY", "NotReady", "PlansService", "ThemeAnswer"]
