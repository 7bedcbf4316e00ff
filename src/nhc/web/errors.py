"""One problem builder for every error the web app answers: HTML pages, JSON problems, FHIR outcomes.

:func:`error_response` chooses the form from the path: ``/fhir/...`` gets a FHIR
``OperationOutcome``, ``/api/...`` an RFC 9457 ``application/problem+json`` document, and anything
else the NHS.UK error page. :func:`install_error_handlers` maps each kind of failure to its status
once, for the whole app (sign-in needed 401 or a redirect, access refused 403, unknown 404, bad
parameter 400, not ready 503, care conflicts as the care domain says, anything unexpected 500
without a traceback).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from nhc.care.domain import CareError
from nhc.engagement.domain import EngagementError
from nhc.errors import NhcError
from nhc.fhir.server import FHIR_JSON, operation_outcome
from nhc.insights.service import BadParameter, NotFound, NotReady
from nhc.security.service import AccessDenied, SignInError
from nhc.web.deps import SignInRequired, render

log = logging.getLogger("nhc.web")

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


def is_api(request: Request) -> bool:
    """Whether the request is for a machine (JSON API or FHIR) rather than a person's browser."""
    return request.url.path.startswith("/api") or request.url.path.startswith("/fhir")


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    """An ``application/problem+json`` document (RFC 9457)."""
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra},
        status_code=status,
        media_type="application/problem+json",
    )


def error_response(request: Request, status: int, detail: str, **extra: Any) -> Response:
    """The answer to an error: an OperationOutcome under ``/fhir``, a problem document under
    ``/api``, else the error page. ``detail`` is shown to the user, so it never holds a trace."""
    title = TITLES.get(status, "Error")
    if request.url.path.startswith("/fhir"):
        # The FHIR server's one OperationOutcome builder, so every /fhir error has one severity policy.
        return JSONResponse(operation_outcome(status, detail), status_code=status, media_type=FHIR_JSON)
    if is_api(request):
        return problem(status, title, detail, **extra)
    return render(
        request,
        "error.html",
        {"status": status, "title": title, "detail": detail, **extra},
        status_code=status,
    )


def _validation_detail(exc: RequestValidationError) -> str:
    problems = []
    for e in exc.errors():
        where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "path", "body"))
        problems.append(f"{where}: {e.get('msg', 'invalid')}" if where else e.get("msg", "invalid"))
    return "; ".join(problems) or "invalid request"


def _http_detail(exc: StarletteHTTPException) -> str:
    detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Error")
    if exc.status_code == 404 and detail == "Not Found":
        return "If you typed the web address, check it is correct."
    return detail


def _sign_in(request: Request, exc: Exception) -> Response:
    if is_api(request):
        return error_response(request, 401, "sign in first (POST /sign-in) and send the session cookie")
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)


def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return error_response(request, 500, "Something went wrong on our side. Try again later.")


#: Each kind of failure and how it is answered. Order does not matter: Starlette picks the
#: handler of the nearest class in the exception's MRO (so CareError wins over NhcError).
HANDLERS: dict[type[Exception], Callable[[Request, Any], Response]] = {
    SignInRequired: _sign_in,
    AccessDenied: lambda r, e: error_response(r, 403, e.message),
    NotFound: lambda r, e: error_response(r, 404, e.message),
    BadParameter: lambda r, e: error_response(r, 400, e.message),
    NotReady: lambda r, e: error_response(r, 503, str(e)),
    SignInError: lambda r, e: error_response(r, 429 if e.locked else 401, e.message),
    CareError: lambda r, e: error_response(r, e.http_status, str(e)),
    EngagementError: lambda r, e: error_response(r, e.http_status, str(e)),
    NhcError: lambda r, e: error_response(r, 400, str(e)),
    StarletteHTTPException: lambda r, e: error_response(r, e.status_code, _http_detail(e)),
    RequestValidationError: lambda r, e: error_response(r, 400, _validation_detail(e)),
    Exception: _unexpected,
}


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error of ``app`` through :func:`error_response`."""
    for exc_class, handler in HANDLERS.items():
        app.add_exception_handler(exc_class, _on_event_loop(handler))


def _on_event_loop(handler: Callable[[Request, Any], Response]) -> Callable[..., Any]:
    # Starlette runs a plain function in its thread pool; these only format a response.
    async def handle(request: Request, exc: Exception) -> Response:
        return handler(request, exc)

    return handle
