"""Where the navigation routers get their service from.

:func:`navigation_service` is the one dependency the routers use. It returns
``request.app.state.navigation`` when the composition root has set it; until then it builds one on
the app's operational database (``app.state.security.db``) and keeps it there. Tests override it with
``app.dependency_overrides[navigation_service]``.
"""

from __future__ import annotations

import threading

from fastapi import Request

from nhc.navigation.services import NavigationService

_LOCK = threading.Lock()


def navigation_service(request: Request) -> NavigationService:
    state = request.app.state
    service = getattr(state, "navigation", None)
    if service is None:
        with _LOCK:
            service = getattr(state, "navigation", None)
            if service is None:
                service = NavigationService(state.security.db)
                state.navigation = service
    return service
