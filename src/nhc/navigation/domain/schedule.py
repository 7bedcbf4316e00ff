"""Opening times: Open Referral UK schedules (weekly, by day, opens/closes, valid from/to) and the
sessions they open on real dates, with bank holidays taken into account.

Contract
--------
* A :class:`Schedule` with ``closes_at <= opens_at`` runs overnight into the next day; ``00:00`` to
  ``00:00`` is open all day.
* On a bank holiday (a date in the :class:`Calendar`), a schedule with ``closed_on_bank_holidays`` opens
  no session; ``valid_from``/``valid_to`` bound the dates (inclusive) a schedule applies on.
* :func:`first_usable_session` is the Directory of Services test: the first session that is open at some
  moment of the window and does not close within ``margin`` of the moment the person could arrive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from nhc.navigation.domain.errors import BadField

#: RFC 5545 day codes, Monday first (``date.weekday()`` order), as Open Referral UK's ``byday`` uses.
DAYS: tuple[str, ...] = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
FREQUENCIES = ("WEEKLY", "DAILY")


@dataclass(frozen=True)
class Calendar:
    """The bank holidays that close services (England and Wales for this county)."""

    bank_holidays: frozenset[dt.date] = frozenset()

    def is_bank_holiday(self, day: dt.date) -> bool:
        return day in self.bank_holidays


@dataclass(frozen=True, order=True)
class Session:
    """One stretch of opening: ``start`` (inclusive) to ``end`` (exclusive), naive local datetimes."""

    start: dt.datetime
    end: dt.datetime

    def contains(self, when: dt.datetime) -> bool:
        return self.start <= when < self.end


@dataclass(frozen=True)
class Schedule:
    """An HSDS ``schedule`` row: weekly (or daily) opening on the listed days between two times."""

    id: str
    opens_at: dt.time
    closes_at: dt.time
    byday: tuple[str, ...] = DAYS
    freq: str = "WEEKLY"
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    description: str = ""
    closed_on_bank_holidays: bool = True
    attending_type: str = "in_person"
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.freq not in FREQUENCIES:
            raise BadField("freq", f"unsupported frequency {self.freq!r}", FREQUENCIES)
        bad = [d for d in self.byday if d not in DAYS]
        if bad:
            raise BadField("byday", f"unknown day {bad[0]!r}", DAYS)
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise BadField("valid_to", "ends before valid_from", "a date on or after valid_from")

    def applies_on(self, day: dt.date, calendar: Calendar) -> bool:
        """Whether this schedule opens on ``day`` at all."""
        if (self.valid_from and day < self.valid_from) or (self.valid_to and day > self.valid_to):
            return False
        if self.closed_on_bank_holidays and calendar.is_bank_holiday(day):
            return False
        return self.freq == "DAILY" or DAYS[day.weekday()] in self.byday

    def session_on(self, day: dt.date) -> Session:
        start = dt.datetime.combine(day, self.opens_at)
        end = dt.datetime.combine(day, self.closes_at)
        if end <= start:  # overnight, or 00:00-00:00 for all day
            end += dt.timedelta(days=1)
        return Session(start, end)

    def sessions(self, start: dt.datetime, end: dt.datetime, calendar: Calendar) -> Iterator[Session]:
        """Sessions overlapping ``[start, end]`` (the day before counts: an overnight session)."""
        day = start.date() - dt.timedelta(days=1)
        while day <= end.date():
            if self.applies_on(day, calendar):
                session = self.session_on(day)
                if session.end > start and session.start <= end:
                    yield session
            day += dt.timedelta(days=1)


def merged_sessions(
    schedules: Iterable[Schedule], start: dt.datetime, end: dt.datetime, calendar: Calendar
) -> list[Session]:
    """The sessions of all ``schedules`` in the window, touching or overlapping ones joined."""
    found = sorted(s for schedule in schedules for s in schedule.sessions(start, end, calendar))
    merged: list[Session] = []
    for session in found:
        if merged and session.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Session(last.start, max(last.end, session.end))
        else:
            merged.append(session)
    return merged


def first_usable_session(
    schedules: Iterable[Schedule],
    start: dt.datetime,
    end: dt.datetime,
    calendar: Calendar,
    margin: dt.timedelta = dt.timedelta(minutes=30),
) -> Session | None:
    """The first session open at some moment in ``[start, end]`` that leaves at least ``margin`` after
    the person could arrive (the later of ``start`` and the session's opening); None if there is none."""
    for session in merged_sessions(schedules, start, end, calendar):
        arrive = max(session.start, start)
        if arrive <= end and arrive + margin <= session.end:
            return session
    return None


def parse_time(value: str, field_name: str) -> dt.time:
    """``HH:MM`` or ``HH:MM:SS`` (``24:00`` is midnight at the end of the day, read as ``00:00``)."""
    text = str(value).strip()
    if text in ("24:00", "24:00:00"):
        return dt.time(0, 0)
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        raise BadField(field_name, f"not a time: {text!r}", "HH:MM") from None
