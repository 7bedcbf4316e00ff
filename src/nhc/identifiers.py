"""The one parser for the identifiers people and systems give us: patient ids, NHS numbers, FHIR
identifier tokens and whole-number parameters.

Every route (pages, ``/api``, ``/fhir``, care) parses what it is given here, and nowhere else, so
that the value a route looks up is the value the access decision was made on. The rules:

- Digits are ASCII ``0-9`` only. ``str.isdigit()`` is not used: it accepts ``²`` and full-width
  ``１４８３``, which ``int()`` then fails on or reads as a different number.
- A patient id or record number is a whole number from 0 to :data:`MAX_ID` (the largest value a
  64-bit database column holds); anything larger is refused here, not by the database.
- An NHS number may be written as people write it: spaces or hyphens between digit groups,
  surrounding whitespace. It is always returned in its canonical form, ten ASCII digits.
- A FHIR identifier token is ``[system|]value``; an NHS number under no system or under
  ``https://fhir.nhs.uk/Id/nhs-number`` is canonicalised as above.

Bad input raises :class:`InvalidIdentifier`, a :class:`nhc.errors.NhcError` answered with 400.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nhc.errors import NhcError

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
MAX_ID = 2**63 - 1
#: Operational record ids (care, social prescribing) are 32-bit ``integer`` columns in PostgreSQL: a
#: larger number is no record, and is refused before a query rather than overflowing the database.
MAX_RECORD_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
# Spaces, tabs and hyphens between digits, as NHS numbers are printed (3-3-4) or typed.
_NHS_SEPARATORS = re.compile(r"[ \t\-]", re.ASCII)


class InvalidIdentifier(NhcError):
    """An identifier or number parameter that is not well formed (HTTP 400)."""


def _shown(value: object) -> str:
    text = str(value)
    return repr(text[:40] + ("…" if len(text) > 40 else ""))


def parse_whole_number(
    value: object, field: str = "number", *, minimum: int = 0, maximum: int = MAX_ID
) -> int:
    """``value`` (an int, or text of ASCII digits with optional surrounding spaces) as an int in
    ``[minimum, maximum]``; otherwise :class:`InvalidIdentifier` naming ``field``."""
    if isinstance(value, bool):
        raise InvalidIdentifier(f"{field} must be a whole number, not {_shown(value)}")
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        negative = text.startswith("-") and minimum < 0
        digits = text[1:] if negative else text
        if not _DIGITS.fullmatch(digits) or len(digits) > 19:
            raise InvalidIdentifier(f"{field} must be a whole number, not {_shown(value)}")
        number = -int(digits) if negative else int(digits)
    if not minimum <= number <= maximum:
        raise InvalidIdentifier(f"{field} must be between {minimum:,} and {maximum:,} (got {_shown(value)})")
    return number


def parse_patient_id(value: object, field: str = "patient id") -> int:
    """A patient id: a whole number, optionally written as a FHIR reference ``Patient/<id>``."""
    text = value if isinstance(value, int) and not isinstance(value, bool) else str(value or "").strip()
    if isinstance(text, str):
        text = text.removeprefix("Patient/")
    return parse_whole_number(text, field)


def parse_nhs_number(value: object, field: str = "NHS number") -> str:
    """The canonical ten ASCII digits of an NHS number written with or without separators.

    The check digit is not required here (a search for a mistyped number simply finds no one);
    :func:`nhc.nhs_number.is_valid` tells whether a number could be issued."""
    text = _NHS_SEPARATORS.sub("", str(value or "").strip())
    if len(text) != 10 or not _DIGITS.fullmatch(text):
        raise InvalidIdentifier(f"an {field} is ten digits (like 999 123 4567), not {_shown(value)}")
    return text


def format_nhs_number(value: str | None) -> str:
    """``9991234567`` as people read it: ``999 123 4567`` (anything else is returned unchanged)."""
    if value and len(value) == 10 and _DIGITS.fullmatch(value):
        return f"{value[:3]} {value[3:6]} {value[6:]}"
    return value or ""


@dataclass(frozen=True)
class IdentifierToken:
    """A parsed FHIR identifier search value: ``system`` (``None`` when not given) and ``value``."""

    system: str | None
    value: str

    @property
    def is_nhs_number(self) -> bool:
        return self.system in (None, NHS_NUMBER_SYSTEM)


def parse_identifier_token(value: object, field: str = "identifier") -> IdentifierToken:
    """A FHIR token ``[system|]value``. Under the NHS number system, or no system, the value must be
    an NHS number and is canonicalised; other systems keep their value with whitespace trimmed."""
    text = str(value or "")
    system, _, rest = text.partition("|") if "|" in text else ("", "", text)
    system_clean = system.strip() or None
    token = IdentifierToken(system_clean, rest.strip())
    if not token.value:
        raise InvalidIdentifier(f"{field} needs a value, not {_shown(value)}")
    if token.is_nhs_number:
        return IdentifierToken(system_clean, parse_nhs_number(token.value, field=f"NHS number in {field}"))
    return token
