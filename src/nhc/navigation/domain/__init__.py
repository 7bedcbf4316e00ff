"""The navigation domain: directory entities, schedules, errors, the navigator's request and answer."""

from nhc.navigation.domain.directory import (
    Address,
    Capacity,
    Contact,
    Cost,
    Directory,
    Eligibility,
    Location,
    Organization,
    Rag,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceStatus,
    TaxonomyTerm,
    haversine_km,
)
from nhc.navigation.domain.errors import BadField, NavigationError, NotFound
from nhc.navigation.domain.schedule import DAYS, Calendar, Schedule, Session, first_usable_session

__all__ = [
    "DAYS",
    "Address",
    "BadField",
    "Calendar",
    "Capacity",
    "Contact",
    "Cost",
    "Directory",
    "Eligibility",
    "Location",
    "NavigationError",
    "NotFound",
    "Organization",
    "Rag",
    "Schedule",
    "Service",
    "ServiceArea",
    "ServiceAtLocation",
    "ServiceStatus",
    "Session",
    "TaxonomyTerm",
    "first_usable_session",
    "haversine_km",
]
