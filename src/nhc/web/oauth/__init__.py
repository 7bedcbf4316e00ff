"""SMART on FHIR's authorisation server over HTTP (:mod:`~nhc.web.oauth.router`).

:func:`install` includes the router and adds this package's templates (the consent page) to the
app's Jinja2 loader.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from jinja2 import ChoiceLoader, FileSystemLoader

from nhc.web.oauth.router import router

TEMPLATES = Path(__file__).parent / "templates"

__all__ = ["TEMPLATES", "install", "router"]


def install(app: FastAPI) -> None:
    env = app.state.templates.env
    env.loader = ChoiceLoader([env.loader, FileSystemLoader(str(TEMPLATES))])
    app.include_router(router)
