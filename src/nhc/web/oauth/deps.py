"""The app's OAuth service (made on first use, so the app starts without it) and the URLs a request
addressed the server by."""

from __future__ import annotations

import threading

from fastapi import Request

from nhc.security.oauth import Endpoints, OAuthService, load_signing_key

_LOCK = threading.Lock()


def oauth_service(request: Request) -> OAuthService:
    """:class:`OAuthService` over the app's security service and the data folder's signing key."""
    state = request.app.state
    service = getattr(state, "oauth", None)
    if service is None:
        with _LOCK:
            service = getattr(state, "oauth", None)
            if service is None:
                service = OAuthService(state.security, load_signing_key(state.settings.data_dir))
                state.oauth = service
    return service


def endpoints(request: Request) -> Endpoints:
    """The issuer (the server's root URL, as the client addressed it) and the FHIR base URL."""
    root = str(request.base_url).rstrip("/")
    return Endpoints(root, f"{root}/fhir")
