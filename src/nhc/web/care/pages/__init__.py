"""Pages of the integrated neighbourhood team (server-rendered, NHS.UK frontend), one module per use
case. Every route calls :class:`nhc.care.services.CareService`; the rules live there. Forms carry
the app's CSRF token.

The routers are included in this order on purpose: a path such as ``/care/{nb}/team`` and
``/care/episodes/{id}`` could both match some URLs, and the first registered wins.
"""

from __future__ import annotations

from fastapi import APIRouter

from nhc.web.care.pages import caseload, mdt, plans, staff, tasks, team

router = APIRouter(include_in_schema=False)
for _pages in (caseload, team, staff, mdt, plans, tasks):
    router.include_router(_pages.router)

__all__ = ["router"]
