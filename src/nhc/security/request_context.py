"""The client address of the web request being handled, for the audit log.

The web app's request-context middleware (:class:`nhc.web.middleware.RequestContextMiddleware`)
binds the address for the length of each request; :class:`~nhc.security.service.SecurityService`
reads it when an audit line is written without an explicit address, so every audit line written
during a web request (a page, the API, FHIR, the care pages...) records who it came from without
each caller passing it. It lives here, not in ``nhc.web``, so that security does not import web.

A :class:`contextvars.ContextVar` is per request: concurrent requests (asyncio tasks, and the worker
threads that Starlette runs sync endpoints in, which copy the context) never see each other's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

_client_ip: ContextVar[str | None] = ContextVar("nhc_client_ip", default=None)


def current_client_ip() -> str | None:
    """The client address of the current web request, or ``None`` outside one."""
    return _client_ip.get()


@contextlib.contextmanager
def client_ip_bound(ip: str | None) -> Iterator[None]:
    """Bind ``ip`` as the current client address inside the ``with`` block (restored after)."""
    token = _client_ip.set(ip)
    try:
        yield
    finally:
        _client_ip.reset(token)
