"""The engagement area's errors: each a one-line :class:`~nhc.errors.NhcError` carrying its HTTP status
(the area knows nothing about HTTP; the web layer reads ``http_status``)."""

from __future__ import annotations

from collections.abc import Iterable

from nhc.errors import NhcError


class EngagementError(NhcError):
    """A request the user can fix (HTTP 400)."""

    http_status = 400


class BadField(EngagementError):
    """A field has a value outside what is allowed: names the field and what is allowed (HTTP 422)."""

    http_status = 422

    def __init__(self, field: str, message: str, allowed: Iterable[str] | str = "") -> None:
        allowed_text = allowed if isinstance(allowed, str) else ", ".join(allowed)
        super().__init__(f"{field}: {message}", hint=f"allowed: {allowed_text}" if allowed_text else None)
        self.field = field
        self.detail, self.allowed = message, allowed_text

    def renamed(self, fields: dict[str, str]) -> BadField:
        """The same error about a form's own field name (the form's "comment" is the item's "text")."""
        return BadField(fields.get(self.field, self.field), self.detail, self.allowed)


class NotFound(EngagementError):
    """No such feedback item (HTTP 404)."""

    http_status = 404


class TooMany(EngagementError):
    """Too many comments from one place in a short time (HTTP 429)."""

    http_status = 429
