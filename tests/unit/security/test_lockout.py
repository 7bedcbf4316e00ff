"""Sign-in lock-out arithmetic, without a database: which failures count, and when they lock."""

from __future__ import annotations

import datetime as dt

import pytest

from nhc.security.policy import SecurityPolicy
from nhc.security.signin import RecentFailures, account_window_start, is_locked, window_start

NOW = dt.datetime(2026, 4, 1, 9, 0)
POLICY = SecurityPolicy()  # 5 per account, 20 per address, over 15 minutes


def test_the_window_is_the_last_lockout_minutes() -> None:
    assert window_start(NOW, POLICY) == dt.datetime(2026, 4, 1, 8, 45)
    assert window_start(NOW, SecurityPolicy(lockout_minutes=60)) == dt.datetime(2026, 4, 1, 8, 0)


def test_a_success_inside_the_window_forgives_the_failures_before_it() -> None:
    window = dt.datetime(2026, 4, 1, 8, 45)
    assert account_window_start(window, dt.datetime(2026, 4, 1, 8, 50)) == dt.datetime(2026, 4, 1, 8, 50)


def test_a_success_before_the_window_changes_nothing() -> None:
    window = dt.datetime(2026, 4, 1, 8, 45)
    assert account_window_start(window, dt.datetime(2026, 4, 1, 7, 0)) == window
    assert account_window_start(window, None) == window


@pytest.mark.parametrize(
    ("account", "address", "locked"),
    [
        (0, 0, False),
        (4, 19, False),  # one short of each limit
        (5, 0, True),  # the account's limit reached
        (0, 20, True),  # the address's limit reached, whatever accounts were tried
        (7, 23, True),
    ],
)
def test_either_limit_reached_locks(account: int, address: int, locked: bool) -> None:
    assert is_locked(RecentFailures(account, address), POLICY) is locked


def test_the_limits_come_from_the_policy() -> None:
    strict = SecurityPolicy(max_failures_per_account=2, max_failures_per_ip=3)
    assert is_locked(RecentFailures(2, 0), strict)
    assert is_locked(RecentFailures(0, 3), strict)
    assert not is_locked(RecentFailures(1, 2), strict)
