"""Search parameters: parsed and checked once, before anything is looked up.

Every identifier goes through the one parser (:mod:`nhc.identifiers`): ``999 088 7713``,
``9990887713 `` and ``|9990887713`` are the same NHS number; ``²`` or ``１４８３`` are not digits
(400). Dates take the FHIR prefixes ``eq``/``ge``/``le``/``gt``/``lt`` at year, month or day
precision. A parameter the resource type does not declare is refused (400), so what the
CapabilityStatement lists is exactly what a search honours.

Result parameters every search takes: ``_count`` (page size, at most 1,000; ``0`` = the total only),
``_offset``, ``_summary=count`` (the total only) or ``false``, ``_total`` (``none``, ``estimate`` or
``accurate``: the total is always accurate), ``_sort`` (``date`` or ``-date``, on types with a
``date`` parameter), ``_include`` (the type's declared includes, e.g. ``CarePlan:care-team``) and
``_revinclude`` (the includes of other types that point at this one, e.g. ``Observation:patient``).

``_lastUpdated`` takes the same prefixes with a date or an instant (``ge2026-03-01T09:30:00Z``; an
instant needs its time zone) and is tested against ``meta.lastUpdated`` as served
(:func:`instant_matches`), so a client's filter agrees with what it reads.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from nhc.fhir.server.outcome import FhirError
from nhc.identifiers import (
    MAX_ID,
    IdentifierToken,
    InvalidIdentifier,
    parse_identifier_token,
    parse_patient_id,
    parse_whole_number,
)

MAX_COUNT = 1000
DEFAULT_COUNT = 50
#: Parameters every search takes, whatever the resource type (``_sort`` and ``_include`` are
#: checked against the type: see :func:`parse_search`).
COMMON_PARAMS = ("_count", "_offset", "_format", "_summary", "_total", "_sort", "_include", "_revinclude")
SUMMARIES = ("count", "false")
TOTALS = ("none", "estimate", "accurate")
SORTS = ("date", "-date")

_DATE_PARAM = re.compile(r"^(eq|ge|le|gt|lt)?(\d{4}(-\d{2}(-\d{2})?)?)$", re.ASCII)
_OPS = {"eq": "=", "ge": ">=", "le": "<=", "gt": ">", "lt": "<"}
_INSTANT_PARAM = re.compile(
    r"^(eq|ge|le|gt|lt)?(\d{4}(?:-\d{2}(?:-\d{2})?)?)"
    r"(?:T(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)(Z|[+-]\d{2}:\d{2}))?$",
    re.ASCII,
)


@dataclass
class Search:
    """A parsed search. ``patients``: the ids named by ``patient``/``subject`` (``None`` if none);
    ``scope``: the patients the search resolved to, set before it runs (``None``: population-wide)."""

    rtype: str
    patients: frozenset[int] | None
    codes: list[tuple[str | None, str]]
    dates: list[str]
    identifier: IdentifierToken | None
    ids: list[str]
    count: int
    offset: int
    scope: frozenset[int] | None = None
    #: ``"date"`` (oldest first), ``"-date"`` (newest first) or ``None`` (the type's natural order).
    sort: str | None = None
    #: ``_include`` values (``CarePlan:care-team``), checked against the type's includes.
    includes: tuple[str, ...] = ()
    #: ``_revinclude`` values (``Observation:patient``), checked against the includes aimed at the type.
    revincludes: tuple[str, ...] = ()
    #: ``_lastUpdated`` values (checked), tested with :func:`instant_matches`.
    last_updated: tuple[str, ...] = ()

    @property
    def descending(self) -> bool:
        return self.sort == "-date"


def _bad(exc: InvalidIdentifier) -> FhirError:
    return FhirError(400, "invalid", exc.message)


def patient_ref(value: str, field: str) -> int:
    """A patient id from ``123`` or ``Patient/123`` (400 if it is not one)."""
    try:
        return parse_patient_id(value, field)
    except InvalidIdentifier as exc:
        raise _bad(exc) from None


def whole_numbers(ids: list[str]) -> list[int]:
    """The ids that are whole numbers (by the one parser); a malformed id matches nothing."""
    numbers = []
    for i in ids:
        try:
            numbers.append(parse_patient_id(i))
        except InvalidIdentifier:
            continue
    return numbers


def id_parts(rid: str, prefix: str) -> tuple[int, int] | None:
    """(patient id, ordinal) of a lake row id ``<prefix>-<patient>-<n>``, or ``None`` if malformed."""
    parts = rid.split("-")
    if len(parts) != 3 or parts[0] != prefix:
        return None
    try:
        return parse_whole_number(parts[1]), parse_whole_number(parts[2])
    except InvalidIdentifier:
        return None


# --- dates ---------------------------------------------------------------------------------------------------
def _date_range(text: str) -> tuple[dt.date, dt.date]:
    """The first and last day a FHIR date of year, month or day precision covers."""
    try:
        year = int(text[:4])
        if len(text) == 4:
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        if len(text) == 7:
            month = int(text[5:7])
            return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
        day = dt.date.fromisoformat(text)
        return day, day
    except (ValueError, calendar.IllegalMonthError):
        raise FhirError(400, "invalid", f"date: not a real date: {text!r}") from None


def _date_bounds(values: list[str]) -> list[tuple[str, dt.date, dt.date]]:
    """(prefix, first day, last day) of each ``date`` value (400 if malformed)."""
    out = []
    for value in values:
        match = _DATE_PARAM.match(value)
        if not match:
            raise FhirError(
                400, "invalid", f"date must be like ge2024-01-01 (prefix eq/ge/le/gt/lt), not {value[:40]!r}"
            )
        out.append((match.group(1) or "eq", *_date_range(match.group(2))))
    return out


def date_clauses(values: list[str], column: str) -> tuple[list[str], list[Any]]:
    """SQL conditions (and their parameters) for ``date`` search values with FHIR prefixes."""
    clauses, params = [], []
    for op, start, end in _date_bounds(values):
        if op == "eq":
            clauses.append(f"{column} BETWEEN ? AND ?")
            params += [start, end]
        else:
            clauses.append(f"{column} {_OPS[op]} ?")
            params.append(start if op in ("ge", "lt") else end)
    return clauses, params


def date_matches(values: list[str], day: dt.date | None) -> bool:
    """The same test as :func:`date_clauses`, for a date held in Python (``None`` never matches)."""
    if not values:
        return True
    if day is None:
        return False
    tests = {
        "eq": lambda start, end: start <= day <= end,
        "ge": lambda start, end: day >= start,
        "gt": lambda start, end: day > end,
        "le": lambda start, end: day <= end,
        "lt": lambda start, end: day < start,
    }
    return all(tests[op](start, end) for op, start, end in _date_bounds(values))


# --- instants (_lastUpdated) -------------------------------------------------------------------------------
def _after(start: dt.datetime, step: dt.timedelta) -> dt.datetime:
    """``start + step``, or the last representable instant for a span that ends after year 9999."""
    try:
        return start + step
    except OverflowError:
        return dt.datetime.max.replace(tzinfo=dt.UTC)


def _instant_bounds(values: list[str] | tuple[str, ...]) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """(prefix, start, end) of each ``_lastUpdated`` value: the half-open span ``[start, end)`` in UTC
    that the value covers (a day: that whole day; an instant: its last written digit). 400 if malformed."""
    out = []
    for value in values:
        match = _INSTANT_PARAM.match(value)
        if not match:
            raise FhirError(
                400,
                "invalid",
                "_lastUpdated must be a date or an instant with a time zone, with an optional prefix "
                f"eq/ge/le/gt/lt (ge2026-03-01, lt2026-03-01T09:30:00Z), not {value[:40]!r}",
            )
        prefix, day, clock, zone = match.groups()
        if clock is None:
            first, last = _date_range(day)
            start = dt.datetime.combine(first, dt.time(), dt.UTC)
            out.append(
                (prefix or "eq", start, _after(dt.datetime.combine(last, dt.time(), dt.UTC), dt.timedelta(1)))
            )
            continue
        try:
            start = dt.datetime.fromisoformat(f"{day}T{clock}{zone.replace('Z', '+00:00')}").astimezone(
                dt.UTC
            )
        except (ValueError, OverflowError):  # 2026-02-30, 25:00, or before year 1 once in UTC
            raise FhirError(400, "invalid", f"_lastUpdated: not a real instant: {value[:40]!r}") from None
        step = (
            dt.timedelta(microseconds=1)
            if "." in clock
            else dt.timedelta(seconds=1 if clock.count(":") == 2 else 60)
        )
        out.append((prefix or "eq", start, _after(start, step)))
    return out


def instant_matches(values: list[str] | tuple[str, ...], when: dt.datetime | None) -> bool:
    """Whether an instant (``meta.lastUpdated``; ``None``: none recorded, which no filter matches)
    passes every ``_lastUpdated`` value: ``eq`` inside the span, ``ge`` from its start, ``gt`` after
    it, ``le`` up to its end, ``lt`` before it (FHIR's ranges, with the resource's value a point)."""
    if not values:
        return True
    if when is None:
        return False
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    tests = {
        "eq": lambda start, end: start <= when < end,
        "ge": lambda start, end: when >= start,
        "gt": lambda start, end: when >= end,
        "le": lambda start, end: when < end,
        "lt": lambda start, end: when < start,
    }
    return all(tests[op](start, end) for op, start, end in _instant_bounds(values))


def instant_text(when: dt.datetime) -> str:
    """An instant as ``meta.lastUpdated`` shows it: UTC, whole seconds, ``Z``."""
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def last_updated_of(resource: dict[str, Any]) -> dt.datetime | None:
    """A served resource's ``meta.lastUpdated`` as a UTC instant (``None`` if it has none)."""
    text = (resource.get("meta") or {}).get("lastUpdated")
    if not isinstance(text, str):
        return None
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


# --- the search ----------------------------------------------------------------------------------------------
def _token(value: str) -> tuple[str | None, str]:
    if "|" in value:
        system, code = value.split("|", 1)
        return (system or None), code
    return None, value


def _number(values: list[str], field: str, default: int) -> int:
    try:
        return parse_whole_number(values[-1], field, maximum=MAX_ID) if values else default
    except InvalidIdentifier as exc:
        raise _bad(exc) from None


def _identifier(values: list[str]) -> IdentifierToken | None:
    if not values:
        return None
    try:
        return parse_identifier_token(values[-1])
    except InvalidIdentifier as exc:
        raise _bad(exc) from None


def _one_of(values: list[str], name: str, allowed: tuple[str, ...]) -> str | None:
    if values and not allowed:
        raise FhirError(400, "not-supported", f"{name} is not supported on this resource type")
    for value in values:
        if value not in allowed:
            raise FhirError(
                400, "not-supported", f"{name} must be one of {', '.join(allowed)}, not {value[:40]!r}"
            )
    return values[-1] if values else None


def parse_search(
    rtype: str,
    params: list[tuple[str, str]],
    allowed: Collection[str],
    includes: Collection[str] = (),
    revincludes: Collection[str] = (),
) -> Search:
    """Parse and check every search parameter of a ``rtype`` search that takes ``allowed``
    (plus :data:`COMMON_PARAMS`): 400 for anything malformed or not supported on this type.
    ``includes`` / ``revincludes`` are the ``_include`` / ``_revinclude`` values the type honours."""
    unknown = sorted({k for k, _ in params} - set(allowed) - set(COMMON_PARAMS))
    if unknown:
        raise FhirError(
            400, "not-supported", f"unsupported search parameter(s) on {rtype}: {', '.join(unknown)[:200]}"
        )

    def get(key: str) -> list[str]:
        return [v for k, v in params if k == key]

    named = [patient_ref(v, key) for key in ("patient", "subject") for v in get(key)]
    ids = [i.strip() for v in get("_id") for i in v.split(",")]
    if rtype == "Patient":  # Patient ids are numbers: anything else is a malformed request
        ids = [str(patient_ref(i, "_id")) for i in ids]
    _date_bounds(get("date"))  # checked now, so a bad date is a 400 before any lookup
    sort = _one_of(get("_sort"), "_sort", SORTS if "date" in allowed else ())
    summary = _one_of(get("_summary"), "_summary", SUMMARIES)
    _one_of(get("_total"), "_total", TOTALS)
    wanted = tuple(i for v in get("_include") for i in v.split(","))
    _one_of(list(wanted), "_include", tuple(includes))
    reverse = tuple(i for v in get("_revinclude") for i in v.split(","))
    _one_of(list(reverse), "_revinclude", tuple(revincludes))
    last_updated = tuple(get("_lastUpdated"))
    _instant_bounds(last_updated)  # checked now: a 400 before any lookup
    count = min(_number(get("_count"), "_count", DEFAULT_COUNT), MAX_COUNT)
    return Search(
        rtype,
        frozenset(named) if named else None,
        [_token(c) for v in get("code") for c in v.split(",")],
        get("date"),
        _identifier(get("identifier")),
        ids,
        0 if summary == "count" else count,
        _number(get("_offset"), "_offset", 0),
        sort=sort,
        includes=wanted,
        revincludes=reverse,
        last_updated=last_updated,
    )


def codes_match(codes: list[tuple[str | None, str]], system: str, code: str) -> bool:
    """Whether a ``code`` search (any of its tokens) matches a coding held in Python."""
    return not codes or any(c == code and s in (None, system) for s, c in codes)
