"""Directory search for the Open Referral UK read API: filters and pagination over a directory.

Contract
--------
:func:`parse_filters` checks query values (raising :class:`BadField` naming the field and the allowed
values); :func:`search_services` applies them and :func:`paginate` slices any list into a
:class:`Page` with the ORUK pagination metadata (``total_items``, ``total_pages``, ``page_number``,
``size``, ``first_page``, ``last_page``, ``empty``).

Filters: ``search`` (words, all must appear in the service's name, description or organization
name, case-insensitive); ``taxonomy_term_id``; ``minimum_age``/``maximum_age`` (the service takes
someone in that age range); ``day`` (RFC 5545 ``MO``..``SU``: the service opens that day) with
``start_time``/``end_time`` (open for that whole span that day); ``postcode``/``small_area`` with
``proximity`` in metres (a site within that distance; default 5000); ``modified_after`` (ISO
date-time). Results are in name order, then id.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nhc.navigation.domain import DAYS, BadField, Directory, Schedule, Service
from nhc.navigation.domain.schedule import parse_time
from nhc.navigation.places import Place, locate

MAX_PER_PAGE = 500


@dataclass(frozen=True)
class Filters:
    search: tuple[str, ...] = ()
    taxonomy_term_id: str | None = None
    minimum_age: int | None = None
    maximum_age: int | None = None
    day: str | None = None
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    place: Place | None = None
    proximity_m: float = 5000.0
    modified_after: dt.datetime | None = None


@dataclass(frozen=True)
class Page:
    contents: list[Any]
    total_items: int
    total_pages: int
    page_number: int
    size: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "total_items": self.total_items,
            "total_pages": self.total_pages,
            "page_number": self.page_number,
            "size": self.size,
            "first_page": self.page_number == 1,
            "last_page": self.page_number >= self.total_pages,
            "empty": self.total_items == 0,
            "contents": self.contents,
        }


def _age(value: str | None, field: str) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or int(value) > 150:
        raise BadField(field, f"{value[:20]!r} is not an age", "a whole number from 0 to 150")
    return int(value)


def parse_filters(query: dict[str, str | None]) -> Filters:
    """Filters from query-string values (see the module contract)."""
    day = query.get("day")
    if day is not None and day.upper() not in DAYS:
        raise BadField("day", f"{day[:10]!r} is not a day", DAYS)
    times = {
        k: parse_time(v, k) if v else None for k in ("start_time", "end_time") if (v := query.get(k)) or True
    }
    place = None
    if query.get("postcode") or query.get("small_area"):
        place = locate(None, query.get("small_area"), query.get("postcode"))
    proximity = query.get("proximity")
    try:
        proximity_m = float(proximity) if proximity else 5000.0
        if not math.isfinite(proximity_m) or proximity_m <= 0:
            raise ValueError
    except ValueError:
        raise BadField(
            "proximity", f"{str(proximity)[:20]!r} is not a distance", "metres, more than 0"
        ) from None
    modified = query.get("modified_after")
    try:
        modified_after = dt.datetime.fromisoformat(modified.replace("Z", "+00:00")) if modified else None
    except ValueError:
        raise BadField("modified_after", f"{modified[:30]!r} is not a date-time", "ISO 8601") from None
    if modified_after is not None and modified_after.tzinfo is not None:
        modified_after = modified_after.astimezone(dt.UTC).replace(tzinfo=None)
    return Filters(
        search=tuple((query.get("search") or "").lower().split()),
        taxonomy_term_id=query.get("taxonomy_term_id") or None,
        minimum_age=_age(query.get("minimum_age"), "minimum_age"),
        maximum_age=_age(query.get("maximum_age"), "maximum_age"),
        day=day.upper() if day else None,
        place=place,
        proximity_m=proximity_m,
        modified_after=modified_after,
        **times,
    )


def _schedules(service: Service) -> list[Schedule]:
    return [*service.schedules, *(s for sal in service.locations for s in sal.schedules)]


def _opens(service: Service, f: Filters) -> bool:
    for s in _schedules(service):
        if f.day and s.freq != "DAILY" and f.day not in s.byday:
            continue
        overnight_or_all_day = s.closes_at <= s.opens_at
        if f.start_time and not (
            s.opens_at <= f.start_time and (overnight_or_all_day or f.start_time < s.closes_at)
        ):
            continue
        if f.end_time and not (overnight_or_all_day or s.opens_at < f.end_time <= s.closes_at):
            continue
        return True
    return False


def search_text(service: Service, organization_name: str = "") -> str:
    """What free-text search looks in: the service's name and description and its organization's name."""
    return f"{service.name} {service.description} {organization_name}".lower()


def matches(service: Service, f: Filters, organization_name: str = "", text: str | None = None) -> bool:
    """Whether ``service`` passes every filter in ``f`` (``text``: its :func:`search_text`, if known)."""
    if f.search:
        text = search_text(service, organization_name) if text is None else text
        if not all(word in text for word in f.search):
            return False
    if f.taxonomy_term_id and f.taxonomy_term_id not in {t.id for t in service.taxonomy_terms}:
        return False
    low, high = f.minimum_age, f.maximum_age
    if low is not None and service.maximum_age is not None and service.maximum_age < low:
        return False
    if high is not None and service.minimum_age is not None and service.minimum_age > high:
        return False
    if (f.day or f.start_time or f.end_time) and not _opens(service, f):
        return False
    if f.modified_after and (service.last_modified is None or service.last_modified < f.modified_after):
        return False
    if f.place is not None and f.place.located:
        near = [
            d
            for sal in service.locations
            if (d := sal.location.distance_km(f.place.latitude, f.place.longitude)) is not None  # type: ignore[arg-type]
        ]
        if not near or min(near) * 1000 > f.proximity_m:
            return False
    return True


def search_services(directory: Directory, f: Filters) -> list[Service]:
    """The services of ``directory`` passing ``f``, by name (the search texts are kept per directory)."""
    orgs = directory.organizations
    found = [
        s
        for s in directory.services.values()
        if matches(
            s,
            f,
            text=directory.memo("search", s.id, lambda s=s: search_text(s, orgs[s.organization_id].name)),
        )
    ]
    return sorted(found, key=lambda s: (s.name, s.id))


def paginate(items: Sequence[Any], page: int, per_page: int) -> Page:
    """One page of ``items`` (1-based page numbers; ``per_page`` 1-500)."""
    if page < 1:
        raise BadField("page", f"{page} is not a page number", "1 or more")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise BadField("per_page", f"{per_page} is out of range", f"1 to {MAX_PER_PAGE}")
    total = len(items)
    start = (page - 1) * per_page
    contents = list(items[start : start + per_page])
    return Page(contents, total, max(1, math.ceil(total / per_page)), page, len(contents))
