"""Password hashing with Argon2id (argon2-cffi, RFC 9106 parameters) and a password policy."""

from __future__ import annotations

import contextlib
import functools
import re
import secrets
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from nhc.errors import NhcError

_hasher = PasswordHasher()
MIN_LENGTH = 12
MAX_LENGTH = 1024
# The shortest username that a password may not contain (shorter ones are only refused as a whole).
MIN_USERNAME_IN_PASSWORD = 3
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common_passwords.txt"
# What people add to either end of a common password to pass a length rule.
_PADDING = "0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
# Verified against when the account does not exist, so timing does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))


def configure(*, time_cost: int = 3, memory_cost: int = 65536, parallelism: int = 4) -> None:
    """Change the Argon2id cost (defaults: RFC 9106 low-memory profile). Tests use a cheap setting."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    _DUMMY_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))


def check_policy(password: str, username: str | None = None) -> None:
    """Refuse a weak password with :class:`~nhc.errors.NhcError` saying what to change.

    The rules follow the NCSC's password guidance: length rather than complexity, and a deny list.
    A password must be 12-1,024 characters, not only spaces, not one group of characters repeated
    (``samepwsamepw``), not the username nor contain it (ignoring case), and neither a common
    password nor a common password with digits or symbols added at either end (``password1234``).
    """
    if len(password) < MIN_LENGTH:
        raise NhcError(f"Choose a password of at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise NhcError(f"Choose a password of at most {MAX_LENGTH:,} characters")
    if not password.strip():
        raise NhcError("Choose a password that is not only spaces")
    if _repeated_block(password):
        raise NhcError(
            "Choose a password that is not the same few characters repeated, for example three random words"
        )
    _check_not_username(password, username)
    if _is_common(password):
        raise NhcError(
            "That password is on a list of commonly used passwords, so it is easy to guess. "
            "Choose another, for example three random words"
        )


def _repeated_block(password: str) -> bool:
    """True when the password is one group of characters written out two or more times."""
    return re.fullmatch(r"(.+?)\1+", password, flags=re.DOTALL) is not None


def _check_not_username(password: str, username: str | None) -> None:
    name = (username or "").strip().casefold()
    if not name:
        return
    # Containment is only checked for names of a few characters: a one-letter username would
    # otherwise refuse most passwords.
    if password.casefold() == name or (len(name) >= MIN_USERNAME_IN_PASSWORD and name in password.casefold()):
        raise NhcError("Choose a password that does not contain your username")


def _is_common(password: str) -> bool:
    """On the deny list as typed (ignoring case), or once digits, spaces and symbols are taken off
    both ends (people meet a length rule by adding ``1234`` or ``!!`` to a common password)."""
    common = common_passwords()
    lowered = password.casefold()
    core = lowered.strip(_PADDING)
    return lowered in common or (len(core) >= 4 and core in common)


@functools.cache
def common_passwords() -> frozenset[str]:
    """The deny list shipped in ``security/data/common_passwords.txt`` (lower case; provenance in
    its header, whose lines start with ``# ``)."""
    text = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8")
    return frozenset(
        line.casefold() for line in text.splitlines() if line and not line.startswith("# ") and line != "#"
    )


def hash_password(password: str, *, username: str | None = None) -> str:
    """The Argon2id hash of a password that meets :func:`check_policy` (else ``NhcError``)."""
    check_policy(password, username)
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def generate_password() -> str:
    """A random password for demo users: four groups of letters and digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))
