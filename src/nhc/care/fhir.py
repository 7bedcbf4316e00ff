"""Care records as FHIR R4 resources (plain dicts that validate against the ``fhir.resources`` R4
models; the FHIR API serves them).

=====================  =====================================================================
NHC                    FHIR R4
=====================  =====================================================================
caseload episode       ``EpisodeOfCare`` (virtual ward stay: status, period, care manager)
neighbourhood team     ``CareTeam`` (participants with their role; the team of one patient too)
care plan              ``CarePlan`` (what matters as a note, contained ``Goal``\\s, activities
                       with owner and due date, ``meta.versionId`` = plan version)
task                   ``Task`` (owner, due date as ``restriction.period.end``, status)
referral               ``ServiceRequest`` (to a service; status) and a ``Task`` to act on it
=====================  =====================================================================

Staff appear as ``Practitioner/staff-<id>``; people as ``Patient/<patient_id>`` (the same ids the
FHIR API uses for the lake's patients).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from nhc.care import domain as d
from nhc.care.services import EpisodeView, PlanView, StaffView, TaskView

SYSTEM = "https://nhc.example.org/fhir"
ID_EPISODE = f"{SYSTEM}/id/care-episode"
ID_PLAN = f"{SYSTEM}/id/care-plan"
ID_TASK = f"{SYSTEM}/id/care-task"
CS_ROLE = f"{SYSTEM}/CodeSystem/team-role"
CS_SERVICE = f"{SYSTEM}/CodeSystem/service"
CS_OUTCOME = f"{SYSTEM}/CodeSystem/virtual-ward-outcome"

EPISODE_STATUS = {d.ACTIVE: "active", d.STEPPED_DOWN: "active", d.DISCHARGED: "finished"}
TASK_STATUS = {
    "todo": "ready",
    "in_progress": "in-progress",
    "done": "completed",
    "cancelled": "cancelled",
    "requested": "requested",
    "accepted": "accepted",
    "completed": "completed",
    "declined": "rejected",
}
REQUEST_STATUS = {
    "requested": "active",
    "accepted": "active",
    "completed": "completed",
    "declined": "revoked",
}


def _patient(pid: int) -> dict[str, str]:
    return {"reference": f"Patient/{pid}"}


def _practitioner(staff_id: int, name: str | None) -> dict[str, str]:
    ref = {"reference": f"Practitioner/staff-{staff_id}"}
    if name:
        ref["display"] = name
    return ref


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60] or "team"


def _date(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat() + "Z"
    return value.isoformat()


def episode_of_care(ep: EpisodeView) -> dict[str, Any]:
    period: dict[str, str] = {"start": _date(ep.admitted_on)}  # type: ignore[dict-item]
    if ep.discharged_on:
        period["end"] = _date(ep.discharged_on)  # type: ignore[assignment]
    res: dict[str, Any] = {
        "resourceType": "EpisodeOfCare",
        "id": f"care-episode-{ep.id}",
        "identifier": [{"system": ID_EPISODE, "value": str(ep.id)}],
        "status": EPISODE_STATUS[ep.status],
        "type": [
            {
                "coding": [
                    {
                        "system": f"{SYSTEM}/CodeSystem/episode-type",
                        "code": "virtual-ward",
                        "display": "Virtual ward / neighbourhood caseload",
                    }
                ],
                "text": f"Virtual ward ({ep.status.replace('_', ' ')})",
            }
        ],
        "patient": _patient(ep.patient_id),
        "period": period,
        "team": [
            {"reference": f"CareTeam/{team_id(ep.neighbourhood)}", "display": f"{ep.neighbourhood} team"}
        ],
    }
    if ep.staff_id:
        res["careManager"] = _practitioner(ep.staff_id, ep.staff_name)
    if ep.referral_id:
        res["referralRequest"] = [{"reference": f"ServiceRequest/care-referral-{ep.referral_id}"}]
    return res


def team_id(neighbourhood: str) -> str:
    return f"team-{_slug(neighbourhood)}"


def care_team(
    neighbourhood: str, staff: Iterable[StaffView], *, episode: EpisodeView | None = None
) -> dict[str, Any]:
    """The neighbourhood's integrated team (or, with ``episode``, the team around one patient)."""
    participants = []
    for s in staff:
        participants.append(
            {
                "role": [
                    {
                        "coding": [{"system": CS_ROLE, "code": s.role, "display": s.role_label}],
                        "text": s.role_label,
                    }
                ],
                "member": _practitioner(s.id, s.name),
            }
        )
    res: dict[str, Any] = {
        "resourceType": "CareTeam",
        "id": team_id(neighbourhood) if episode is None else f"care-episode-{episode.id}-team",
        "status": "active",
        "name": f"{neighbourhood} integrated neighbourhood team",
        "participant": participants,
    }
    if episode is not None:
        res["subject"] = _patient(episode.patient_id)
    return res


def care_plan(plan: PlanView) -> dict[str, Any]:
    goals = [
        {
            "resourceType": "Goal",
            "id": f"goal-{i}",
            "lifecycleStatus": "active",
            "description": {"text": g},
            "subject": _patient(plan.patient_id),
        }
        for i, g in enumerate(plan.goals, 1)
    ]
    activities = []
    for a in plan.actions:
        detail: dict[str, Any] = {
            "status": "not-started",
            "description": a["action"],
            "performer": [{"display": a["owner"]}],
        }
        if a.get("due"):
            detail["scheduledPeriod"] = {"end": a["due"]}
        activities.append({"detail": detail})
    res: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": f"care-plan-{plan.id}",
        "meta": {"versionId": str(plan.version), "lastUpdated": _date(plan.updated_at)},
        "identifier": [{"system": ID_PLAN, "value": str(plan.id)}],
        "status": "active",
        "intent": "plan",
        "title": "Personalised care and support plan",
        "description": plan.what_matters,
        "subject": _patient(plan.patient_id),
        "period": {"end": _date(plan.review_date)},
        "contained": goals,
        "goal": [{"reference": f"#{g['id']}"} for g in goals],
        "note": [{"text": f"What matters to me: {plan.what_matters}"}],
    }
    if activities:
        res["activity"] = activities
    if plan.episode_id:
        res["supportingInfo"] = [{"reference": f"EpisodeOfCare/care-episode-{plan.episode_id}"}]
    if not goals:
        res.pop("contained")
        res.pop("goal")
    return res


def task(t: TaskView) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Task",
        "id": f"care-task-{t.id}",
        "meta": {"versionId": str(t.version)},
        "identifier": [{"system": ID_TASK, "value": str(t.id)}],
        "status": TASK_STATUS[t.status],
        "intent": "order",
        "description": t.title,
        "restriction": {"period": {"end": _date(t.due_on)}},
    }
    if t.patient_id is not None:
        res["for"] = _patient(t.patient_id)
    if t.owner_staff_id:
        res["owner"] = _practitioner(t.owner_staff_id, t.owner_name)
    if t.kind == "referral":
        res["focus"] = {"reference": f"ServiceRequest/care-referral-{t.id}"}
        res["code"] = {"text": "Fulfil referral"}
    if t.detail:
        res["note"] = [{"text": t.detail}]
    if t.episode_id:
        res["basedOn"] = [{"reference": f"EpisodeOfCare/care-episode-{t.episode_id}"}]
    return res


def service_request(t: TaskView) -> dict[str, Any]:
    """A referral between services. FHIR needs a subject: referrals not about one person are refused."""
    if t.kind != "referral":
        raise d.InvalidCareInput(f"task {t.id} is not a referral")
    if t.patient_id is None:
        raise d.InvalidCareInput(f"referral {t.id} is not about one person, so it has no FHIR ServiceRequest")
    res: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": f"care-referral-{t.id}",
        "identifier": [{"system": ID_TASK, "value": str(t.id)}],
        "status": REQUEST_STATUS[t.status],
        "intent": "order",
        "code": {"text": t.title},
        "subject": _patient(t.patient_id),
        "occurrencePeriod": {"end": _date(t.due_on)},
    }
    if t.to_service:
        res["performerType"] = {
            "coding": [{"system": CS_SERVICE, "code": t.to_service}],
            "text": t.to_service.replace("_", " "),
        }
        res["category"] = [{"coding": [{"system": CS_SERVICE, "code": t.to_service}]}]
    if t.from_service:
        res["requester"] = {"display": t.from_service.replace("_", " ")}
    if t.owner_staff_id:
        res["performer"] = [_practitioner(t.owner_staff_id, t.owner_name)]
    if t.detail:
        res["note"] = [{"text": t.detail}]
    return res
