"""Team and allocation pages: staff and absences, proposing and accepting an allocation, overrides."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request

from nhc.care import domain as dom
from nhc.care.domain import CareError
from nhc.security.roles import Principal
from nhc.web.care.deps import (
    RecordId,
    care,
    neighbourhood,
    page,
    record_number,
    require_csrf,
)
from nhc.web.care.pages.common import common, nb_url, see
from nhc.web.care.pages.forms import date_boxes, error_field
from nhc.web.deps import current_user

router = APIRouter(prefix="/care", include_in_schema=False)


#: Words of a care error's message → the box of the absence form it is about.
ABSENCE_FIELDS = {"who is absent": "staff_id", "start date": "starts_on", "end date": "ends_on",
                  "cannot end": "ends_on", "reason": "reason"}  # fmt: skip


def _team_page(
    request: Request, user: Principal, nb: str, *, error: CareError | None = None, form: dict | None = None
):
    svc = care(request)
    staff = svc.list_staff(nb, principal=user)
    names = {s.id: s.name for s in staff}
    return page(
        request,
        "care/team.html",
        {
            **common(nb, "team"),
            "staff": staff,
            "absences": [(a, names.get(a.staff_id, "")) for a in svc.absences(user, nb)],
            "error": error,
            "field": error_field(error, ABSENCE_FIELDS),
            "form": form or {},
            "page_title": f"Team – {nb}",
        },
        status_code=error.http_status if error else 200,
    )


@router.get("/{nb}/team")
def team(request: Request, nb: str, user: Principal = Depends(current_user)):
    return _team_page(request, user, neighbourhood(nb))


@router.post("/{nb}/absences")
def add_absence(
    request: Request,
    nb: str,
    staff_id: str = Form("", max_length=10),
    starts_on: str = Form("", max_length=20),
    starts_on_day: str = Form("", max_length=10),
    starts_on_month: str = Form("", max_length=10),
    starts_on_year: str = Form("", max_length=10),
    ends_on: str = Form("", max_length=20),
    ends_on_day: str = Form("", max_length=10),
    ends_on_month: str = Form("", max_length=10),
    ends_on_year: str = Form("", max_length=10),
    reason: str = Form("", max_length=200),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    """Record an absence: the dates in the NHS.UK date input (or each as one text, ``31/12/2026``)."""
    nb = neighbourhood(nb)
    require_csrf(request, csrf_token)
    starts = date_boxes(starts_on_day, starts_on_month, starts_on_year, single=starts_on)
    ends = date_boxes(ends_on_day, ends_on_month, ends_on_year, single=ends_on)
    try:
        staff = record_number(staff_id, "staff id")
        if staff is None:
            raise dom.InvalidCareInput("choose who is absent")
        care(request).add_absence(user, staff, starts.text, ends.text, reason)
    except CareError as exc:  # the form again, with the message and what was typed
        form = {"staff_id": staff_id, "starts_on": starts, "ends_on": ends, "reason": reason}
        return _team_page(request, user, nb, error=exc, form=form)
    return see(nb_url(nb, "/team"))


def _allocation_page(request: Request, user: Principal, nb: str, error: CareError | None = None):
    svc = care(request)
    proposal = svc.latest_proposal(user, nb)
    waiting = proposal is not None and proposal.status == "proposed"
    return page(
        request,
        "care/allocation.html",
        {
            **common(nb, "allocation"),
            "proposal": proposal,
            "loads_after": svc.loads_after(user, proposal.id) if waiting else None,
            "staff": svc.list_staff(locality=svc.locality_of(nb)),
            "error": error,
            "page_title": f"Allocation – {nb}",
        },
        status_code=error.http_status if error else 200,
    )


@router.get("/{nb}/allocation")
def allocation(request: Request, nb: str, user: Principal = Depends(current_user)):
    return _allocation_page(request, user, neighbourhood(nb))


@router.post("/{nb}/allocation")
def propose(
    request: Request,
    nb: str,
    rebalance: str = Form("", max_length=5),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    nb = neighbourhood(nb)
    require_csrf(request, csrf_token)
    care(request).propose_allocation(user, nb, rebalance=rebalance == "1")
    return see(nb_url(nb, "/allocation"))


@router.post("/allocation/{run_id}/accept")
def accept(
    request: Request,
    run_id: RecordId,
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    require_csrf(request, csrf_token)
    svc = care(request)
    try:
        view = svc.accept_allocation(user, run_id)
    except CareError as exc:
        return _allocation_page(request, user, svc.proposal(user, run_id).neighbourhood, exc)
    return see(nb_url(view.neighbourhood, "/allocation"))


@router.post("/episodes/{episode_id}/override")
def override(
    request: Request,
    episode_id: RecordId,
    staff_id: str = Form("", max_length=10),
    why: str = Form("", max_length=1000),
    back: str = Form("", max_length=10),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    require_csrf(request, csrf_token)
    svc = care(request)
    try:
        staff = record_number(staff_id, "staff id")
        if staff is None:
            raise dom.InvalidCareInput("choose who should look after this patient")
        ep = svc.override_assignment(user, episode_id, staff, why)
    except CareError as exc:
        if back == "alloc":
            return _allocation_page(request, user, svc.episode(user, episode_id).episode.neighbourhood, exc)
        raise
    if back == "alloc":
        return see(nb_url(ep.neighbourhood, "/allocation"))
    return see(f"/care/episodes/{episode_id}")
