"""The access area's start page (``/access``): it links only to what the user's role can use.
Hub utilisation is :mod:`nhc.web.appointments.pages.utilisation`."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from nhc.security.roles import Principal
from nhc.web.appointments.pages.common import page
from nhc.web.deps import current_user

router = APIRouter(prefix="/access", include_in_schema=False)


@router.get("")
def start(request: Request, user: Principal = Depends(current_user)):
    return page(request, "access/start.html", {"page_title": "Access hubs and home visits"})
