"""Rules of the integrated neighbourhood team, free of storage and HTTP.

Roles and the skills each brings, episode statuses and outcomes and the moves allowed between them,
workload points, care-plan content checks, task statuses, MDT agenda reasons, and the errors the care
service raises (each an :class:`~nhc.errors.NhcError` with the HTTP status the web layer should use).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from nhc.errors import NhcError

# ------------------------------------------------------------------------------------------- errors


class CareError(NhcError):
    """A problem with a care request the user can fix. ``http_status`` tells the web layer what to say."""

    http_status = 400


class InvalidCareInput(CareError):
    """A value is missing or out of range (HTTP 422)."""

    http_status = 422


class NotFoundError(CareError):
    """No such record (HTTP 404)."""

    http_status = 404


class UnknownPatient(NotFoundError):
    def __init__(self, patient_id: Any) -> None:
        super().__init__(
            f"there is no person with id {patient_id} in the insight tables",
            hint="check the patient id, or run `nhc run` if the lake is new",
        )
        self.patient_id = patient_id


class ConflictError(CareError):
    """The request clashes with the current state (HTTP 409)."""

    http_status = 409


class StaleVersion(ConflictError):
    """Someone else saved first: the caller's copy is out of date."""

    def __init__(self, what: str, expected: int, current: int) -> None:
        super().__init__(
            f"{what} was changed by someone else: you edited version {expected}, the current version is "
            f"{current}",
            hint=f"reload version {current}, re-apply your changes and save again",
        )
        self.expected, self.current = expected, current


class MissingSkills(ConflictError):
    def __init__(self, staff_name: str, missing: set[str]) -> None:
        super().__init__(
            f"{staff_name} does not have the skills this patient needs: {', '.join(sorted(missing))}",
            hint="choose someone with those skills",
        )
        self.missing = missing


class OverCapacity(ConflictError):
    def __init__(self, staff_name: str, load: int, points: int, capacity: int) -> None:
        super().__init__(
            f"{staff_name} would be over capacity: {load} + {points} points > {capacity} points a week",
            hint="choose someone with room, or step down or discharge one of their patients first",
        )
        self.load, self.points, self.capacity = load, points, capacity


class StaffAbsent(ConflictError):
    def __init__(self, staff_name: str, until: dt.date | None) -> None:
        suffix = f" until {until:%d %b %Y}" if until else ""
        super().__init__(f"{staff_name} is absent{suffix}", hint="choose someone who is working")


# -------------------------------------------------------------------------------------- roles/skills

#: Team roles and the skills each brings by default (a staff record may add or remove skills).
ROLE_SKILLS: dict[str, frozenset[str]] = {
    "gp": frozenset({"medical", "prescribing"}),
    "community_nurse": frozenset({"nursing", "wound_care"}),
    "clinical_pharmacist": frozenset({"prescribing", "medicines_review"}),
    "physiotherapist": frozenset({"mobility"}),
    "mental_health_link_worker": frozenset({"mental_health"}),
    "social_prescriber": frozenset({"social_prescribing"}),
    "care_home_support": frozenset({"nursing", "medicines_review", "care_home"}),
}
ROLE_LABELS = {
    "gp": "GP",
    "community_nurse": "Community nurse",
    "clinical_pharmacist": "Clinical pharmacist",
    "physiotherapist": "Physiotherapist",
    "mental_health_link_worker": "Mental health link worker",
    "social_prescriber": "Social prescriber",
    "care_home_support": "Care home support",
}
SKILLS: frozenset[str] = frozenset().union(*ROLE_SKILLS.values())


def parse_staff_role(value: str) -> str:
    key = str(value or "").strip().lower().replace("-", "_").replace(" ", "_")
    if key not in ROLE_SKILLS:
        raise InvalidCareInput(f"unknown team role {value!r}", hint=f"use one of: {', '.join(ROLE_SKILLS)}")
    return key


def parse_skills(values: Any) -> frozenset[str]:
    """A set of known skills from a list or a comma/semicolon-separated string."""
    if values is None:
        return frozenset()
    if isinstance(values, str):
        values = values.replace(";", ",").split(",")
    out = {str(v).strip().lower().replace(" ", "_") for v in values if str(v).strip()}
    unknown = out - SKILLS
    if unknown:
        raise InvalidCareInput(
            f"unknown skill(s): {', '.join(sorted(unknown))}", hint=f"use: {', '.join(sorted(SKILLS))}"
        )
    return frozenset(out)


def join_skills(skills: frozenset[str] | set[str]) -> str:
    return ",".join(sorted(skills))


def split_skills(text: str | None) -> frozenset[str]:
    return frozenset(s for s in (text or "").split(",") if s)


# ------------------------------------------------------------------------------ episodes (caseload)

ACTIVE, STEPPED_DOWN, DISCHARGED = "active", "stepped_down", "discharged"
EPISODE_STATUSES = (ACTIVE, STEPPED_DOWN, DISCHARGED)
OPEN_STATUSES = (ACTIVE, STEPPED_DOWN)
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
    if new not in EPISODE_STATUSES:
        raise InvalidCareInput(f"unknown status {new!r}", hint=f"use one of: {', '.join(EPISODE_STATUSES)}")
    if new not in TRANSITIONS[current]:
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


def suggest_needs(insight: dict[str, Any] | None) -> frozenset[str]:
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


# ------------------------------------------------------------------------------------ tasks/referrals

TASK_STATUSES = {"todo": "To do", "in_progress": "In progress", "done": "Done", "cancelled": "Cancelled"}
REFERRAL_STATUSES = {
    "requested": "Requested",
    "accepted": "Accepted",
    "completed": "Completed",
    "declined": "Declined",
}
TASK_KINDS = ("task", "referral")
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


def check_task_status(kind: str, status: str) -> None:
    allowed = TASK_STATUSES if kind == "task" else REFERRAL_STATUSES
    if status not in allowed:
        raise InvalidCareInput(f"unknown {kind} status {status!r}", hint=f"use one of: {', '.join(allowed)}")


def check_text(value: Any, field: str, *, max_len: int = 2000, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidCareInput(f"{field} is required")
    if len(text) > max_len:
        raise InvalidCareInput(f"{field} must be {max_len:,} characters or fewer (got {len(text):,})")
    return text


def check_due(due: Any, field: str = "due date") -> dt.date:
    if isinstance(due, dt.datetime):
        return due.date()
    if isinstance(due, dt.date):
        return due
    try:
        return dt.date.fromisoformat(str(due).strip())
    except ValueError:
        raise InvalidCareInput(f"{field} must be a date like 2026-04-30, not {due!r}") from None


# ----------------------------------------------------------------------------------------- care plans


@dataclass(frozen=True)
class PlanAction:
    action: str
    owner: str
    due: dt.date | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action, "owner": self.owner, "due": self.due.isoformat() if self.due else None}


def check_plan(what_matters: Any, goals: Any, actions: Any) -> tuple[str, list[str], list[PlanAction]]:
    """Validate care-plan content: what matters (required), goals (list of text), actions with owners."""
    wm = check_text(what_matters, "What matters to me", max_len=4000)
    if isinstance(goals, str):
        goals = [g for g in goals.splitlines()]
    goal_list = [check_text(g, "a goal", max_len=500) for g in (goals or []) if str(g).strip()]
    if not goal_list:
        raise InvalidCareInput("a care plan needs at least one goal")
    out: list[PlanAction] = []
    for i, a in enumerate(actions or [], 1):
        if isinstance(a, PlanAction):
            out.append(a)
            continue
        text = str(a.get("action") or "").strip()
        if not text:
            continue
        owner = str(a.get("owner") or "").strip()
        if not owner:
            raise InvalidCareInput(f"action {i} ({text[:40]}) needs an owner")
        due = a.get("due")
        out.append(
            PlanAction(
                check_text(text, f"action {i}", max_len=500),
                check_text(owner, "owner", max_len=200),
                check_due(due, f"action {i} due date") if due else None,
            )
        )
    return wm, goal_list, out


# ---------------------------------------------------------------------------------------------- MDT

AGENDA_REASONS = {
    "new_admission": "New admission",
    "deteriorated": "Deteriorated",
    "overdue_review": "Review overdue",
}
#: A rise in predicted risk of at least this much since admission puts the patient on the agenda.
RISK_RISE = 0.05
#: Recorded events that mean a patient deteriorated.
DETERIORATION_EVENTS = {
    "emergency_attendance": "Emergency (A&E) attendance",
    "emergency_admission": "Emergency admission",
    "deterioration": "Deterioration reported",
    "fall": "Fall",
}
DEFAULT_LOOKBACK_DAYS = 14


def deterioration_signals(
    risk_then: float | None, risk_now: float | None, ae_then: int | None, ae_now: int | None
) -> list[str]:
    """What the insight tables say changed since admission: a rise in predicted risk of at least
    :data:`RISK_RISE`, or more A&E attendances in the last 12 months than at admission."""
    out = []
    if risk_then is not None and risk_now is not None and risk_now - risk_then >= RISK_RISE:
        out.append(f"risk up from {risk_then:.0%} to {risk_now:.0%}")
    if ae_then is not None and ae_now is not None and ae_now > ae_then:
        n = ae_now - ae_then
        out.append(f"{n} new A&E attendance{'s' if n > 1 else ''} in the insight tables")
    return out
