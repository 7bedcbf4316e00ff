"""The navigation area's errors: each a one-line :class:`~nhc.errors.NhcError` with its HTTP status."""

from __future__ import annotations

from collections.abc import Iterable

from nhc.errors import NhcError


class NavigationError(NhcError):
    """A navigation or directory request the user can fix. ``http_status`` tells the web layer."""

    http_status = 400


class BadField(NavigationError):
    """A request field has a value outside what is allowed: names the field and the allowed values."""

    def __init__(self, field: str, message: str, allowed: Iterable[str] | str) -> None:
        allowed_text = allowed if isinstance(allowed, str) else ", ".join(allowed)
        super().__init__(f"{field}: {message}", hint=f"allowed: {allowed_text}")
        self.field = field
        self.allowed = allowed_text


class NotFound(NavigationError):
    """No such directory record (HTTP 404)."""

    http_status = 404
