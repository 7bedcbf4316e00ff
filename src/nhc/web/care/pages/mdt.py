"""MDT pages: meetings, their agendas, and decisions."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request

from nhc.care.domain import CareError
from nhc.security.roles import Principal
from nhc.web.care.deps import (
    MAX_RECORD_ID,
    RecordId,
    care,
    neighbourhood,
    page,
    record_number,
    require_csrf,
)
from nhc.web.care.pages.common import TEXT, common, see
from nhc.web.care.pages.forms import date_boxes
from nhc.web.deps import current_user

router = APIRouter(prefix="/care", include_in_schema=False)


def _meetings_page(
    request: Request, user: Principal, nb: str, *, error: CareError | None = None, form: dict | None = None
):
    svc = care(request)
    return page(
        request,
        "care/meetings.html",
        {
            **common(nb, "mdt"),
            "meetings": svc.meetings(user, nb),
            "today": svc.today(),
            "error": error,
            "form": form or {},
            "page_title": f"MDT meetings – {nb}",
        },
        status_code=error.http_status if error else 200,
    )


@router.get("/{nb}/mdt")
def meetings(request: Request, nb: str, user: Principal = Depends(current_user)):
    return _meetings_page(request, user, neighbourhood(nb))


@router.post("/{nb}/mdt")
def create_meeting(
    request: Request,
    nb: str,
    held_on: str = Form("", max_length=20),
    held_on_day: str = Form("", max_length=10),
    held_on_month: str = Form("", max_length=10),
    held_on_year: str = Form("", max_length=10),
    title: str = Form("", max_length=200),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    """A meeting and its agenda; the date in the NHS.UK date input (or as one text, ``31/12/2026``)."""
    nb = neighbourhood(nb)
    require_csrf(request, csrf_token)
    held = date_boxes(held_on_day, held_on_month, held_on_year, single=held_on)
    try:
        m = care(request).create_meeting(user, nb, held.text, title=title or None)
    except CareError as exc:  # the form again, with the message and what was typed
        return _meetings_page(request, user, nb, error=exc, form={"held_on": held, "title": title})
    return see(f"/care/mdt/{m.id}")


def _meeting_page(
    request: Request,
    user: Principal,
    meeting_id: int,
    *,
    error: CareError | None = None,
    form: dict | None = None,
):
    """The meeting; after a refused decision, with the message and what was typed for that item."""
    svc = care(request)
    m = svc.meeting(user, meeting_id)
    return page(
        request,
        "care/meeting.html",
        {
            **common(m.neighbourhood, "mdt"),
            "m": m,
            "staff": svc.list_staff(m.neighbourhood),
            "error": error,
            "form": form or {},
            "page_title": m.title,
        },
        status_code=error.http_status if error else 200,
    )


@router.get("/mdt/{meeting_id}")
def meeting(request: Request, meeting_id: RecordId, user: Principal = Depends(current_user)):
    return _meeting_page(request, user, meeting_id)


@router.post("/mdt/items/{item_id}/decision")
def decision(
    request: Request,
    item_id: RecordId,
    meeting_id: int = Form(..., ge=1, le=MAX_RECORD_ID),
    decision: str = Form("", max_length=TEXT),
    action_title: list[str] = Form([]),
    action_owner: list[str] = Form([]),
    action_due: list[str] = Form([]),
    review_due: str = Form("", max_length=20),
    csrf_token: str = Form("", max_length=200),
    user: Principal = Depends(current_user),
):
    require_csrf(request, csrf_token)
    try:
        actions = [
            {"title": t, "owner_staff_id": record_number(o, "action owner"), "due_on": d or None}
            for t, o, d in zip(action_title[:10], action_owner[:10], action_due[:10], strict=False)
        ]
        care(request).record_decision(user, item_id, decision, actions, review_due=review_due or None)
    except CareError as exc:  # the agenda again, this item's form as it was typed
        form = {
            "item_id": item_id,
            "decision": decision,
            "action_title": action_title,
            "action_owner": action_owner,
            "action_due": action_due,
            "review_due": review_due,
        }
        return _meeting_page(request, user, meeting_id, error=exc, form=form)
    return see(f"/care/mdt/{meeting_id}#item-{item_id}")
