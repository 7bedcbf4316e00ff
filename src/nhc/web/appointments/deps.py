"""Where the access routers get their service and their booker from.

:func:`access_service` returns the service the composition root built (``app.state.access``);
:func:`directory` where people's names and registered practices come from.
:func:`booker` is who books or cancels: a signed-in user whose JSON write carries the session's CSRF
token (``X-CSRF-Token``). Tests override either with ``app.dependency_overrides``.
"""

from __future__ import annotations

from fastapi import Request

from nhc.access.services import AccessService
from nhc.care.directory import PatientDirectory
from nhc.errors import NhcError
from nhc.security.roles import Principal
from nhc.web.deps import check_csrf, current_user


class MissingCsrf(NhcError):
    http_status = 400


def access_service(request: Request) -> AccessService:
    return request.app.state.access


def booker(request: Request) -> Principal:
    """The signed-in user, after checking the CSRF header of the write."""
    user = current_user(request)
    if not check_csrf(request, request.headers.get("x-csrf-token")):
        raise MissingCsrf("send the X-CSRF-Token header with the session's CSRF token")
    return user


def directory(request: Request) -> PatientDirectory:
    """Where people's names (and registered practices) come from: ``app.state.access_people`` when
    set (tests, demos), else the care service's directory (the lake's insight tables)."""
    return getattr(request.app.state, "access_people", None) or request.app.state.care.directory
