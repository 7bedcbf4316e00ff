"""Request helpers for the care pages: the care service, CSRF, and error re-rendering."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Request

from nhc.care.directory import neighbourhoods
from nhc.care.domain import CareError, InvalidCareInput
from nhc.care.services import CareService, TeamAccess
from nhc.identifiers import MAX_RECORD_ID, InvalidIdentifier, parse_patient_id, parse_whole_number
from nhc.insights.service import NotFound
from nhc.web.deps import check_csrf, optional_user, render

RecordId = Annotated[int, Path(ge=1, le=MAX_RECORD_ID, description="A care record id")]


def care(request: Request) -> CareService:
    """The app's care service (built once by :func:`nhc.bootstrap.build`)."""
    return request.app.state.care


class BadForm(CareError):
    """The form's CSRF token was missing or wrong (HTTP 400)."""

    http_status = 400


def csrf_ok(request: Request, token: str | None) -> bool:
    """The submitted CSRF token matches (a token with non-ASCII characters is simply wrong: the
    constant-time comparison refuses to compare such text)."""
    return token is not None and str(token).isascii() and check_csrf(request, token)


def require_csrf(request: Request, token: str | None) -> None:
    if not csrf_ok(request, token):
        raise BadForm("Your form expired or was not sent from this service. Go back, reload and try again.")


def require_api_csrf(request: Request) -> None:
    """JSON writes send the session's CSRF token in the ``X-CSRF-Token`` header (GET /api/care/csrf)."""
    if not csrf_ok(request, request.headers.get("x-csrf-token")):
        raise BadForm("send the X-CSRF-Token header (GET /api/care/csrf gives the token for your session)")


def record_number(value: Any, field: str, *, maximum: int = MAX_RECORD_ID) -> int | None:
    """A number from a care form (a record id, a version, points): ``None`` when left blank, else a
    whole number of ASCII digits from 0 to ``maximum``; anything else is :class:`InvalidCareInput`
    (422, the care pages' answer to a bad value, so the form is shown again with the message)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_whole_number(value, field, maximum=maximum)
    except InvalidIdentifier as exc:
        raise InvalidCareInput(str(exc)) from None


def patient_number(value: Any, field: str = "patient id") -> int:
    """A patient id from a care form (required): :func:`nhc.identifiers.parse_patient_id`, with a
    bad value answered as :class:`InvalidCareInput`."""
    try:
        return parse_patient_id(value, field)
    except InvalidIdentifier as exc:
        raise InvalidCareInput(str(exc)) from None


def neighbourhood(name: str) -> str:
    if name not in neighbourhoods():
        raise NotFound(f"there is no neighbourhood called {name[:80]!r}")
    return name


def page(request: Request, template: str, context: dict[str, Any], status_code: int = 200):
    """Render a care page. A page about one team (its context names the ``neighbourhood``) is also
    given ``can``, what the signed-in user may do there (:class:`~nhc.care.services.TeamAccess`), so it
    shows only the links and buttons that will work for them."""
    nb = context.get("neighbourhood")
    if nb and "can" not in context:
        user = optional_user(request)
        context = {**context, "can": care(request).team_access(user, nb) if user else TeamAccess()}
    return render(request, template, context, status_code=status_code)
