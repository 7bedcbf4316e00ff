"""The team board: tasks and referrals, creating them and moving them along."""

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
    patient_number,
    record_number,
    require_csrf,
)
from nhc.web.care.pages.common import TEXT, common, nb_url, see
from nhc.web.care.pages.forms import date_boxes
from nhc.web.deps import current_user

router = APIRouter(prefix="/care", include_in_schema=False)


def _board_page(
    request: Request, user: Principal, nb: str, *, error: CareError | None = None, form: dict | None = None
):
    svc = care(request)
    return page(
        request,
        "care/board.html",
        {
            **common(nb, "board"),
            "board": svc.board(user, nb),
            "staff": svc.list_staff(nb),
            "labels": {**dom.TASK_STATUSES, **dom.REFERRAL_STATUSES},
            "task_statuses": dom.TASK_STATUSES,
            "referral_statuses": dom.REFERRAL_STATUSES,
            "error": error,
            "form": form or {},
            "page_title": f"Team board – {nb}",
        },
        status_code=error.http_status if error else 200,
    )


@router.get("/{nb}/board")
def board(request: Request, nb: str, user: Principal = Depends(current_user)):
    return _board_page(request, user, neighbourhood(nb))


@router.post("/{nb}/tasks")
def create_task(
    request: Request,
    nb: str,
    title: str = Form("", max_length=300),
    due_on: str = Form("", max_length=20),
    due_on_day: str = Form("", max_length=10),
    due_on_month: str = Form("", max_length=10),
    due_on_year: str = Form("", max_length=10),
    kind: str = Form("task", max_length=16),
    owner_staff_id: str = Form("", max_length=10),
    patient_id: str = Form("", max_length=20),
    detail: str = Form("", max_length=TEXT),
    from_service: str = Form("", max_length=64),
    to_service: str = Form("", max_length=64),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    nb = neighbourhood(nb)
    require_csrf(request, csrf_token)
    due = date_boxes(due_on_day, due_on_month, due_on_year, single=due_on)  # the NHS.UK date input
    try:
        care(request).create_task(
            user,
            nb,
            title,
            due.text,
            kind=kind,
            owner_staff_id=record_number(owner_staff_id, "owner"),
            patient_id=patient_number(patient_id) if patient_id.strip() else None,
            detail=detail,
            from_service=from_service or None,
            to_service=to_service or None,
        )
    except CareError as exc:  # the form again, with the message and what was typed
        form = {
            "title": title,
            "due_on": due,
            "kind": kind,
            "owner_staff_id": owner_staff_id,
            "patient_id": patient_id,
            "detail": detail,
            "from_service": from_service,
            "to_service": to_service,
        }
        return _board_page(request, user, nb, error=exc, form=form)
    return see(nb_url(nb, "/board"))


@router.post("/tasks/{task_id}/status")
def task_status(
    request: Request,
    task_id: RecordId,
    status: str = Form("", max_length=32),
    version: str = Form("", max_length=10),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    require_csrf(request, csrf_token)
    t = care(request).update_task(user, task_id, status, expected_version=record_number(version, "version"))
    return see(nb_url(t.neighbourhood, "/board"))
