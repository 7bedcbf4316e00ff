"""Tasks (for a person in the team) and referrals (between services): kinds, statuses, moves."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from nhc.care.domain.errors import InvalidCareInput, NotFoundError


class TaskKind(StrEnum):
    TASK = "task"
    REFERRAL = "referral"


class TaskStatus(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class ReferralStatus(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    COMPLETED = "completed"
    DECLINED = "declined"


TASK_STATUSES = {"todo": "To do", "in_progress": "In progress", "done": "Done", "cancelled": "Cancelled"}
REFERRAL_STATUSES = {
    "requested": "Requested",
    "accepted": "Accepted",
    "completed": "Completed",
    "declined": "Declined",
}
TASK_KINDS: tuple[str, ...] = tuple(k.value for k in TaskKind)
#: Statuses in which a task or referral still needs someone to act (so it can be overdue).
OUTSTANDING = frozenset(
    {TaskStatus.TODO, TaskStatus.IN_PROGRESS, ReferralStatus.REQUESTED, ReferralStatus.ACCEPTED}
)
SERVICES = (
    "virtual_ward",
    "gp_practice",
    "community_nursing",
    "pharmacy",
    "physiotherapy",
    "mental_health",
    "social_prescribing",
    "care_home_support",
    "social_care",
    "hospital",
)


def statuses_for(kind: str) -> dict[str, str]:
    """The statuses (with labels) a task or a referral can have."""
    return TASK_STATUSES if kind == TaskKind.TASK else REFERRAL_STATUSES


def initial_status(kind: str) -> str:
    return TaskStatus.TODO.value if kind == TaskKind.TASK else ReferralStatus.REQUESTED.value


def check_task_status(kind: str, status: str) -> None:
    allowed = statuses_for(kind)
    if status not in allowed:
        raise InvalidCareInput(f"unknown {kind} status {status!r}", hint=f"use one of: {', '.join(allowed)}")


def check_service(service: str | None, label: str) -> None:
    if service and service not in SERVICES:
        raise InvalidCareInput(f"unknown {label} {service!r}", hint=f"one of: {', '.join(SERVICES)}")


class TaskRules:
    """Behaviour of a task or referral, mixed into the stored row and the in-memory :class:`Task`."""

    if TYPE_CHECKING:
        id: int
        kind: str
        status: str
        neighbourhood: str
        patient_id: int | None
        due_on: dt.date
        updated_at: dt.datetime

    def move_to(self, status: str, at: dt.datetime) -> None:
        """Any status of its kind (the team board lets people correct a slip)."""
        check_task_status(self.kind, status)
        self.status, self.updated_at = status, at

    def accept_for_admission(self, patient_id: int, neighbourhood: str, at: dt.datetime) -> bool:
        """A referral to the virtual ward is accepted by admitting its person: refused when it is not a
        referral, is about someone else or is held by another team; True when it moved to accepted."""
        if self.kind != TaskKind.REFERRAL:
            raise NotFoundError(f"there is no referral with id {self.id}")
        if self.patient_id not in (None, patient_id):
            raise InvalidCareInput(f"referral {self.id} is for another person")
        if self.neighbourhood != neighbourhood:  # accepting it changes another team's record
            raise InvalidCareInput(f"referral {self.id} is held by another team")
        if self.status != ReferralStatus.REQUESTED:
            return False
        self.status, self.updated_at = ReferralStatus.ACCEPTED.value, at
        return True

    def overdue(self, today: dt.date) -> bool:
        return self.status in OUTSTANDING and self.due_on < today


@dataclass
class Task(TaskRules):
    """A task or referral in memory (tests, fakes)."""

    id: int
    kind: str
    status: str
    neighbourhood: str
    due_on: dt.date
    updated_at: dt.datetime
    patient_id: int | None = None
