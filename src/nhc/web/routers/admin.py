"""Administration: the audit log and the users."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from nhc.identifiers import MAX_ID
from nhc.security.roles import Principal
from nhc.web.deps import admin_user, render

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/admin/audit")
def audit(
    request: Request,
    username: str | None = Query(None, max_length=150),
    patient_id: int | None = Query(None, ge=0, le=MAX_ID),
    action: str | None = Query(None, max_length=64),
    page: int = Query(1, ge=1, le=100000),
    user: Principal = Depends(admin_user),
):
    events, total = request.app.state.security.audit_events(
        user,
        username=username or None,
        patient_id=patient_id,
        action=action or None,
        limit=PAGE,
        offset=(page - 1) * PAGE,
    )
    return render(
        request,
        "audit.html",
        {
            "events": events,
            "total": total,
            "page": page,
            "pages": (total + PAGE - 1) // PAGE,
            "username": username or "",
            "patient_id": patient_id or "",
            "action": action or "",
            "page_title": "Audit log",
        },
    )


@router.get("/admin/users")
def users(request: Request, user: Principal = Depends(admin_user)):
    return render(
        request, "users.html", {"users": request.app.state.security.list_users(), "page_title": "Users"}
    )
