"""Planning on the web: the scenario page (``/planning``) and the comparison of two scenarios
(``/planning/compare``), with CSV downloads of every table; templates in
``nhc/web/templates/planning/``. Include the routers in the app::

    from nhc.web.planning import routers
    for r in routers:
        app.include_router(r)

The pages take their :class:`~nhc.planning.service.PlanningService` from :func:`planning_service`
(``app.state.planning``, made on first use over the app's settings, with the care side's staff in
post; tests may set it or override the dependency).
"""

from __future__ import annotations

from nhc.web.planning.deps import planning_service
from nhc.web.planning.pages import router

routers = [router]

__all__ = ["planning_service", "router", "routers"]
