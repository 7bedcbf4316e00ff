"""Outcomes on the web: the summary matrix (``/outcomes``) and each indicator's SPC chart with its
drill-down (``/outcomes/{indicator}``), with CSV downloads; templates in
``nhc/web/templates/outcomes/``. Include the routers in the app::

    from nhc.web.outcomes import routers
    for r in routers:
        app.include_router(r)

The pages read the outcomes report from :func:`report_cache` (``app.state.outcomes``, made on first
use over the app's settings and computed on the first request after the lake changes).
"""

from __future__ import annotations

from nhc.web.outcomes.pages import router
from nhc.web.outcomes.reports import ReportCache, report_cache

routers = [router]

__all__ = ["ReportCache", "report_cache", "router", "routers"]
