"""The access area's pages (server-rendered, NHS.UK frontend; templates in
``nhc/web/templates/access/``): the start page (:mod:`.overview`), the hub utilisation dashboard (:mod:`.utilisation`), finding,
booking and cancelling hub appointments (:mod:`.booking`), and the visiting service's day plan
(:mod:`.visits`). Every form works without JavaScript and carries the CSRF token; every page says
the time its data is as of.
"""

from __future__ import annotations

from fastapi import APIRouter

from nhc.web.appointments.pages import booking, overview, utilisation, visits

router = APIRouter(include_in_schema=False)
for _pages in (overview, booking, utilisation, visits):
    router.include_router(_pages.router)

__all__ = ["router"]
