"""A small in-process rate limiter for the public form: at most ``limit`` submissions per client
address in any ``window`` seconds.

No rate limiter existed for public pages (sign-in locks out through its own stored attempts, which name
accounts); this one keeps nothing on disk: the addresses live in memory, for the length of the window,
and are forgotten after it -- the public form promises to keep nothing about the person. With several
web workers each counts on its own (the limit then applies per worker), which is enough to stop a
script flooding the inbox.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

MAX_ADDRESSES = 10_000


class RateLimiter:
    """``allow(key)`` is true while ``key`` has had fewer than ``limit`` allowed calls in ``window`` s."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            if len(self._seen) > MAX_ADDRESSES:
                self._forget(now)
            times = self._seen.setdefault(key, deque())
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.limit:
                return False
            times.append(now)
            return True

    def _forget(self, now: float) -> None:
        for key in [k for k, t in self._seen.items() if not t or t[-1] <= now - self.window]:
            del self._seen[key]
