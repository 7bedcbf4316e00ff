"""Personalised care plans: what the content must hold, and revising a plan under optimistic locking."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from nhc.care.domain.errors import InvalidCareInput, check_version
from nhc.care.domain.values import check_due, check_text


class PlanStatus(StrEnum):
    ACTIVE = "active"


@dataclass(frozen=True)
class PlanAction:
    action: str
    owner: str
    due: dt.date | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"action": self.action, "owner": self.owner, "due": self.due.isoformat() if self.due else None}


ActionInput = PlanAction | Mapping[str, object]


def _check_action(i: int, a: Mapping[str, object]) -> PlanAction | None:
    text = str(a.get("action") or "").strip()
    if not text:
        return None  # a blank row of the form
    owner = str(a.get("owner") or "").strip()
    if not owner:
        raise InvalidCareInput(f"action {i} ({text[:40]}) needs an owner")
    due = a.get("due")
    return PlanAction(
        check_text(text, f"action {i}", max_len=500),
        check_text(owner, "owner", max_len=200),
        check_due(due, f"action {i} due date") if due else None,
    )


def check_plan(
    what_matters: object, goals: str | Iterable[object] | None, actions: Iterable[ActionInput] | None
) -> tuple[str, list[str], list[PlanAction]]:
    """Validate care-plan content: what matters (required), goals (list of text), actions with owners."""
    wm = check_text(what_matters, "What matters to me", max_len=4000)
    if isinstance(goals, str):
        goals = goals.splitlines()
    goal_list = [check_text(g, "a goal", max_len=500) for g in (goals or []) if str(g).strip()]
    if not goal_list:
        raise InvalidCareInput("a care plan needs at least one goal")
    out: list[PlanAction] = []
    for i, a in enumerate(actions or [], 1):
        action = a if isinstance(a, PlanAction) else _check_action(i, a)
        if action is not None:
            out.append(action)
    return wm, goal_list, out


@dataclass(frozen=True)
class PlanContent:
    """What a user writes in a plan, checked (:meth:`parse`)."""

    what_matters: str
    goals: tuple[str, ...]
    actions: tuple[PlanAction, ...]
    review_date: dt.date
    shared_with_patient: bool

    @classmethod
    def parse(
        cls,
        what_matters: object,
        goals: str | Iterable[object] | None,
        actions: Iterable[ActionInput] | None,
        review_date: object,
        shared_with_patient: bool,
    ) -> PlanContent:
        wm, goal_list, action_list = check_plan(what_matters, goals, actions)
        review = check_due(review_date, "review date")
        return cls(wm, tuple(goal_list), tuple(action_list), review, bool(shared_with_patient))


class CarePlanRules:
    """Behaviour of a care plan, mixed into the stored row and the in-memory :class:`CarePlan`. The
    version counter is bumped by whatever saves the plan (the database's version column)."""

    if TYPE_CHECKING:
        id: int
        version: int
        what_matters: str
        goals: str
        actions: str
        review_date: dt.date
        shared_with_patient: bool
        share_token: str | None
        updated_by: str
        updated_at: dt.datetime

    def write(self, content: PlanContent, by: str, at: dt.datetime) -> None:
        """Set the content; sharing keeps the existing link, or makes a new secret one; unsharing
        revokes it."""
        self.what_matters, self.goals = content.what_matters, json.dumps(list(content.goals))
        self.actions = json.dumps([a.as_dict() for a in content.actions])
        self.review_date, self.updated_by, self.updated_at = content.review_date, by, at
        if content.shared_with_patient and not self.share_token:
            self.share_token = secrets.token_urlsafe(24)
        elif not content.shared_with_patient:
            self.share_token = None
        self.shared_with_patient = content.shared_with_patient

    def revise(self, expected_version: int, content: PlanContent, by: str, at: dt.datetime) -> None:
        """A new version from an editor who started at ``expected_version``: :class:`StaleVersion`
        (nothing changed) when someone saved since."""
        check_version(self.version, expected_version, f"care plan {self.id}")
        self.write(content, by, at)

    def snapshot(self) -> dict[str, object]:
        """The content as saved in the plan's version history."""
        return {
            "what_matters": self.what_matters,
            "goals": json.loads(self.goals),
            "actions": json.loads(self.actions),
            "review_date": self.review_date.isoformat(),
            "shared_with_patient": self.shared_with_patient,
        }


@dataclass
class CarePlan(CarePlanRules):
    """A care plan in memory (tests, fakes)."""

    id: int
    version: int = 1
    what_matters: str = ""
    goals: str = "[]"
    actions: str = "[]"
    review_date: dt.date = dt.date(1970, 1, 1)
    shared_with_patient: bool = False
    share_token: str | None = None
    updated_by: str = ""
    updated_at: dt.datetime = dt.datetime(1970, 1, 1)
