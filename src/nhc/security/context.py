"""What every part of the security service shares: the database, the policy and the clock.

Each part (accounts, sign-in, sessions, relationships, break-glass, access, audit) holds the one
:class:`SecurityContext` rather than copies of its fields, so a facade that swaps the clock or the
policy (tests do) changes it for every part at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from nhc.db import Database
from nhc.security.policy import SecurityPolicy


@dataclass
class SecurityContext:
    db: Database
    policy: SecurityPolicy
    clock: Callable[[], dt.datetime]

    def transaction(self) -> AbstractContextManager[Session]:
        """One transaction: committed when the block ends normally, rolled back on any error.
        A change and the audit line that records it are always written in the same one."""
        return self.db.unit_of_work()

    def now(self) -> dt.datetime:
        return self.clock()
