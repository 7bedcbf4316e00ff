"""Care plan pages: the form, saving (with version conflicts shown), history, and the patient's shared link."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Form, Request

from nhc.care import domain as dom
from nhc.care.domain import CareError
from nhc.security.roles import Principal
from nhc.web.care.deps import (
    RecordId,
    care,
    page,
    record_number,
    require_csrf,
)
from nhc.web.care.pages.common import TEXT, common, see, who
from nhc.web.care.pages.forms import DateBoxes, date_boxes
from nhc.web.deps import current_user

router = APIRouter(prefix="/care", include_in_schema=False)


def _boxes(day: dt.date) -> DateBoxes:
    """A stored date as the NHS.UK date input shows it."""
    return DateBoxes(str(day.day), str(day.month), str(day.year))


def _plan_form(
    request: Request,
    user: Principal,
    episode_id: RecordId,
    *,
    error: CareError | None = None,
    form: dict | None = None,
):
    svc = care(request)
    detail = svc.episode(user, episode_id)
    plan = svc.plan_for_episode(user, episode_id)
    if form is None:
        form = (
            {
                "what_matters": plan.what_matters,
                "goals": "\n".join(plan.goals),
                "actions": list(plan.actions),
                "review_date": _boxes(plan.review_date),
                "shared": plan.shared_with_patient,
                "version": plan.version,
            }
            if plan
            else {
                "what_matters": "",
                "goals": "",
                "actions": [],
                "review_date": _boxes(detail.episode.review_due),
                "shared": False,
                "version": "",
            }
        )
    return page(
        request,
        "care/plan_form.html",
        {
            **common(detail.episode.neighbourhood, "caseload"),
            "d": detail,
            "plan": plan,
            "form": form,
            "error": error,
            "page_title": f"Care plan – {who(detail.episode)}",
        },
        status_code=error.http_status if error else 200,
    )


@router.get("/episodes/{episode_id}/plan")
def plan_form(request: Request, episode_id: RecordId, user: Principal = Depends(current_user)):
    return _plan_form(request, user, episode_id)


@router.post("/episodes/{episode_id}/plan")
def save_plan(
    request: Request,
    episode_id: RecordId,
    what_matters: str = Form("", max_length=TEXT),
    goals: str = Form("", max_length=TEXT),
    action: list[str] = Form([]),
    owner: list[str] = Form([]),
    due: list[str] = Form([]),
    review_date: str = Form("", max_length=20),
    review_date_day: str = Form("", max_length=10),
    review_date_month: str = Form("", max_length=10),
    review_date_year: str = Form("", max_length=10),
    shared: str = Form("", max_length=5),
    version: str = Form("", max_length=10),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    require_csrf(request, csrf_token)
    review = date_boxes(review_date_day, review_date_month, review_date_year, single=review_date)
    actions = [
        {"action": a, "owner": o, "due": d or None}
        for a, o, d in zip(action[:20], owner[:20], due[:20], strict=False)
    ]
    goal_list = [g.strip() for g in goals.splitlines() if g.strip()]
    fields = {
        "what_matters": what_matters,
        "goals": goal_list,
        "actions": actions,
        "review_date": review.text,
        "shared_with_patient": shared == "1",
    }
    svc = care(request)
    try:
        expected = record_number(version, "version")
        if expected is not None:
            plan = svc.plan_for_episode(user, episode_id)
            if plan is None:
                raise dom.NotFoundError(f"episode {episode_id} has no care plan to update")
            svc.update_care_plan(user, plan.id, expected, **fields)
        else:
            svc.create_care_plan(user, episode_id, **fields)
    except CareError as exc:
        form = {
            "what_matters": what_matters,
            "goals": goals,
            "actions": actions,
            "review_date": review,
            "shared": shared == "1",
            "version": version,
        }
        return _plan_form(request, user, episode_id, error=exc, form=form)
    return see(f"/care/episodes/{episode_id}/plan?saved=1")


@router.get("/plans/{plan_id}/versions")
def plan_history(request: Request, plan_id: RecordId, user: Principal = Depends(current_user)):
    svc = care(request)
    plan = svc.care_plan(user, plan_id)
    return page(
        request,
        "care/plan_history.html",
        {
            **common(plan.neighbourhood, "caseload"),
            "plan": plan,
            "versions": svc.plan_versions(user, plan_id),
            "page_title": f"Care plan {plan_id} – history",
        },
    )


@router.get("/plans/{plan_id}/versions/{version}")
def plan_version(
    request: Request, plan_id: RecordId, version: RecordId, user: Principal = Depends(current_user)
):
    svc = care(request)
    plan = svc.care_plan(user, plan_id)
    v = svc.plan_version(user, plan_id, version)
    return page(
        request,
        "care/plan_version.html",
        {
            **common(plan.neighbourhood, "caseload"),
            "plan": plan,
            "v": v,
            "page_title": f"Care plan {plan_id} – version {version}",
        },
    )


@router.get("/shared/{token}")
def shared_plan(request: Request, token: str):
    """The patient's own read-only view of a plan shared with them (the link is the secret)."""
    plan = care(request).shared_plan(token)
    return page(request, "care/plan_shared.html", {"plan": plan, "page_title": "My care and support plan"})
