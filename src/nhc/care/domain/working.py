"""A staff member's working pattern (the days of the week and, optionally, the hours they work), the
rules a lead's team set-up follows (capacity above 0, one record per person), and absence dates."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from nhc.care.domain.errors import InvalidCareInput
from nhc.care.domain.staff import check_capacity
from nhc.care.domain.values import check_due

#: The days of the week, Monday first, as the pattern is written (``Mon-Fri``).
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_NAMES = dict(
    zip(DAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"), strict=True)
)
_TIME = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?")
_HOURS = re.compile(r"\s(\d{1,2}[:.]\d{2})\s*-\s*(\d{1,2}[:.]\d{2})\s*$")


@dataclass(frozen=True)
class WorkingPattern:
    """Days worked (in week order) and the hours, when given (``starts`` before ``ends``)."""

    days: tuple[str, ...]
    starts: dt.time | None = None
    ends: dt.time | None = None

    def __str__(self) -> str:
        """``Mon-Fri``, ``Mon, Wed-Fri 08:30-16:00``: runs of three or more days as a range."""
        runs: list[list[int]] = []
        for i in sorted(DAYS.index(x) for x in self.days):
            if runs and runs[-1][-1] == i - 1:
                runs[-1].append(i)
            else:
                runs.append([i])
        parts = []
        for run in runs:
            if len(run) >= 3:
                parts.append(f"{DAYS[run[0]]}-{DAYS[run[-1]]}")
            else:
                parts += [DAYS[i] for i in run]
        text = ", ".join(parts)
        if self.starts and self.ends:
            text += f" {self.starts:%H:%M}-{self.ends:%H:%M}"
        return text


def parse_time(value: object, field: str) -> dt.time | None:
    """``9``, ``9:00``, ``09.30`` → a time; blank → None; anything else is refused."""
    text = str(value or "").strip()
    if not text:
        return None
    m = _TIME.fullmatch(text)
    try:
        if not m:
            raise ValueError(text)
        return dt.time(int(m.group(1)), int(m.group(2) or 0))
    except ValueError:
        raise InvalidCareInput(f"{field} must be a time of day like 09:00, not {text[:20]!r}") from None


def working_pattern(days: Iterable[object], starts: object = "", ends: object = "") -> WorkingPattern:
    """The pattern a lead chose: at least one known day; hours both given (start before end) or neither."""
    chosen = {str(x).strip()[:3].title() for x in days if str(x).strip()}
    unknown = chosen - set(DAYS)
    if unknown:
        raise InvalidCareInput(f"unknown day(s): {', '.join(sorted(unknown))}", hint="use Mon to Sun")
    if not chosen:
        raise InvalidCareInput("choose at least one day they work")
    start, end = parse_time(starts, "start time"), parse_time(ends, "finish time")
    if (start is None) != (end is None):
        raise InvalidCareInput("give both the start and the finish time, or neither")
    if start is not None and end is not None and end <= start:
        raise InvalidCareInput(f"the finish time ({end:%H:%M}) must be after the start time ({start:%H:%M})")
    return WorkingPattern(tuple(x for x in DAYS if x in chosen), start, end)


def read_pattern(text: str | None) -> WorkingPattern | None:
    """A stored pattern (``Mon-Fri``, ``Mon, Wed 09:00-13:00``) read back to fill the form; None when
    it was written some other way (the form then starts blank and the old text is shown)."""
    text = str(text or "").strip()
    starts = ends = ""
    hours = _HOURS.search(" " + text)
    if hours:
        starts, ends = hours.groups()
        text = (" " + text)[: hours.start()].strip()
    days: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        first, _, last = part.partition("-")
        if first.strip() not in DAYS or (last and last.strip() not in DAYS):
            return None
        a, b = DAYS.index(first.strip()), DAYS.index((last or first).strip())
        if a > b:
            return None
        days += DAYS[a : b + 1]
    try:
        return working_pattern(days, starts, ends)
    except InvalidCareInput:
        return None


def check_team_capacity(value: object) -> int:
    """The capacity a lead gives a team member: 1-200 points a week (someone who carries no points
    would never be allocated anyone, so is not set up as a member of the caseload team)."""
    capacity = check_capacity(value)
    if capacity <= 0:
        raise InvalidCareInput("capacity must be more than 0 points a week")
    return capacity


def same_person(a: str, b: str) -> bool:
    """Two names for one person: the same letters, whatever the case and spacing."""
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def check_absence(starts_on: object, ends_on: object) -> tuple[dt.date, dt.date]:
    """An absence's first and last day: both real dates, the last not before the first."""
    starts, ends = check_due(starts_on, "start date"), check_due(ends_on, "end date")
    if ends < starts:
        raise InvalidCareInput(f"an absence cannot end ({ends}) before it starts ({starts})")
    return starts, ends
