"""The numbers of the security policy: how long sessions and break-glass grants last, when sign-in
locks, how long a live session is remembered in memory. One frozen value, passed to every part."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SecurityPolicy:
    session_hours: float = 8.0  # absolute lifetime of a session, however busy
    idle_minutes: float = 60.0  # a session unused this long ends
    break_glass_minutes: float = 30.0
    break_glass_min_reason: int = 10  # characters
    break_glass_max_reason: int = 2000  # characters
    max_failures_per_account: int = 5  # failed sign-ins since the last success, within the window
    max_failures_per_ip: int = 20  # failed sign-ins from one address, within the window
    lockout_minutes: float = 15.0  # the window
    # A live session (and a user's break-glass grants) is remembered in memory this long, so a page
    # does not cost a database round trip; sign-out in the same process takes effect at once.
    cache_seconds: float = 5.0
