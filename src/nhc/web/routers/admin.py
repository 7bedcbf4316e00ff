"""Administration: the audit log and the users."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request

from nhc.identifiers import InvalidIdentifier, parse_patient_id
from nhc.security.roles import Principal
from nhc.web.deps import admin_user, render

router = APIRouter(include_in_schema=False)
PAGE = 50


def _patient_filter(value: str) -> tuple[int | None, str | None]:
    """The patient id filter: blank means any patient; otherwise a patient id, or a message."""
    if not value.strip():
        return None, None
    try:
        return parse_patient_id(value.strip(), "patient id"), None
    except InvalidIdentifier as exc:
        return None, exc.message


def page_link(page: int, **filters: str) -> str:
    """The audit log URL of ``page`` with the filters that are set (blank ones left out, so a
    link never carries an empty value a number field would refuse)."""
    query = {k: v for k, v in filters.items() if v}
    return "/admin/audit?" + urlencode({**query, "page": page})


@router.get("/admin/audit")
def audit(
    request: Request,
    username: str = Query("", max_length=150),
    patient_id: str = Query("", max_length=40),
    action: str = Query("", max_length=64),
    page: int = Query(1, ge=1, le=100000),
    user: Principal = Depends(admin_user),
):
    username, action = username.strip(), action.strip()
    pid, error = _patient_filter(patient_id)
    events, total = ([], 0)
    if error is None:
        events, total = request.app.state.security.audit_events(
            user,
            username=username or None,
            patient_id=pid,
            action=action or None,
            limit=PAGE,
            offset=(page - 1) * PAGE,
        )
    filters = {"username": username, "patient_id": str(pid) if pid is not None else "", "action": action}
    pages = max(1, (total + PAGE - 1) // PAGE)
    return render(
        request,
        "audit.html",
        {
            "events": events,
            "total": total,
            "page": page,
            "pages": pages,
            "newer": page_link(page - 1, **filters) if page > 1 else None,
            "older": page_link(page + 1, **filters) if page < pages else None,
            "username": username,
            "patient_id": patient_id.strip(),
            "action": action,
            "error": error,
            "page_title": "Audit log",
        },
        status_code=400 if error else 200,
    )


@router.get("/admin/users")
def users(request: Request, user: Principal = Depends(admin_user)):
    return render(
        request, "users.html", {"users": request.app.state.security.list_users(), "page_title": "Users"}
    )
