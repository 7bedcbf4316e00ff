"""The web app factory: ``create_app(settings)``.

Server-rendered pages (Jinja2, NHS.UK frontend) and a JSON API under ``/api`` (OpenAPI at
``/openapi.json``), both calling :mod:`nhc.insights` and :mod:`nhc.security`; no business rules here.
The FHIR router (``nhc.web.fhir``) is mounted under ``/fhir``, with its ``get_current_user``
dependency replaced by our sign-in and the one access decision.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from nhc.db import Database
from nhc.errors import NhcError
from nhc.fhir.server import FHIR_JSON, operation_outcome
from nhc.identifiers import format_nhs_number
from nhc.insights import BadParameter, InsightsService, NotFound
from nhc.insights.service import BAND_LABELS, NotReady
from nhc.security.service import AccessDenied, SecurityService, SignInError
from nhc.settings import Settings
from nhc.web import charts
from nhc.web.deps import SignInRequired, render
from nhc.web.fhir import get_current_user, get_server
from nhc.web.fhir import router as fhir_router
from nhc.web.fhir_security import fhir_server, fhir_user
from nhc.web.middleware import BodyLimitMiddleware, RequestContextMiddleware, SecurityHeadersMiddleware
from nhc.web.oauth import install as install_oauth

HERE = Path(__file__).parent
log = logging.getLogger("nhc.web")
MAX_BODY = 64 * 1024


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api") or request.url.path.startswith("/fhir")


def _operation_outcome(status: int, detail: str) -> JSONResponse:
    return JSONResponse(operation_outcome(status, detail), status_code=status, media_type=FHIR_JSON)


def _problem(status: int, title: str, detail: str, **extra) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra},
        status_code=status,
        media_type="application/problem+json",
    )


TITLES = {
    400: "Bad request",
    401: "Sign in required",
    403: "Access refused",
    404: "Page not found",
    405: "Method not allowed",
    413: "Request too large",
    422: "Bad request",
    429: "Too many attempts",
    500: "Something went wrong",
    503: "Service not ready",
}


def error_response(request: Request, status: int, detail: str, **extra):
    title = TITLES.get(status, "Error")
    if request.url.path.startswith("/fhir"):
        return _operation_outcome(status, detail)
    if _is_api(request):
        return _problem(status, title, detail, **extra)
    return render(
        request,
        "error.html",
        {"status": status, "title": title, "detail": detail, **extra},
        status_code=status,
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired):
        if _is_api(request):
            return error_response(request, 401, "sign in first (POST /sign-in) and send the session cookie")
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(AccessDenied)
    async def _denied(request: Request, exc: AccessDenied):
        return error_response(request, 403, exc.message)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound):
        return error_response(request, 404, exc.message)

    @app.exception_handler(BadParameter)
    async def _bad(request: Request, exc: BadParameter):
        return error_response(request, 400, exc.message)

    @app.exception_handler(NotReady)
    async def _not_ready(request: Request, exc: NotReady):
        return error_response(request, 503, str(exc))

    @app.exception_handler(SignInError)
    async def _sign_in_error(request: Request, exc: SignInError):
        return error_response(request, 429 if exc.locked else 401, exc.message)

    @app.exception_handler(NhcError)
    async def _nhc(request: Request, exc: NhcError):
        return error_response(request, 400, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Error")
        if exc.status_code == 404 and detail == "Not Found":
            detail = "If you typed the web address, check it is correct."
        return error_response(request, exc.status_code, detail)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        problems = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "path", "body"))
            problems.append(f"{where}: {e.get('msg', 'invalid')}" if where else e.get("msg", "invalid"))
        return error_response(request, 400, "; ".join(problems) or "invalid request")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        return error_response(request, 500, "Something went wrong on our side. Try again later.")


def _mount_fhir(app: FastAPI) -> bool:
    """The FHIR API (:mod:`nhc.web.fhir`) with our sign-in, access decision and audit, and the
    server over the app's lake and care record."""
    app.state.fhir_lock = threading.Lock()
    app.state.fhir_reader = None
    app.include_router(fhir_router)
    app.dependency_overrides[get_current_user] = fhir_user
    app.dependency_overrides[get_server] = fhir_server
    return True


def _install_care(app: FastAPI) -> bool:
    """The integrated neighbourhood team's pages and API (``nhc.web.care``), when importable."""
    try:
        from nhc.web.care import install
    except ImportError as exc:
        log.warning("care pages not installed: %s", exc)
        return False
    install(app)
    return True


def _secret_key(settings: Settings) -> str:
    key = os.environ.get("NHC_SECRET_KEY")
    if key:
        return key
    import secrets

    path = settings.data_dir / ".secret_key"
    try:
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key
    except OSError:
        return secrets.token_urlsafe(48)


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI):
    """Load the insight tables in the background at start-up so the first page is quick."""

    def warm() -> None:
        try:
            app.state.insights.overview(())
        except NhcError as exc:
            log.warning("insights not ready: %s", exc)

    threading.Thread(target=warm, name="nhc-insights-warm-up", daemon=True).start()
    yield


def create_app(
    settings: Settings | None = None,
    *,
    security: SecurityService | None = None,
    insights: InsightsService | None = None,
    migrate: bool = True,
    force_secure_cookies: bool | None = None,
    providers=(),
) -> FastAPI:
    settings = settings or Settings.from_env()
    app = FastAPI(
        title="NHC — Neighbourhood Health & Care",
        version="0.1.0",
        docs_url=None,
        lifespan=_lifespan,
        redoc_url=None,
        description="Population health, neighbourhood profiles, practice variation and worklists "
        "(synthetic data). Same sign-in and permission checks as the pages.",
    )
    if security is None:
        db = Database(settings.db_url)
        if migrate:
            db.upgrade()
        security = SecurityService(db, providers=providers)
    app.state.settings = settings
    app.state.security = security
    app.state.insights = insights or InsightsService(settings.lake_dir)
    app.state.secret_key = _secret_key(settings)
    app.state.force_secure_cookies = (
        os.environ.get("NHC_SECURE_COOKIES") == "1" if force_secure_cookies is None else force_secure_cookies
    )
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(
        bar_chart=charts.bar_chart, funnel_chart=charts.funnel_chart, band_labels=BAND_LABELS
    )
    # None: suppressed (7 or fewer people); 0: a structural zero (no one can be in that cell)
    templates.env.filters["num"] = lambda v: "suppressed" if v is None else ("none" if v == 0 else f"{v:,}")
    templates.env.filters["pct"] = lambda v: "–" if v is None else f"{v:.1f}%"
    templates.env.filters["q"] = lambda v: quote(str(v), safe="")
    templates.env.filters["nhs_number"] = format_nhs_number  # 999 123 4567, as people read it
    app.state.templates = templates
    app.state.page_cache = {}
    app.state.json_cache = {}

    static = HERE / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    assets = static / "vendor" / "nhsuk" / "assets"
    if assets.is_dir():
        app.mount("/assets", StaticFiles(directory=str(assets)), name="assets")

    from nhc.web.routers import admin, api, auth, neighbourhoods, overview, variation, worklists

    for module in (auth, overview, neighbourhoods, variation, worklists, admin, api):
        app.include_router(module.router)
    # Care first: its FHIR types (EpisodeOfCare, CarePlan) must win over the lake's generic routes.
    app.state.care_installed = _install_care(app)
    app.state.fhir_mounted = _mount_fhir(app)
    install_oauth(app)  # SMART on FHIR: /.well-known/smart-configuration, /oauth/*
    _install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=MAX_BODY)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestContextMiddleware, trusted_proxies=settings.trusted_proxy_networks)
    return app
