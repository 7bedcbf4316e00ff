"""Engagement on the web: the public "Have your say" form (``/have-your-say``, no sign-in) and the staff
pages (``/engagement``: inbox and themes, notes, re-tagging; templates in
``nhc/web/templates/engagement/``). Include the routers in the app::

    from nhc.web.engagement import routers
    for r in routers:
        app.include_router(r)

Each takes its :class:`~nhc.engagement.services.EngagementService` from :func:`engagement_service`
(``app.state.engagement``, from the composition root, or a dependency override).
"""

from __future__ import annotations

from nhc.web.engagement.deps import engagement_service
from nhc.web.engagement.pages import router as pages_router
from nhc.web.engagement.public import router as public_router

routers = [public_router, pages_router]

__all__ = ["engagement_service", "pages_router", "public_router", "routers"]
