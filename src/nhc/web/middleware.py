"""Pure-ASGI middleware: request body size limit, security headers and the request context (the
client address bound for the audit log), plus :func:`resolve_client_ip`, the one place that decides
which client address a request came from."""

from __future__ import annotations

import ipaddress
import json
import math
from collections.abc import Iterable, Sequence

from nhc.security.request_context import client_ip_bound
from nhc.settings import IPNetwork

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def _parse_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address from a peer or X-Forwarded-For entry (``1.2.3.4``, ``1.2.3.4:5678``, ``[::1]:80``,
    ``::1``), or ``None`` if it is not one."""
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # IPv4 with a port
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, trusted: Sequence[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in trusted)


def resolve_client_ip(peer: str | None, forwarded_for: Iterable[str], trusted: Sequence[IPNetwork]) -> str:
    """The client address of a request: the direct peer's, unless the peer is a trusted proxy.

    Only when the peer is in ``trusted`` (``NHC_TRUSTED_PROXIES``) is ``X-Forwarded-For`` read, and
    then from the right: each trusted proxy appends the address it got the request from, so the
    right-most entry that is not itself a trusted proxy is the client. Entries left of it were sent by
    the client and could be anything, so they are never believed. A malformed entry stops the walk at
    the last proxy that was trusted. ``"unknown"`` when there is no peer at all.
    """
    if not peer:
        return "unknown"
    current = _parse_ip(peer)
    if current is None or not trusted or not _trusted(current, trusted):
        return peer
    hops = [h for value in forwarded_for for h in value.split(",") if h.strip()]
    for hop in reversed(hops):
        address = _parse_ip(hop)
        if address is None:
            break
        current = address
        if not _trusted(address, trusted):
            break
    return str(current)


def _scope_client_ip(scope, trusted: Sequence[IPNetwork]) -> str:
    client = scope.get("client")
    forwarded = [v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"x-forwarded-for"]
    return resolve_client_ip(client[0] if client else None, forwarded, trusted)


class RequestContextMiddleware:
    """Bind the request's client address (:func:`resolve_client_ip`) for the length of each request,
    so every audit line written while handling it records the address
    (:mod:`nhc.security.request_context`)."""

    def __init__(self, app, trusted_proxies: Sequence[IPNetwork] = ()) -> None:
        self.app = app
        self.trusted = tuple(trusted_proxies)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        with client_ip_bound(_scope_client_ip(scope, self.trusted)):
            await self.app(scope, receive, send)


class SecurityHeadersMiddleware:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def send_wrapper(message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    h for h in message.get("headers", []) if h[0].lower() not in dict(SECURITY_HEADERS)
                ]
                headers.extend(SECURITY_HEADERS)
                if https:
                    headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
                if not any(h[0].lower() == b"cache-control" for h in headers):
                    path = scope.get("path", "")
                    if not (path.startswith("/static/") or path.startswith("/assets/")):
                        headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_wrapper)


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413 (by Content-Length, or while streaming)."""

    def __init__(self, app, max_bytes: int = 64 * 1024) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _reject(self, scope, send) -> None:
        path = scope.get("path", "")
        if path.startswith("/api/") or path.startswith("/fhir"):
            body = json.dumps(
                {
                    "type": "about:blank",
                    "title": "Request too large",
                    "status": 413,
                    "detail": f"request bodies are limited to {self.max_bytes:,} bytes",
                }
            ).encode()
            ctype = b"application/problem+json"
        else:
            body = (
                b'<!DOCTYPE html><html lang="en"><head><title>Request too large - NHC</title>'
                b'<link rel="stylesheet" href="/static/vendor/nhsuk/nhsuk-frontend.min.css"></head>'
                b'<body><main class="nhsuk-width-container nhsuk-main-wrapper" id="maincontent">'
                b'<h1 class="nhsuk-heading-l">Request too large</h1><p class="nhsuk-body">'
                b"What you sent is larger than this service accepts. Go back and try again with less."
                b"</p></main></body></html>"
            )
            ctype = b"text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", ctype),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._reject(scope, send)
            return
        if declared is None:
            # A chunked body's size is only known once read. Read it here, up to the limit, before
            # the app runs: an error raised from inside the app's body parsing would be turned into
            # 400 by whatever parses it (FastAPI does exactly that), not 413. At most max_bytes are
            # held in memory.
            buffered = await self._read_bounded(receive)
            if buffered is None:
                await self._reject(scope, send)
                return
            if not buffered:  # the client went away before sending its body
                return
            receive = _replay(buffered, receive)
        await self._run_counting(scope, receive, send)

    async def _read_bounded(self, receive) -> list[dict] | None:
        """The request's body messages, or ``None`` once more than ``max_bytes`` arrive; an empty
        list if the client disconnects first."""
        messages, received = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return []
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                return None
            messages.append(message)
            if not message.get("more_body", False):
                return messages

    async def _run_counting(self, scope, receive, send) -> None:
        """Run the app, still counting the body (a server that lets a body run past its declared
        length is refused too)."""
        received = 0
        started = False

        async def send_wrapper(message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        async def receive_wrapper():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, receive_wrapper, send_wrapper)
        except _TooLarge:
            if not started:
                await self._reject(scope, send)


def _declared_length(scope) -> float | None:
    """The Content-Length header as a number, ``None`` if absent (chunked, or no body); one that is
    not a non-negative whole number counts as infinitely large, so it is refused."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                return math.inf
            return length if length >= 0 else math.inf
    return None


def _replay(messages: list[dict], receive):
    """A ``receive`` that gives back the buffered body messages, then defers to the server's (so a
    later disconnect is still seen)."""
    pending = list(messages)

    async def replay():
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


class _TooLarge(Exception):
    pass
