"""Directory of Services-style selection: which services can take this person in the window.

Contract
--------
:func:`select_services` returns up to ``count`` :class:`Option` s for a disposition's service kinds
(in commissioner order), each a service at one site with the session that makes it usable. A service
qualifies when it is active, not red on capacity at the time of the request, takes the person's age,
serves them (a practice's own services only its registered patients; a neighbourhood's only its
people, when we know where they belong) and has a session open in ``[when, when + timeframe]`` that
does not close within the margin (30 minutes) of arrival. Options are ranked by kind order,
commissioner rank, then distance (unknown distances last), then name; one site per service.
:func:`catch_all` gives the nearest emergency departments open now, whatever their capacity.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from nhc.navigation.domain import Calendar, Directory, Service, ServiceAtLocation, Session
from nhc.navigation.places import Place


@dataclass(frozen=True)
class Who:
    """What selection needs to know about the person."""

    age: int
    when: dt.datetime
    place: Place
    practice_code: str | None
    neighbourhood: str | None  # their practice's neighbourhood, else where they live


@dataclass(frozen=True)
class Option:
    service: Service
    site: ServiceAtLocation | None
    session: Session
    distance_km: float | None
    kind_rank: int

    def key(self) -> tuple:
        far = self.distance_km if self.distance_km is not None else math.inf
        return (self.kind_rank, self.service.commissioner_rank, far, self.service.name)


def serves(service: Service, who: Who) -> bool:
    """Whether ``service`` takes this person: age, registration, neighbourhood."""
    if not service.accepts_age(who.age):
        return False
    if service.practice_code is not None and who.practice_code is not None:
        return service.practice_code == who.practice_code
    areas = [a.name for a in service.service_areas if a.extent_type == "neighbourhood"]
    return not (areas and who.neighbourhood is not None and who.neighbourhood not in areas)


def _distance(site: ServiceAtLocation | None, place: Place) -> float | None:
    if site is None or not place.located:
        return None
    found = site.location.distance_km(place.latitude, place.longitude)  # type: ignore[arg-type]
    return None if found is None else round(found, 1)


def _options(
    service: Service, who: Who, end: dt.datetime, calendar: Calendar, margin: dt.timedelta, rank: int
) -> Iterable[Option]:
    for site in service.locations or (None,):
        session = service.is_open_within(who.when, end, calendar, margin, site)
        if session is not None:
            yield Option(service, site, session, _distance(site, who.place), rank)


def select_services(
    directory: Directory,
    kinds: tuple[str, ...],
    who: Who,
    timeframe: dt.timedelta,
    calendar: Calendar,
    margin: dt.timedelta,
    count: int = 2,
) -> list[Option]:
    """The best ``count`` options (see the module contract)."""
    order = {kind: i for i, kind in enumerate(kinds)}
    end = who.when + timeframe
    best: dict[str, Option] = {}
    for service in directory.services.values():
        rank = order.get(service.kind)
        if rank is None or not service.is_available(who.when) or not serves(service, who):
            continue
        for option in _options(service, who, end, calendar, margin, rank):
            if service.id not in best or option.key() < best[service.id].key():
                best[service.id] = option
    return sorted(best.values(), key=Option.key)[:count]


def catch_all(directory: Directory, kind: str, who: Who, calendar: Calendar, count: int = 2) -> list[Option]:
    """The nearest ``count`` services of ``kind`` open now (emergency departments), capacity ignored."""
    found = [
        option
        for service in directory.services.values()
        if service.kind == kind and service.status.value == "active"
        for option in _options(service, who, who.when, calendar, dt.timedelta(0), 0)
    ]
    return sorted(found, key=Option.key)[:count]
