"""Caseload pages: the team home, the caseload with worklist candidates, admission, one episode and its changes."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request

from nhc.care.directory import neighbourhoods
from nhc.care.domain import CareError, UnknownPatient
from nhc.security.roles import Principal
from nhc.web.care.deps import (
    RecordId,
    care,
    neighbourhood,
    page,
    patient_number,
    record_number,
    require_csrf,
)
from nhc.web.care.pages.common import TEXT, common, nb_url, see, who
from nhc.web.care.pages.forms import date_boxes
from nhc.web.deps import current_user, insights

router = APIRouter(prefix="/care", include_in_schema=False)


@router.get("")
def home(request: Request, user: Principal = Depends(current_user)):
    mine = sorted(user.neighbourhoods)
    if len(mine) == 1:
        return see(nb_url(mine[0]))
    return page(
        request,
        "care/home.html",
        {"mine": mine, "all": sorted(neighbourhoods()), "page_title": "Neighbourhood team"},
    )


def _caseload_page(
    request: Request,
    user: Principal,
    nb: str,
    *,
    error: CareError | None = None,
    form: dict | None = None,
    worklist: str | None = None,
):
    svc = care(request)
    episodes = svc.caseload(user, nb)
    try:
        candidates = svc.worklist_candidates(user, nb, worklist or None, limit=25)
    except CareError:
        raise
    except Exception:  # the lake not being ready must not hide the caseload
        candidates = []
    return page(
        request,
        "care/caseload.html",
        {
            **common(nb, "caseload"),
            "episodes": episodes,
            "candidates": candidates,
            "error": error,
            "form": form or {},
            "worklist": worklist,
            "titles": worklist_titles(request),
            "page_title": f"Caseload – {nb}",
        },
        status_code=error.http_status if error else 200,
    )


def worklist_titles(request: Request) -> dict[str, str]:
    """Worklist name → its plain-English title (the analytics' definitions)."""
    return {k: v["title"] for k, v in insights(request).worklist_definitions().items()}


def _admit_page(
    request: Request,
    user: Principal,
    nb: str,
    patient_id: str,
    *,
    error: CareError | None = None,
    form: dict | None = None,
):
    """The admission form for one person, chosen on the worklist or their patient page."""
    choice = care(request).admission_choice(user, patient_number(patient_id))
    if choice.neighbourhood != nb:  # the person's own team admits them
        return see(nb_url(choice.neighbourhood, f"/admit?patient_id={choice.patient_id}"))
    return page(
        request,
        "care/admit.html",
        {
            **common(nb, "caseload"),
            "c": choice,
            "titles": worklist_titles(request),
            "error": error,
            "form": form or {},
            "page_title": f"Admit {choice.person.name if choice.person and choice.person.name else ''}"
            f" to the caseload – {nb}",
        },
        status_code=error.http_status if error else 200,
    )


@router.get("/{nb}/admit")
def admit_form(request: Request, nb: str, patient_id: str = "", user: Principal = Depends(current_user)):
    return _admit_page(request, user, neighbourhood(nb), patient_id)


@router.get("/{nb}")
def caseload(request: Request, nb: str, worklist: str | None = None, user: Principal = Depends(current_user)):
    return _caseload_page(request, user, neighbourhood(nb), worklist=worklist)


@router.post("/{nb}/admit")
def admit(
    request: Request,
    nb: str,
    patient_id: str = Form("", max_length=20),
    source: str = Form("worklist", max_length=20),
    worklist: str = Form("", max_length=64),
    reason: str = Form("", max_length=TEXT),
    needs: list[str] = Form([]),
    points: str = Form("", max_length=4),
    referral_id: str = Form("", max_length=20),
    found_by: str = Form("", max_length=80),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    nb = neighbourhood(nb)
    require_csrf(request, csrf_token)
    # The admission form's one choice: "worklist:<name>" or "referral" (no typed worklist key).
    if found_by == "referral":
        source = "referral"
    elif found_by.startswith("worklist:"):
        source, worklist = "worklist", found_by.removeprefix("worklist:")
    form = {
        "patient_id": patient_id,
        "source": source,
        "worklist": worklist,
        "reason": reason,
        "needs": needs,
        "points": points,
        "referral_id": referral_id,
    }
    try:
        ep = care(request).admit(
            user,
            patient_number(patient_id),
            source=source,
            worklist=worklist or None,
            reason=reason,
            needs=needs or None,
            points=record_number(points, "workload points"),
            referral_id=record_number(referral_id, "referral id"),
        )
    except CareError as exc:
        if not isinstance(exc, UnknownPatient) and patient_id.strip():
            try:  # the form again, for this person, with the message and what they typed
                return _admit_page(request, user, nb, patient_id, error=exc, form=form)
            except CareError:
                pass
        return _caseload_page(request, user, nb, error=exc, form=form)
    return see(f"/care/episodes/{ep.id}")


def _episode_page(
    request: Request,
    user: Principal,
    episode_id: int,
    *,
    error: CareError | None = None,
    form: dict | None = None,
):
    """The episode, or (after a refused change) the episode with the message and what was typed."""
    svc = care(request)
    detail = svc.episode(user, episode_id)
    nb = detail.episode.neighbourhood
    return page(
        request,
        "care/episode.html",
        {
            **common(nb, "caseload"),
            "d": detail,
            "staff": svc.list_staff(locality=detail.episode.locality),
            "error": error,
            "form": form or {},
            "page_title": f"{who(detail.episode)} – virtual ward",
        },
        status_code=error.http_status if error else 200,
    )


@router.get("/episodes/{episode_id}")
def episode(request: Request, episode_id: RecordId, user: Principal = Depends(current_user)):
    return _episode_page(request, user, episode_id)


@router.post("/episodes/{episode_id}/status")
def change_status(
    request: Request,
    episode_id: RecordId,
    status: str = Form("", max_length=32),
    outcome: str = Form("", max_length=32),
    version: str = Form("", max_length=10),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    require_csrf(request, csrf_token)
    try:
        care(request).change_status(
            user,
            episode_id,
            status,
            outcome=outcome or None,
            expected_version=record_number(version, "version"),
        )
    except CareError as exc:
        return _episode_page(
            request, user, episode_id, error=exc, form={"status": status, "outcome": outcome}
        )
    return see(f"/care/episodes/{episode_id}")


@router.post("/episodes/{episode_id}/review")
def set_review(
    request: Request,
    episode_id: RecordId,
    review_due: str = Form("", max_length=20),
    review_due_day: str = Form("", max_length=10),
    review_due_month: str = Form("", max_length=10),
    review_due_year: str = Form("", max_length=10),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    """The next review date, in the NHS.UK date input (or as one text, ``31/12/2026``)."""
    require_csrf(request, csrf_token)
    due = date_boxes(review_due_day, review_due_month, review_due_year, single=review_due)
    try:
        care(request).set_review(user, episode_id, due.text)
    except CareError as exc:
        return _episode_page(request, user, episode_id, error=exc, form={"review_due": due})
    return see(f"/care/episodes/{episode_id}")


@router.post("/episodes/{episode_id}/events")
def record_event(
    request: Request,
    episode_id: RecordId,
    kind: str = Form("", max_length=64),
    occurred_on: str = Form("", max_length=20),
    occurred_on_day: str = Form("", max_length=10),
    occurred_on_month: str = Form("", max_length=10),
    occurred_on_year: str = Form("", max_length=10),
    detail: str = Form("", max_length=TEXT),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    """An event on the episode; its date in the NHS.UK date input (empty boxes: today)."""
    require_csrf(request, csrf_token)
    on = date_boxes(occurred_on_day, occurred_on_month, occurred_on_year, single=occurred_on)
    try:
        care(request).record_event(user, episode_id, kind, on.text or None, detail)
    except CareError as exc:
        form = {"kind": kind, "occurred_on": on, "detail": detail}
        return _episode_page(request, user, episode_id, error=exc, form=form)
    return see(f"/care/episodes/{episode_id}")
