"""An episode on the caseload (virtual ward): its statuses, the moves between them, its workload."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from nhc.care.domain.errors import ConflictError, InvalidCareInput
from nhc.care.domain.staff import split_skills


class EpisodeStatus(StrEnum):
    ACTIVE = "active"
    STEPPED_DOWN = "stepped_down"
    DISCHARGED = "discharged"


ACTIVE, STEPPED_DOWN, DISCHARGED = EpisodeStatus.ACTIVE, EpisodeStatus.STEPPED_DOWN, EpisodeStatus.DISCHARGED
# Plain strings (what the database stores and the drivers bind).
EPISODE_STATUSES: tuple[str, ...] = tuple(s.value for s in EpisodeStatus)
OPEN_STATUSES: tuple[str, ...] = (ACTIVE.value, STEPPED_DOWN.value)
OUTCOMES = {
    "admission_avoided": "Admission avoided",
    "admitted": "Admitted to hospital",
    "died": "Died",
    "self_care": "Back to self-care",
}
SOURCES = ("worklist", "referral")
#: Allowed status moves (discharge needs an outcome).
TRANSITIONS = {ACTIVE: {STEPPED_DOWN, DISCHARGED}, STEPPED_DOWN: {ACTIVE, DISCHARGED}, DISCHARGED: set()}
STEPPED_DOWN_POINTS = 1
DEFAULT_REVIEW_DAYS = 7


def check_transition(current: str, new: str, outcome: str | None) -> None:
    """Refuse an unknown status, a move :data:`TRANSITIONS` does not allow, or a discharge without
    an outcome from :data:`OUTCOMES`."""
    if new not in EPISODE_STATUSES:
        raise InvalidCareInput(f"unknown status {new!r}", hint=f"use one of: {', '.join(EPISODE_STATUSES)}")
    if new not in TRANSITIONS[EpisodeStatus(current)]:
        raise ConflictError(
            f"an episode that is {current.replace('_', ' ')} cannot become {new.replace('_', ' ')}"
        )
    if new == DISCHARGED and outcome not in OUTCOMES:
        raise InvalidCareInput("a discharge needs an outcome", hint=f"one of: {', '.join(OUTCOMES)}")


def default_points(risk: float | None, band: str | None) -> int:
    """Weekly workload points for a new admission: 3 for very high risk, 2 for high need, else 1."""
    if risk is not None and risk >= 0.5:
        return 3
    if band == "high" or (risk is not None and risk >= 0.2):
        return 2
    return 1


def suggest_needs(insight: dict[str, object] | None) -> frozenset[str]:
    """Skills a new admission probably needs, from the analytics (the admitter may change them)."""
    if not insight:
        return frozenset({"nursing"})
    needs = {"nursing"}
    if insight.get("care_home"):
        needs = {"care_home", "nursing"}
    registers = str(insight.get("registers") or "")
    if not insight.get("care_home") and ("mental_health" in registers or "depression" in registers):
        needs.add("mental_health")
    return frozenset(needs)


def length_of_stay(admitted_on: dt.date, discharged_on: dt.date | None, today: dt.date) -> int:
    return ((discharged_on or today) - admitted_on).days


def episode_points(status: str, points: int) -> int:
    """The load an episode puts on its clinician: full points when active, 1 when stepped down."""
    if status == ACTIVE:
        return points
    if status == STEPPED_DOWN:
        return min(points, STEPPED_DOWN_POINTS)
    return 0


class EpisodeRules:
    """Behaviour of an episode, mixed into the stored row (:class:`nhc.care.models.Episode`) and the
    in-memory :class:`Episode`: the state changes go through these methods, never by hand."""

    if TYPE_CHECKING:
        id: int
        status: str
        points: int
        needs: str
        admitted_on: dt.date
        review_due: dt.date
        discharged_on: dt.date | None
        outcome: str | None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def load(self) -> int:
        """Weekly points this episode puts on its clinician now."""
        return episode_points(self.status, self.points)

    @property
    def need_set(self) -> frozenset[str]:
        return split_skills(self.needs)

    def change_status(self, new: str, *, outcome: str | None, today: dt.date) -> None:
        """Step down, step back up, or discharge (which needs an outcome and records the day)."""
        check_transition(self.status, new, outcome)
        self.status = EpisodeStatus(new).value
        if new == DISCHARGED:
            self.discharged_on, self.outcome = today, outcome

    def discharge(self, outcome: str | None, today: dt.date) -> None:
        self.change_status(DISCHARGED, outcome=outcome, today=today)

    def step_down(self) -> None:
        check_transition(self.status, STEPPED_DOWN, None)
        self.status = STEPPED_DOWN.value

    def set_review(self, due: dt.date) -> None:
        """Move the next review; a discharged episode has none."""
        if self.status == DISCHARGED:
            raise ConflictError(f"episode {self.id} is discharged")
        self.review_due = due

    def require_open(self) -> None:
        if not self.is_open:
            raise ConflictError(f"episode {self.id} is discharged")

    def length_of_stay(self, today: dt.date) -> int:
        return length_of_stay(self.admitted_on, self.discharged_on, today)

    def review_overdue(self, today: dt.date) -> bool:
        return self.status != DISCHARGED and self.review_due < today


@dataclass
class Episode(EpisodeRules):
    """An episode in memory (tests, fakes): the same rules as the stored one."""

    id: int
    status: str
    points: int
    admitted_on: dt.date
    review_due: dt.date
    needs: str = "nursing"
    discharged_on: dt.date | None = None
    outcome: str | None = None
