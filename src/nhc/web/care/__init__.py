"""The integrated neighbourhood team's pages (``/care/...``) and JSON API (``/api/care/...``).

Wire into the app factory with one call, after the other routers::

    from nhc.web.care import install as install_care
    install_care(app)

:func:`install` includes both routers, adds this package's templates to the app's Jinja2 loader,
maps :class:`nhc.care.domain.CareError` to its HTTP status (404, 409, 422...) and creates the
:class:`nhc.care.services.CareService` on ``app.state.care`` (lazily, on first use).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from jinja2 import ChoiceLoader, FileSystemLoader

from nhc.care.domain import CareError
from nhc.web.care.api import router as api_router
from nhc.web.care.fhir_routes import router as fhir_router
from nhc.web.care.pages import router

TEMPLATES = Path(__file__).parent / "templates"

__all__ = ["TEMPLATES", "api_router", "install", "router"]


def install(app: FastAPI) -> None:
    env = app.state.templates.env
    if not any(
        getattr(ld, "searchpath", None) == [str(TEMPLATES)] for ld in getattr(env.loader, "loaders", [])
    ):
        env.loader = ChoiceLoader([env.loader, FileSystemLoader(str(TEMPLATES))])
    app.include_router(router)
    app.include_router(api_router)
    app.include_router(fhir_router)

    @app.exception_handler(CareError)
    async def _care_error(request: Request, exc: CareError):
        from nhc.web.app import error_response

        return error_response(request, exc.http_status, str(exc))
