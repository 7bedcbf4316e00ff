"""Where the access routers get their service and their booker from.

:func:`access_service` returns ``request.app.state.access`` when the composition root has set it;
until then it builds one on the app's operational database (``app.state.security.db``) and keeps it.
:func:`booker` is who books or cancels: a signed-in user whose JSON write carries the session's CSRF
token (``X-CSRF-Token``). Tests override either with ``app.dependency_overrides``.
"""

from __future__ import annotations

import threading

from fastapi import Request

from nhc.access.services import AccessService
from nhc.errors import NhcError
from nhc.security.roles import Principal
from nhc.web.deps import check_csrf, current_user

_LOCK = threading.Lock()


class MissingCsrf(NhcError):
    http_status = 400


def access_service(request: Request) -> AccessService:
    state = request.app.state
    service = getattr(state, "access", None)
    if service is None:
        with _LOCK:
            service = getattr(state, "access", None)
            if service is None:
                insights = getattr(state, "insights", None)
                service = AccessService(
                    state.security.db,
                    security=state.security,
                    neighbourhood_of=_registered(insights) if insights is not None else None,
                )
                state.access = service
    return service


def booker(request: Request) -> Principal:
    """The signed-in user, after checking the CSRF header of the write."""
    user = current_user(request)
    if not check_csrf(request, request.headers.get("x-csrf-token")):
        raise MissingCsrf("send the X-CSRF-Token header with the session's CSRF token")
    return user


def _registered(insights):
    """Where a patient is registered, from the insight tables (None when they are not built)."""

    def neighbourhood_of(patient_id: int) -> str | None:
        try:
            return insights.patient_neighbourhood(patient_id)
        except NhcError:
            return None

    return neighbourhood_of
