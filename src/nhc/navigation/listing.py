"""Directory listings for people: what a service is, how far away, and when it is open on a day.

Contract
--------
:func:`list_services` takes the directory, search :class:`~nhc.navigation.search.Filters`, an
optional taxonomy code (``kind``) and the moment of the search, and returns :class:`Listing` s:
nearest first when the filters carry a located place (unknown distances last), else by name. Each
listing gives the service's nearest site, its distance in kilometres (one decimal), its opening
times that day in words ("8am to 6:30pm", "Open 24 hours", "Closed today"), whether it is open at
the moment asked, its phone and its capacity today. Pure: no database, no clock of its own.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from nhc.navigation.domain import Calendar, Directory, Rag, Service, ServiceAtLocation, ServiceStatus
from nhc.navigation.domain.schedule import merged_sessions
from nhc.navigation.search import Filters, matches


@dataclass(frozen=True)
class Listing:
    service: Service
    organization: str
    site: ServiceAtLocation | None
    distance_km: float | None
    hours_today: str
    open_now: bool
    capacity: Rag

    @property
    def address(self) -> str:
        """The site's address on one line, or the site's name when it has none."""
        if self.site is None:
            return ""
        a = self.site.location.address
        if a is None:
            return self.site.location.name
        return ", ".join(p for p in (a.address_1, a.city, a.postal_code) if p)


def clock_words(moment: dt.time) -> str:
    """A time as people say it: 08:00 -> "8am", 18:30 -> "6:30pm", 12:00 -> "midday"."""
    if moment == dt.time(12, 0):
        return "midday"
    if moment == dt.time(0, 0):
        return "midnight"
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour}{suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d}{suffix}"


def hours_on(service: Service, site: ServiceAtLocation | None, day: dt.date, calendar: Calendar) -> str:
    """The service's opening times at ``site`` on ``day`` in words (sessions joined by "and")."""
    start = dt.datetime.combine(day, dt.time(0, 0))
    end = start + dt.timedelta(days=1)
    sessions = merged_sessions(service.schedules_at(site), start, end - dt.timedelta(minutes=1), calendar)
    parts = []
    for s in sessions:
        if s.start <= start and s.end >= end:
            return "Open 24 hours"
        opens = "midnight" if s.start < start else clock_words(s.start.time())
        closes = "midnight" if s.end >= end else clock_words(s.end.time())
        parts.append(f"{opens} to {closes}")
    return " and ".join(parts) if parts else "Closed today"


def _nearest(service: Service, f: Filters) -> tuple[ServiceAtLocation | None, float | None]:
    if not service.locations:
        return None, None
    if f.place is None or not f.place.located:
        return service.locations[0], None
    found = [
        (d, i, sal)
        for i, sal in enumerate(service.locations)
        if (d := sal.location.distance_km(f.place.latitude, f.place.longitude)) is not None  # type: ignore[arg-type]
    ]
    if not found:
        return service.locations[0], None
    d, _, sal = min(found, key=lambda t: t[:2])
    return sal, round(d, 1)


def list_services(
    directory: Directory,
    f: Filters,
    now: dt.datetime,
    calendar: Calendar,
    kind: str | None = None,
) -> list[Listing]:
    """Active services passing ``f`` (and of taxonomy code ``kind`` if given), as listings."""
    out = []
    for s in directory.services.values():
        org = directory.organizations[s.organization_id].name
        if s.status is not ServiceStatus.ACTIVE:
            continue  # withdrawn or closed services are not offered to anyone
        if kind and kind != s.kind and kind not in {t.code for t in s.taxonomy_terms}:
            continue
        if not matches(s, f, org):
            continue
        site, distance = _nearest(s, f)
        hours = hours_on(s, site, now.date(), calendar)
        open_now = s.open_at(now, calendar) is not None
        out.append(Listing(s, org, site, distance, hours, open_now, s.capacity.current(now)))
    far = math.inf
    return sorted(
        out, key=lambda x: (x.distance_km if x.distance_km is not None else far, x.service.name, x.service.id)
    )
