"""Checks for free text and dates as users type them (forms, JSON, CLI)."""

from __future__ import annotations

import datetime as dt
import re

from nhc.care.domain.errors import InvalidCareInput


def check_text(value: object, field: str, *, max_len: int = 2000, required: bool = True) -> str:
    """``value`` as stripped text; refused when required and blank, or longer than ``max_len``."""
    text = str(value or "").strip()
    if required and not text:
        raise InvalidCareInput(f"{field} is required")
    if len(text) > max_len:
        raise InvalidCareInput(f"{field} must be {max_len:,} characters or fewer (got {len(text):,})")
    return text


#: Day, month, year as people in the UK write them: 31/12/2026, 31.12.2026, 31-12-2026, 31 12 2026.
UK_DATE = re.compile(r"(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{4})")


def check_due(due: object, field: str = "due date") -> dt.date:
    """A date from a date, a datetime, ISO text (``2026-04-30``) or a UK day/month/year
    (``30/04/2026``); anything else, or a day that does not exist (``31/02/2026``), is refused with a
    message naming the field."""
    if isinstance(due, dt.datetime):
        return due.date()
    if isinstance(due, dt.date):
        return due
    text = str(due or "").strip()
    uk = UK_DATE.fullmatch(text)
    try:
        if uk:
            day, month, year = (int(g) for g in uk.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        if not text:
            raise InvalidCareInput(f"enter the {field}, for example 30/04/2026") from None
        raise InvalidCareInput(
            f"{field} must be a real date like 30/04/2026 (day/month/year), not {text[:40]!r}"
        ) from None


#: The three boxes of the NHS.UK date input, in the order people fill them.
DATE_PARTS = ("day", "month", "year")


def check_date_parts(day: object, month: object, year: object, field: str = "date") -> dt.date:
    """A date from the NHS.UK date-input pattern's three boxes (day, month, year), each as typed.

    Messages follow the pattern's guidance and name the field: ``enter the review date`` when all
    are empty, ``review date must include a month`` when one is missing, ``year must include 4
    numbers``, and ``review date must be a real date`` for a day that does not exist (31/02) or
    parts that are not numbers. Surrounding spaces are ignored; a leading zero is optional."""
    parts = {k: str(v or "").strip() for k, v in zip(DATE_PARTS, (day, month, year), strict=True)}
    missing = [k for k in DATE_PARTS if not parts[k]]
    if len(missing) == len(DATE_PARTS):
        raise InvalidCareInput(f"enter the {field}, for example 30 4 2026")
    if missing:
        raise InvalidCareInput(f"{field} must include a {' and a '.join(missing)}")
    if not all(re.fullmatch(r"[0-9]{1,4}", parts[k], re.ASCII) for k in DATE_PARTS):
        raise InvalidCareInput(f"{field} must be a real date, in numbers, for example 30 4 2026")
    if len(parts["year"]) != 4:
        raise InvalidCareInput(f"the year of the {field} must include 4 numbers")
    try:
        return dt.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        raise InvalidCareInput(f"{field} must be a real date, for example 30 4 2026") from None
