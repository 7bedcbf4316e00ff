"""Neighbourhood health plans on the web: the plan pages and PDF (:mod:`nhc.web.plans.pages`), the
public "you said, we did" pages (:mod:`nhc.web.plans.public`), and the rendering both the pages and
``nhc plans build`` use (:mod:`nhc.web.plans.render`); templates in ``nhc/web/templates/plans/``."""

from __future__ import annotations

from nhc.web.plans.pages import router
from nhc.web.plans.public import router as public_router

routers = [router, public_router]

__all__ = ["public_router", "router", "routers"]
