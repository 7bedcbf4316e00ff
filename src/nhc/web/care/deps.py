"""Request helpers for the care pages: the care service, CSRF, and error re-rendering."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from nhc.care.directory import InsightsDirectory, neighbourhoods
from nhc.care.domain import CareError
from nhc.care.services import CareService
from nhc.insights.service import NotFound
from nhc.web.deps import check_csrf, render


def care(request: Request) -> CareService:
    svc = getattr(request.app.state, "care", None)
    if svc is None:
        sec = request.app.state.security
        svc = CareService(sec.db, sec, InsightsDirectory(request.app.state.insights))
        request.app.state.care = svc
    return svc


class BadForm(CareError):
    """The form's CSRF token was missing or wrong (HTTP 400)."""

    http_status = 400


def require_csrf(request: Request, token: str | None) -> None:
    if not check_csrf(request, token):
        raise BadForm("Your form expired or was not sent from this service. Go back, reload and try again.")


def require_api_csrf(request: Request) -> None:
    """JSON writes send the session's CSRF token in the ``X-CSRF-Token`` header (GET /api/care/csrf)."""
    if not check_csrf(request, request.headers.get("x-csrf-token")):
        raise BadForm("send the X-CSRF-Token header (GET /api/care/csrf gives the token for your session)")


def neighbourhood(name: str) -> str:
    if name not in neighbourhoods():
        raise NotFound(f"there is no neighbourhood called {name[:80]!r}")
    return name


def page(request: Request, template: str, context: dict[str, Any], status_code: int = 200):
    return render(request, template, context, status_code=status_code)
