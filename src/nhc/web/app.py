"""The web app factory: ``create_app(settings)``.

Server-rendered pages (Jinja2, NHS.UK frontend) and a JSON API under ``/api`` (OpenAPI at
``/openapi.json``), both calling :mod:`nhc.insights` and :mod:`nhc.security`; no business rules here.
The services come from the composition root (:func:`nhc.bootstrap.build`), built once at start-up;
errors are answered by :mod:`nhc.web.errors`. The routers of each area are mounted directly: the
pages, ``/api``, the integrated neighbourhood team's ``/care`` (:mod:`nhc.web.care`) and the FHIR
router (:mod:`nhc.web.fhir`) under ``/fhir``, with its ``get_current_user`` dependency replaced by our
sign-in and the one access decision.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from nhc import bootstrap
from nhc.errors import NhcError
from nhc.identifiers import format_nhs_number
from nhc.insights.service import BAND_LABELS, InsightsService
from nhc.reference.codelists import term as snomed_term
from nhc.security.identity import IdentityProvider
from nhc.security.service import SecurityService
from nhc.settings import Settings
from nhc.web import appointments as appointments_web
from nhc.web import care as care_web
from nhc.web import charts
from nhc.web import engagement as engagement_web
from nhc.web import navigation as navigation_web
from nhc.web import outcomes as outcomes_web
from nhc.web import planning as planning_web
from nhc.web import plans as plans_web
from nhc.web.errors import install_error_handlers
from nhc.web.fhir import get_current_user, get_server
from nhc.web.fhir import router as fhir_router
from nhc.web.fhir_security import fhir_server, fhir_user
from nhc.web.middleware import BodyLimitMiddleware, RequestContextMiddleware, SecurityHeadersMiddleware
from nhc.web.oauth import install as install_oauth
from nhc.web.outcomes import glance as outcomes_glance
from nhc.web.plans import render as plans_render
from nhc.web.routers import (
    admin,
    api,
    auth,
    downloads,
    neighbourhoods,
    overview,
    search,
    variation,
    worklists,
)

HERE = Path(__file__).parent
log = logging.getLogger("nhc.web")
MAX_BODY = 64 * 1024
ROUTERS = (auth, overview, neighbourhoods, variation, worklists, search, downloads, admin, api)
ROUTERS += (outcomes_glance,)  # before any /outcomes/{indicator} route: /outcomes/diabetes is its own


def _mount_fhir(app: FastAPI) -> None:
    """The FHIR API (:mod:`nhc.web.fhir`) with our sign-in, access decision and audit, and the
    server over the app's lake and care record."""
    app.state.fhir_lock = threading.Lock()
    app.state.fhir_reader = None
    app.include_router(fhir_router)
    app.dependency_overrides[get_current_user] = fhir_user
    app.dependency_overrides[get_server] = fhir_server


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(
        bar_chart=charts.bar_chart,
        funnel_chart=charts.funnel_chart,
        band_labels=BAND_LABELS,
        snomed_term=snomed_term,  # SNOMED CT codes shown with their terms (macros.html: snomed)
    )
    # None: suppressed (7 or fewer people); 0: a structural zero (no one can be in that cell)
    templates.env.filters["num"] = lambda v: "suppressed" if v is None else ("none" if v == 0 else f"{v:,}")
    templates.env.filters["pct"] = lambda v: "–" if v is None else f"{v:.1f}%"
    templates.env.filters["q"] = lambda v: quote(str(v), safe="")
    templates.env.filters["nhs_number"] = format_nhs_number  # 999 123 4567, as people read it
    plans_render.install(templates.env.globals)  # the plan's cells and charts (page and PDF alike)
    return templates


def _mount_static(app: FastAPI) -> None:
    static = HERE / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    assets = static / "vendor" / "nhsuk" / "assets"
    if assets.is_dir():
        app.mount("/assets", StaticFiles(directory=str(assets)), name="assets")


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the insight tables (and train the theme classifier) in the background at start-up so the
    first page is quick."""

    def warm() -> None:
        try:
            app.state.insights.overview(())
        except NhcError as exc:
            log.warning("insights not ready: %s", exc)
        app.state.engagement.warm()  # the theme classifier, trained from its shipped set in < 1 s

    threading.Thread(target=warm, name="nhc-insights-warm-up", daemon=True).start()
    yield


def create_app(
    settings: Settings | None = None,
    *,
    security: SecurityService | None = None,
    insights: InsightsService | None = None,
    migrate: bool = True,
    force_secure_cookies: bool | None = None,
    providers: Iterable[IdentityProvider] = (),
) -> FastAPI:
    """The web app for ``settings`` (default: the environment's). ``security``, ``insights``,
    ``migrate`` and ``providers`` are handed to :func:`nhc.bootstrap.build`;
    ``force_secure_cookies`` overrides ``settings.secure_cookies``."""
    services = bootstrap.build(
        settings, security=security, insights=insights, migrate=migrate, providers=providers
    )
    settings = services.settings
    app = FastAPI(
        title="NHC — Neighbourhood Health & Care",
        version="0.1.0",
        docs_url=None,
        lifespan=_lifespan,
        redoc_url=None,
        description="Population health, neighbourhood profiles, practice variation and worklists "
        "(synthetic data). Same sign-in and permission checks as the pages.",
    )
    state = app.state
    state.settings, state.services = settings, services
    state.security, state.insights, state.care = services.security, services.insights, services.care
    state.navigation, state.access = services.navigation, services.access
    state.social_prescribing, state.plans = services.social_prescribing, services.plans
    state.engagement = services.engagement
    state.secret_key = bootstrap.secret_key(settings)
    state.force_secure_cookies = (
        settings.secure_cookies if force_secure_cookies is None else force_secure_cookies
    )
    state.templates = _templates()
    state.page_cache, state.json_cache = {}, {}
    _mount_static(app)
    for module in ROUTERS:
        app.include_router(module.router)
    for router in (
        *navigation_web.routers,
        *appointments_web.routers,
        *planning_web.routers,
        *outcomes_web.routers,
        *plans_web.routers,
        *engagement_web.routers,
    ):
        app.include_router(router)
    # Care first: its FHIR types (EpisodeOfCare, CarePlan) must win over the lake's generic routes.
    care_web.install(app)
    _mount_fhir(app)
    install_oauth(app)  # SMART on FHIR: /.well-known/smart-configuration, /oauth/*
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=MAX_BODY)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestContextMiddleware, trusted_proxies=settings.trusted_proxy_networks)
    return app
