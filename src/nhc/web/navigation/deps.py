"""Where the navigation routers get their service from: the composition root, built once at start-up
(``app.state.navigation``, set by :func:`nhc.web.app.create_app` from :func:`nhc.bootstrap.build`).
Tests may override :func:`navigation_service` with ``app.dependency_overrides``.
"""

from __future__ import annotations

from fastapi import Request

from nhc.navigation.services import NavigationService


def navigation_service(request: Request) -> NavigationService:
    return request.app.state.navigation
