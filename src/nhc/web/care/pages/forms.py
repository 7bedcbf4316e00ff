"""Reading NHS.UK form patterns back: a date typed in three boxes (day, month, year), and which box a
care error is about (so the page marks that box and the error summary links to it)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from nhc.care.domain import CareError

_SEPARATORS = re.compile(r"\s*[/.\- ]\s*")


@dataclass(frozen=True)
class DateBoxes:
    """What was typed in one NHS.UK date input: its three boxes, and the text the use cases read."""

    day: str = ""
    month: str = ""
    year: str = ""
    typed: str = ""  # the date as one piece of text, when it was sent so

    @property
    def text(self) -> str:
        """What the use cases read (:func:`nhc.care.domain.check_due`): the text as sent in one piece,
        else ``day/month/year``; blank when nothing was typed."""
        if self.typed or not (self.day or self.month or self.year):
            return self.typed
        return f"{self.day}/{self.month}/{self.year}"


def date_boxes(day: str = "", month: str = "", year: str = "", *, single: str = "") -> DateBoxes:
    """The boxes as posted; or, from a client that sends the date as one field (``31/12/2026``, the
    JSON API, an older form), that text split into them so the form shows it again as typed."""
    day, month, year = day.strip(), month.strip(), year.strip()
    if day or month or year or not single.strip():
        return DateBoxes(day, month, year)
    typed = single.strip()
    parts = _SEPARATORS.split(typed, maxsplit=2)
    parts += [""] * (3 - len(parts))
    if len(parts[0]) == 4 and parts[0].isdigit():  # ISO 2026-12-31: year first
        parts = [parts[2], parts[1], parts[0]]
    return DateBoxes(*parts, typed=typed)


def error_field(error: CareError | None, fields: Mapping[str, str]) -> str | None:
    """The form field a care error is about: the first of ``fields`` (words in the message → field
    id) whose words the message contains; None when it names none of them."""
    if error is None:
        return None
    message = error.message.lower()
    return next((field for words, field in fields.items() if words in message), None)
