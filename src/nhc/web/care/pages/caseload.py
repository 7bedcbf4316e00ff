"""Caseload pages: the team home, the caseload with worklist candidates, admission, one episode and its changes."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request

from nhc.care.directory import neighbourhoods
from nhc.care.domain import CareError
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
from nhc.web.care.pages.common import TEXT, common, nb_url, see
from nhc.web.deps import current_user

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
            "page_title": f"Caseload – {nb}",
        },
        status_code=error.http_status if error else 200,
    )


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
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    nb = neighbourhood(nb)
    require_csrf(request, csrf_token)
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
        return _caseload_page(request, user, nb, error=exc, form=form)
    return see(f"/care/episodes/{ep.id}")


@router.get("/episodes/{episode_id}")
def episode(request: Request, episode_id: RecordId, user: Principal = Depends(current_user)):
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
            "page_title": f"Patient {detail.episode.patient_id} – virtual ward",
        },
    )


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
    care(request).change_status(
        user,
        episode_id,
        status,
        outcome=outcome or None,
        expected_version=record_number(version, "version"),
    )
    return see(f"/care/episodes/{episode_id}")


@router.post("/episodes/{episode_id}/review")
def set_review(
    request: Request,
    episode_id: RecordId,
    review_due: str = Form("", max_length=20),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    require_csrf(request, csrf_token)
    care(request).set_review(user, episode_id, review_due)
    return see(f"/care/episodes/{episode_id}")


@router.post("/episodes/{episode_id}/events")
def record_event(
    request: Request,
    episode_id: RecordId,
    kind: str = Form("", max_length=64),
    occurred_on: str = Form("", max_length=20),
    detail: str = Form("", max_length=TEXT),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    require_csrf(request, csrf_token)
    care(request).record_event(user, episode_id, kind, occurred_on or None, detail)
    return see(f"/care/episodes/{episode_id}")
