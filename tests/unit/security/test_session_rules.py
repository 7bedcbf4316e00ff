"""When a session stops being usable, without a database: signed out, too old, or idle."""

from __future__ import annotations

import datetime as dt

import pytest

from nhc.security.sessions import SessionState, hash_token, session_state

START = dt.datetime(2026, 4, 1, 9, 0)
EXPIRES = START + dt.timedelta(hours=8)


def _state(now: dt.datetime, *, last_seen: dt.datetime = START, revoked: bool = False) -> SessionState:
    return session_state(revoked=revoked, expires_at=EXPIRES, last_seen=last_seen, now=now, idle_minutes=60)


@pytest.mark.parametrize(
    ("minutes_later", "expected"),
    [(0, "live"), (59, "live"), (60, "idle"), (61, "idle")],
)
def test_a_session_unused_for_the_idle_limit_ends(minutes_later: int, expected: str) -> None:
    assert _state(START + dt.timedelta(minutes=minutes_later)) == expected


def test_a_busy_session_still_ends_at_its_absolute_lifetime() -> None:
    now = EXPIRES
    assert _state(now, last_seen=now - dt.timedelta(minutes=1)) == "expired"
    assert _state(now - dt.timedelta(seconds=1), last_seen=now - dt.timedelta(minutes=1)) == "live"


def test_a_signed_out_session_is_over_whatever_the_times() -> None:
    assert _state(START, revoked=True) == "revoked"


def test_the_stored_id_is_the_sha256_of_the_token_not_the_token() -> None:
    # sha256("abc"), from FIPS 180-2 appendix B.1
    assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
