"""The access domain: schedules, slots, appointments and hubs (no storage, no HTTP)."""

from nhc.access.domain.appointments import (
    HOLDING,
    ActorKind,
    Appointment,
    AppointmentStatus,
    Channel,
    Schedule,
    ServiceType,
    Slot,
    SlotStatus,
    continuity_order,
    parse_enum,
)
from nhc.access.domain.errors import (
    AccessAreaError,
    BadField,
    InvalidTransition,
    NotEligible,
    NotFound,
    SlotInPast,
    SlotTaken,
    SlotUnavailable,
)
from nhc.access.domain.hubs import Hub, Rota, hub_id, hubs_from_practices, staffing, timetable

__all__ = [
    "HOLDING",
    "AccessAreaError",
    "ActorKind",
    "Appointment",
    "AppointmentStatus",
    "BadField",
    "Channel",
    "Hub",
    "InvalidTransition",
    "NotEligible",
    "NotFound",
    "Rota",
    "Schedule",
    "ServiceType",
    "Slot",
    "SlotInPast",
    "SlotStatus",
    "SlotTaken",
    "SlotUnavailable",
    "continuity_order",
    "hub_id",
    "hubs_from_practices",
    "parse_enum",
    "staffing",
    "timetable",
]
