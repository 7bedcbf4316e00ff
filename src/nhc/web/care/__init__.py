"""The integrated neighbourhood team's pages (``/care/...``) and JSON API (``/api/care/...``).

The app factory wires this package with one call, after the other routers::

    from nhc.web import care as care_web
    care_web.install(app)

:func:`install` includes the routers and adds this package's templates to the app's Jinja2 loader.
The :class:`nhc.care.services.CareService` the routes use is ``app.state.care``, built by the
composition root (:func:`nhc.bootstrap.build`); :class:`nhc.care.domain.CareError` is answered by
:mod:`nhc.web.errors` with the status the care domain gives it (404, 409, 422...).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from jinja2 import ChoiceLoader, FileSystemLoader

from nhc.web.care.api import router as api_router
from nhc.web.care.api_team import router as api_team_router
from nhc.web.care.fhir_routes import router as fhir_router
from nhc.web.care.pages import router

TEMPLATES = Path(__file__).parent / "templates"

__all__ = ["TEMPLATES", "api_router", "api_team_router", "install", "router"]


def install(app: FastAPI) -> None:
    """Add the care routes and templates to ``app`` (once: a second call changes nothing)."""
    if getattr(app.state, "care_installed", False):
        return
    env = app.state.templates.env
    env.loader = ChoiceLoader([env.loader, FileSystemLoader(str(TEMPLATES))])
    app.include_router(router)
    app.include_router(api_router)
    app.include_router(api_team_router)
    app.include_router(fhir_router)
    app.state.care_installed = True
