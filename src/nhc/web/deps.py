"""Request-level helpers: the signed-in principal, CSRF tokens, templates and client address."""

from __future__ import annotations

import datetime as dt
import hmac
import json
import secrets
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from markupsafe import Markup
from starlette.responses import Response

from nhc.errors import NhcError
from nhc.insights import InsightsService
from nhc.security.roles import Principal, Role
from nhc.security.service import AccessDenied, SecurityService
from nhc.web.middleware import resolve_client_ip

SESSION_COOKIE = "nhc_session"
CSRF_COOKIE = "nhc_csrf"


class SignInRequired(Exception):
    """No valid session: HTML pages redirect to sign-in, the API answers 401."""


def security(request: Request) -> SecurityService:
    return request.app.state.security


def insights(request: Request) -> InsightsService:
    return request.app.state.insights


def client_ip(request: Request) -> str:
    """The client's address: the direct peer's, or, when the peer is one of the trusted proxies
    (``NHC_TRUSTED_PROXIES``, none by default), the right-most untrusted X-Forwarded-For entry."""
    settings = getattr(request.app.state, "settings", None)
    trusted = settings.trusted_proxy_networks if settings is not None else ()
    return resolve_client_ip(
        request.client.host if request.client else None, request.headers.getlist("x-forwarded-for"), trusted
    )


def _load(request: Request) -> Principal | None:
    if not hasattr(request.state, "principal"):
        found = request.app.state.security.session(request.cookies.get(SESSION_COOKIE))
        request.state.principal, request.state.csrf_secret = found if found else (None, None)
    return request.state.principal


def optional_user(request: Request) -> Principal | None:
    return _load(request)


def current_user(request: Request) -> Principal:
    principal = _load(request)
    if principal is None:
        raise SignInRequired
    return principal


def admin_user(request: Request) -> Principal:
    principal = current_user(request)
    if principal.role is not Role.ADMIN:
        raise AccessDenied("Only administrators can see this page.")
    return principal


def cookie_secure(request: Request) -> bool:
    return request.url.scheme == "https" or bool(request.app.state.force_secure_cookies)


def csrf_token(request: Request) -> str:
    """The token to put in forms: the session's synchronizer token, or a double-submit cookie value."""
    _load(request)
    if request.state.csrf_secret:
        return request.state.csrf_secret
    token = request.cookies.get(CSRF_COOKIE)
    if not token or len(token) > 100:
        token = getattr(request.state, "new_csrf", None) or secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


def check_csrf(request: Request, submitted: str | None) -> bool:
    expected = csrf_token(request)
    if getattr(request.state, "new_csrf", None) == expected and not request.state.csrf_secret:
        return False  # a fresh cookie was only just made: nothing was submitted with it
    # compare bytes: compare_digest refuses non-ASCII text with a TypeError, and a token is ASCII
    return bool(submitted) and hmac.compare_digest(str(submitted).encode(), expected.encode())


def set_csrf_cookie(request: Request, response: Response) -> None:
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(
            CSRF_COOKIE,
            new,
            httponly=True,
            samesite="lax",
            secure=cookie_secure(request),
            path="/",
            max_age=8 * 3600,
        )


#: Pages whose numbers come from the lake's insight tables: they say the analytics' as-of date
#: (``wrapped.html`` is every cached aggregate page: overview, need groups, profiles, variation).
ANALYTICS_PAGES = frozenset(
    {"wrapped.html", "worklists.html", "worklist.html", "patient.html", "search.html"}
)
#: Pages of the operational record (besides every ``care/`` page): as of the moment they are shown.
OPERATIONAL_PAGES = frozenset({"audit.html", "users.html"})


#: Prefixes of codelist names that say which measure a code counts towards (``efi-anaemia``).
_LABEL_PREFIXES = {"efi-": "", "cms-": "", "gmsde-": ""}
#: Names people would not recognise, and what to call them instead.
_LABEL_WORDS = {"copd": "COPD", "chd": "CHD", "tia": "TIA", "ae": "A&E", "efi": "eFI", "png": "PNG"}


def plain_label(name: object) -> str:
    """An internal name as people read it: ``frailty_no_care_plan`` -> "Frailty no care plan",
    ``efi-anaemia`` -> "Anaemia", ``stroke_tia`` -> "Stroke TIA" (abbreviations in capitals)."""
    text = str(name or "").strip()
    for prefix, replacement in _LABEL_PREFIXES.items():
        if text.startswith(prefix):
            text = replacement + text[len(prefix) :]
    words = [w for w in text.replace("_", " ").replace("-", " ").split(" ") if w]
    out = [_LABEL_WORDS.get(w.lower(), w) for w in words]
    if out and out[0] == words[0]:
        out[0] = out[0][:1].upper() + out[0][1:]
    return " ".join(out)


def data_as_of(request: Request, template: str) -> dict[str, Any] | None:
    """What the page's "data as of" line says: the lake's as-of date for analytics pages, the time
    of the request for the operational record, nothing for pages without data (sign-in, errors)."""
    if template in ANALYTICS_PAGES:
        try:
            day = request.app.state.insights.as_of()
        except NhcError:  # the lake is not ready: the page says so itself
            return None
        return {"kind": "analytics", "date": dt.date.fromisoformat(day)} if day else None
    if template.startswith("care/") or template in OPERATIONAL_PAGES:
        return {"kind": "operational", "at": request.app.state.security.clock()}
    return None


def render(request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200):
    ctx: dict[str, Any] = {"user": optional_user(request), "csrf_token": csrf_token(request)}
    principal = ctx["user"]
    ctx["break_glass"] = request.app.state.security.active_break_glass(principal) if principal else []
    ctx["data_as_of"] = data_as_of(request, template)
    ctx["plain"] = plain_label
    ctx.update(context or {})
    response = request.app.state.templates.TemplateResponse(request, template, ctx, status_code=status_code)
    set_csrf_cookie(request, response)
    return response


def render_cached(request: Request, template: str, key: tuple, context: Callable[[], dict[str, Any]]):
    """Render a page whose main content is the same for everyone (aggregates): the content is built
    once per lake generation and wrapped in the per-user layout (header, CSRF token, banners)."""
    gen = request.app.state.insights.generation()
    cache: dict = request.app.state.page_cache
    hit = cache.get((template, key))
    if hit is None or hit[0] != gen:
        ctx = context()
        body = Markup(
            request.app.state.templates.get_template(template).render(
                {**ctx, "request": request, "layout": "bare.html", "user": None}
            )
        )
        if len(cache) > 5000:
            cache.clear()
        hit = (gen, body, ctx.get("page_title"))
        cache[(template, key)] = hit
    return render(request, "wrapped.html", {"body": hit[1], "page_title": hit[2]})


def json_cached(request: Request, key: tuple, content: Callable[[], Any]) -> Response:
    """A JSON response for per-request-invariant aggregates, serialised once per lake generation."""
    gen = request.app.state.insights.generation()
    cache: dict = request.app.state.json_cache
    hit = cache.get(key)
    if hit is None or hit[0] != gen:
        body = json.dumps(jsonable_encoder(content()), separators=(",", ":")).encode()
        if len(cache) > 5000:
            cache.clear()
        hit = (gen, body)
        cache[key] = hit
    return Response(hit[1], media_type="application/json")
