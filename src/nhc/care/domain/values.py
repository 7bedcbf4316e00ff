"""Checks for free text and dates as users type them (forms, JSON, CLI)."""

from __future__ import annotations

import datetime as dt

from nhc.care.domain.errors import InvalidCareInput


def check_text(value: object, field: str, *, max_len: int = 2000, required: bool = True) -> str:
    """``value`` as stripped text; refused when required and blank, or longer than ``max_len``."""
    text = str(value or "").strip()
    if required and not text:
        raise InvalidCareInput(f"{field} is required")
    if len(text) > max_len:
        raise InvalidCareInput(f"{field} must be {max_len:,} characters or fewer (got {len(text):,})")
    return text


def check_due(due: object, field: str = "due date") -> dt.date:
    """A date from a date, a datetime or ISO text (``2026-04-30``); anything else is refused."""
    if isinstance(due, dt.datetime):
        return due.date()
    if isinstance(due, dt.date):
        return due
    try:
        return dt.date.fromisoformat(str(due).strip())
    except ValueError:
        raise InvalidCareInput(f"{field} must be a date like 2026-04-30, not {due!r}") from None
