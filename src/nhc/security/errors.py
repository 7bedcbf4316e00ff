"""The two ways security says no: :class:`AccessDenied` (HTTP 403) and :class:`SignInError` (401/429).

Both are :class:`~nhc.errors.NhcError`, so pages and the command line show their message as it is.
"""

from __future__ import annotations

from nhc.errors import NhcError


class AccessDenied(NhcError):
    """The user may not see or do this (HTTP 403). ``can_break_glass`` tells the page whether to
    offer emergency access instead of a dead end."""

    def __init__(self, message: str, *, can_break_glass: bool = False) -> None:
        super().__init__(message)
        self.can_break_glass = can_break_glass


class SignInError(NhcError):
    """Sign-in failed; ``locked`` when too many attempts were made (HTTP 429)."""

    def __init__(self, message: str, *, locked: bool = False) -> None:
        super().__init__(message)
        self.locked = locked
