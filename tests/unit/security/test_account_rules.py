"""Account and break-glass input rules, without a database: usernames, neighbourhood names,
break-glass reasons and the password policy."""

from __future__ import annotations

import pytest

from nhc.errors import NhcError
from nhc.security.accounts import clean_username
from nhc.security.break_glass import check_reason
from nhc.security.passwords import check_policy
from nhc.security.policy import SecurityPolicy
from nhc.security.relationships import canonical_neighbourhoods, name_key
from nhc.security.roles import Role, parse_role

KNOWN = {name_key(n): n for n in ("Banbury", "North Oxford", "Witney")}


def test_a_username_is_trimmed_and_1_to_150_characters() -> None:
    assert clean_username("  ana ") == "ana"
    assert clean_username("a" * 150) == "a" * 150
    for bad in ("", "   ", "a" * 151):
        with pytest.raises(NhcError, match="1-150 characters"):
            clean_username(bad)


def test_roles_are_read_forgivingly() -> None:
    assert parse_role(" Team-Member ") is Role.TEAM_MEMBER
    assert parse_role("team member") is Role.TEAM_MEMBER
    with pytest.raises(NhcError, match="unknown role 'superuser'"):
        parse_role("superuser")


def test_neighbourhoods_are_spelled_canonically_sorted_and_once() -> None:
    assert canonical_neighbourhoods(["witney", " north   OXFORD ", "Witney", "Banbury"], KNOWN) == [
        "Banbury",
        "North Oxford",
        "Witney",
    ]


def test_an_unknown_neighbourhood_is_named_with_the_known_ones() -> None:
    with pytest.raises(NhcError, match="no neighbourhood called 'Banbry'") as exc:
        canonical_neighbourhoods(["Banbury", "Banbry"], KNOWN)
    assert exc.value.hint == "known neighbourhoods: Banbury, North Oxford, Witney"


def test_a_break_glass_reason_is_trimmed_and_bounded_by_the_policy() -> None:
    policy = SecurityPolicy()  # 10 to 2,000 characters
    assert check_reason("  unconscious in A&E  ", policy) == "unconscious in A&E"
    assert check_reason("x" * 2000, policy) == "x" * 2000
    with pytest.raises(NhcError, match="at least 10 characters"):
        check_reason("  because  ", policy)
    with pytest.raises(NhcError, match="at least 10 characters"):
        check_reason(None, policy)
    with pytest.raises(NhcError, match="2,000 characters or fewer"):
        check_reason("x" * 2001, policy)
    with pytest.raises(NhcError, match="at least 4 characters"):
        check_reason("abc", SecurityPolicy(break_glass_min_reason=4))


@pytest.mark.parametrize(
    ("password", "username", "message"),
    [
        ("short-pw", None, "at least 12"),
        ("x" * 1025, None, "at most 1,024"),
        (" " * 12, None, "not only spaces"),
        ("samepwsamepw", None, "same few characters repeated"),
        ("ana-smith-rocks-2026", "ana-smith", "does not contain your username"),
        ("password1234", None, "commonly used"),
        ("!!password!!", None, "commonly used"),
    ],
)
def test_the_password_policy_refuses_weak_passwords_saying_why(
    password: str, username: str | None, message: str
) -> None:
    with pytest.raises(NhcError, match=message):
        check_policy(password, username)


@pytest.mark.parametrize(
    ("password", "username"),
    [
        ("correct-horse-battery-staple", "ana"),
        ("".join(chr(0x4E00 + i) for i in range(1024)), None),  # 1,024 different characters
        ("three random words here", "al"),  # a two-letter name is only refused as the whole password
    ],
)
def test_the_password_policy_accepts_long_uncommon_passwords(password: str, username: str | None) -> None:
    check_policy(password, username)
