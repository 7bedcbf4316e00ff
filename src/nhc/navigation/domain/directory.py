"""The community asset directory in the Open Referral UK shape (HSDS 3.0, UK profile).

Organizations run services; a service is delivered at locations (``service_at_location``) on schedules;
it carries taxonomy terms, contacts, costs, service areas, eligibility, age limits, an assured date and
a capacity status (red/amber/green, with an expiry). Locations in the synthetic directory are
``approximate``. Objects here know their own rules (open when, who is eligible, available now); they
know nothing about storage or HTTP.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from nhc.navigation.domain.errors import BadField
from nhc.navigation.domain.schedule import Calendar, Schedule, Session, first_usable_session

T = TypeVar("T")


class ServiceStatus(StrEnum):
    """HSDS ``service.status``."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    DEFUNCT = "defunct"
    TEMPORARILY_CLOSED = "temporarily closed"


class Rag(StrEnum):
    """Capacity: green takes referrals, amber is stretched, red takes none (the navigator skips it)."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"


@dataclass(frozen=True)
class Capacity:
    """A capacity status that lapses back to green at ``expires_at`` (UK local time, like the navigator's
    clock), so a stale red cannot hide a service."""

    status: Rag
    expires_at: dt.datetime | None = None
    reason: str = ""

    def current(self, now: dt.datetime) -> Rag:
        if self.expires_at is not None and now >= self.expires_at:
            return Rag.GREEN
        return self.status


@dataclass(frozen=True)
class Organization:
    id: str
    name: str
    description: str = ""
    email: str | None = None
    url: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Address:
    address_1: str
    city: str
    postal_code: str
    state_province: str = "Oxfordshire"
    country: str = "GB"


@dataclass(frozen=True)
class Location:
    """A place. ``approximate`` says the coordinates are not the building's own (e.g. synthetic)."""

    id: str
    name: str
    latitude: float | None
    longitude: float | None
    address: Address | None = None
    approximate: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        if self.latitude is not None and not -90 <= self.latitude <= 90:
            raise BadField("latitude", f"{self.latitude} is out of range", "-90 to 90")
        if self.longitude is not None and not -180 <= self.longitude <= 180:
            raise BadField("longitude", f"{self.longitude} is out of range", "-180 to 180")

    def distance_km(self, latitude: float, longitude: float) -> float | None:
        """Great-circle distance from a point, or None if this location has no coordinates."""
        if self.latitude is None or self.longitude is None:
            return None
        return haversine_km(self.latitude, self.longitude, latitude, longitude)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class TaxonomyTerm:
    id: str
    code: str
    term: str
    vocabulary: str = "nhc-navigation"
    description: str = ""
    parent_id: str | None = None


@dataclass(frozen=True)
class Contact:
    id: str
    name: str
    phone: str | None = None
    email: str | None = None
    title: str = ""


@dataclass(frozen=True)
class Cost:
    id: str
    option: str
    amount: float | None = None
    currency: str = "GBP"


@dataclass(frozen=True)
class ServiceArea:
    """Where a service takes people from: a neighbourhood, a locality or the county."""

    id: str
    name: str
    extent_type: str = "neighbourhood"


@dataclass(frozen=True)
class Eligibility:
    id: str
    description: str


@dataclass(frozen=True)
class ServiceAtLocation:
    """A service delivered at one location, on that location's own schedules."""

    id: str
    location: Location
    schedules: tuple[Schedule, ...] = ()


@dataclass(frozen=True)
class Service:
    """An HSDS service with the navigator's extras: ``kind`` (the navigator's service type, e.g.
    ``community_pharmacy``), ``commissioner_rank`` (1 is preferred) and ``practice_code`` (a practice's
    own services serve its registered patients only)."""

    id: str
    organization_id: str
    name: str
    kind: str
    status: ServiceStatus = ServiceStatus.ACTIVE
    description: str = ""
    minimum_age: int | None = None
    maximum_age: int | None = None
    assured_date: dt.date | None = None
    url: str | None = None
    email: str | None = None
    phone: str | None = None
    commissioner_rank: int = 1
    practice_code: str | None = None
    schedules: tuple[Schedule, ...] = ()
    locations: tuple[ServiceAtLocation, ...] = ()
    taxonomy_terms: tuple[TaxonomyTerm, ...] = ()
    contacts: tuple[Contact, ...] = ()
    costs: tuple[Cost, ...] = ()
    service_areas: tuple[ServiceArea, ...] = ()
    eligibility: tuple[Eligibility, ...] = ()
    capacity: Capacity = field(default_factory=lambda: Capacity(Rag.GREEN))
    last_modified: dt.datetime | None = None

    def __post_init__(self) -> None:
        if self.minimum_age is not None and self.minimum_age < 0:
            raise BadField("minimum_age", f"{self.minimum_age} is negative", "0 or more")
        if (
            self.minimum_age is not None
            and self.maximum_age is not None
            and self.maximum_age < self.minimum_age
        ):
            raise BadField("maximum_age", "is below minimum_age", "a number at least minimum_age")

    def accepts_age(self, age: int) -> bool:
        """Whether a person of ``age`` (whole years) is inside the service's age limits (inclusive)."""
        low_ok = self.minimum_age is None or age >= self.minimum_age
        return low_ok and (self.maximum_age is None or age <= self.maximum_age)

    def is_available(self, now: dt.datetime) -> bool:
        """Active and not red on capacity at ``now``."""
        return self.status is ServiceStatus.ACTIVE and self.capacity.current(now) is not Rag.RED

    def schedules_at(self, site: ServiceAtLocation | None) -> tuple[Schedule, ...]:
        """The schedules that apply at ``site``: its own if it has any, else the service's."""
        if site is not None and site.schedules:
            return site.schedules
        return self.schedules

    def open_at(self, when: dt.datetime, calendar: Calendar = Calendar()) -> Session | None:
        """The session (at any of its sites) that is open at ``when``, or None."""
        return self.is_open_within(when, when, calendar, margin=dt.timedelta(0))

    def is_open_within(
        self,
        start: dt.datetime,
        end: dt.datetime,
        calendar: Calendar = Calendar(),
        margin: dt.timedelta = dt.timedelta(minutes=30),
        site: ServiceAtLocation | None = None,
    ) -> Session | None:
        """The first session open in ``[start, end]`` that does not close within ``margin`` of arrival,
        at ``site`` or (without one) at any site; None if the service cannot be reached in the window."""
        sites = [site] if site is not None else (list(self.locations) or [None])
        found = [
            s
            for one in sites
            if (s := first_usable_session(self.schedules_at(one), start, end, calendar, margin)) is not None
        ]
        if not found:
            return None
        return min(found)


@dataclass
class Directory:
    """A whole directory: organizations, services and taxonomy terms, keyed by id."""

    organizations: dict[str, Organization] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    taxonomy: dict[str, TaxonomyTerm] = field(default_factory=dict)
    _memo: dict[tuple[str, str], Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def add(self, service: Service) -> None:
        if service.organization_id not in self.organizations:
            raise BadField(
                "organization_id", f"service {service.id} names an unknown organization", "a known id"
            )
        self.services[service.id] = service
        self._memo.clear()
        for term in service.taxonomy_terms:
            self.taxonomy.setdefault(term.id, term)

    def memo(self, kind: str, key: str, make: Callable[[], T]) -> T:
        """``make()``, kept for this directory: a value derived from its records (a service's ORUK
        JSON, its search text). Safe because a loaded directory is replaced, never changed, when
        the directory changes (:meth:`add` forgets everything kept)."""
        try:
            return self._memo[kind, key]
        except KeyError:
            value = self._memo[kind, key] = make()
            return value

    def locations(self) -> dict[str, Location]:
        return {sal.location.id: sal.location for s in self.services.values() for sal in s.locations}
