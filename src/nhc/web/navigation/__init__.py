"""Navigation on the web: the navigator's JSON API (``/api/navigate``) and the Open Referral UK read
API (``/openreferral/...``, open to read, CORS ``*``), and the pages (``/navigator``, ``/directory``,
the public ``/find-help``, ``/social-prescribing``; templates in ``nhc/web/templates/navigation/``). Include the routers in the app::

    from nhc.web.navigation import routers
    for r in routers:
        app.include_router(r)

Each takes its :class:`~nhc.navigation.services.NavigationService` from :func:`navigation_service`
(point it at the composition root with ``app.state.navigation = ...`` or a dependency override).
"""

from __future__ import annotations

from nhc.web.navigation.api import router
from nhc.web.navigation.deps import navigation_service
from nhc.web.navigation.openreferral import router as openreferral_router
from nhc.web.navigation.pages import router as pages_router
from nhc.web.navigation.social_prescribing import router as social_prescribing_router

routers = [router, openreferral_router, pages_router, social_prescribing_router]

__all__ = [
    "navigation_service",
    "openreferral_router",
    "pages_router",
    "router",
    "routers",
    "social_prescribing_router",
]
