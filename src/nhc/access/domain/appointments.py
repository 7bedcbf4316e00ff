"""Schedules, slots and appointments with FHIR R4 semantics, and the rules that move them.

Contract
--------
* A :class:`Schedule` is the bookable time of one actor: a clinician (``practitioner``) or a hub
  service (``hub-service``), at one hub, for one service type.
* A :class:`Slot` is one bookable interval of a schedule. Its status follows FHIR's ``SlotStatus``.
  :meth:`Slot.book` turns a free, future slot into a busy one and returns the new
  :class:`Appointment`; a busy slot raises :class:`SlotTaken`, any other status
  :class:`SlotUnavailable`, a started slot :class:`SlotInPast`.
* An :class:`Appointment` follows FHIR's ``AppointmentStatus`` subset used here: ``booked`` then
  ``arrived`` then ``fulfilled``; or ``cancelled`` (only before the slot starts: the slot is free
  again) or ``noshow`` (only after the slot starts). Anything else raises :class:`InvalidTransition`.
* Times are naive UK local datetimes (the hubs' wall clock), compared with the caller's ``now``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from nhc.access.domain.errors import BadField, InvalidTransition, SlotInPast, SlotTaken, SlotUnavailable


class SlotStatus(StrEnum):
    """FHIR R4 ``SlotStatus`` (http://hl7.org/fhir/slotstatus)."""

    FREE = "free"
    BUSY = "busy"
    BUSY_UNAVAILABLE = "busy-unavailable"
    BUSY_TENTATIVE = "busy-tentative"
    ENTERED_IN_ERROR = "entered-in-error"


class AppointmentStatus(StrEnum):
    """The FHIR R4 ``AppointmentStatus`` codes a hub appointment moves through."""

    BOOKED = "booked"
    ARRIVED = "arrived"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    NOSHOW = "noshow"


#: Appointments that hold their slot (a cancelled one gives it back).
HOLDING = (
    AppointmentStatus.BOOKED,
    AppointmentStatus.ARRIVED,
    AppointmentStatus.FULFILLED,
    AppointmentStatus.NOSHOW,
)


class ServiceType(StrEnum):
    """The roles a hub offers appointments with."""

    GP = "gp"
    PRACTICE_NURSE = "practice-nurse"
    PHYSIOTHERAPIST = "physiotherapist"
    CLINICAL_PHARMACIST = "clinical-pharmacist"
    MENTAL_HEALTH_PRACTITIONER = "mental-health-practitioner"

    @property
    def label(self) -> str:
        return SERVICE_LABELS[self]


SERVICE_LABELS = {
    ServiceType.GP: "GP",
    ServiceType.PRACTICE_NURSE: "Practice nurse",
    ServiceType.PHYSIOTHERAPIST: "Physiotherapist",
    ServiceType.CLINICAL_PHARMACIST: "Clinical pharmacist",
    ServiceType.MENTAL_HEALTH_PRACTITIONER: "Mental health practitioner",
}


class Channel(StrEnum):
    """How the appointment is delivered."""

    IN_PERSON = "in-person"
    TELEPHONE = "telephone"
    VIDEO = "video"


class ActorKind(StrEnum):
    PRACTITIONER = "practitioner"
    HUB_SERVICE = "hub-service"


E = TypeVar("E", bound=StrEnum)


def parse_enum(kind: type[E], value: object, field: str) -> E:
    """``value`` as a member of ``kind``, or :class:`BadField` naming the allowed values."""
    try:
        return kind(str(value))
    except ValueError:
        raise BadField(field, f"unknown value {value!r}", [m.value for m in kind]) from None


@dataclass(frozen=True)
class Schedule:
    """The bookable time of one actor at one hub for one service type."""

    id: str
    hub_id: str
    actor_kind: ActorKind
    actor_id: str
    actor_name: str
    service_type: ServiceType
    active: bool = True


@dataclass
class Slot:
    """One bookable interval of a schedule (FHIR ``Slot``)."""

    id: str
    schedule_id: str
    start: dt.datetime
    end: dt.datetime
    service_type: ServiceType
    channel: Channel
    status: SlotStatus = SlotStatus.FREE

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise BadField("end", "a slot must end after it starts", "an end later than the start")

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    def is_future(self, now: dt.datetime) -> bool:
        return self.start > now

    def book(
        self,
        *,
        appointment_id: str,
        patient_id: int,
        practice_code: str,
        booking_organisation: str,
        booked_by: str,
        now: dt.datetime,
    ) -> Appointment:
        """Hold this slot for ``patient_id``: a free future slot becomes busy; returns the appointment."""
        if not self.is_future(now):
            raise SlotInPast(f"slot {self.id} starts {self.start:%Y-%m-%d %H:%M}")
        if self.status is SlotStatus.BUSY:
            raise SlotTaken(self.id)
        if self.status is not SlotStatus.FREE:
            raise SlotUnavailable(f"slot {self.id} is not free (it is {self.status.value})")
        self.status = SlotStatus.BUSY
        return Appointment(
            id=appointment_id,
            slot_id=self.id,
            patient_id=patient_id,
            practice_code=practice_code,
            booking_organisation=booking_organisation,
            booked_by=booked_by,
            created=now,
        )

    def release(self) -> None:
        """Free the slot again (its appointment was cancelled)."""
        self.status = SlotStatus.FREE

    def block(self) -> None:
        """Take a free slot out of use (the clinician is away): FHIR ``busy-unavailable``."""
        if self.status is not SlotStatus.FREE:
            raise SlotUnavailable(f"slot {self.id} is {self.status.value}; only a free slot can be blocked")
        self.status = SlotStatus.BUSY_UNAVAILABLE


@dataclass
class Appointment:
    """A booking of one patient into one slot (FHIR ``Appointment``)."""

    id: str
    slot_id: str
    patient_id: int
    practice_code: str
    booking_organisation: str
    booked_by: str
    created: dt.datetime
    status: AppointmentStatus = AppointmentStatus.BOOKED
    cancelled_at: dt.datetime | None = None
    cancellation_reason: str = ""

    def _move(self, to: AppointmentStatus, allowed_from: Iterable[AppointmentStatus]) -> None:
        if self.status not in tuple(allowed_from):
            raise InvalidTransition(
                f"appointment {self.id} is {self.status.value}; it cannot become {to.value}"
            )
        self.status = to

    def cancel(self, slot: Slot, *, now: dt.datetime, reason: str = "") -> None:
        """Cancel before the slot starts; the slot becomes free for someone else."""
        if not slot.is_future(now):
            raise SlotInPast(f"appointment {self.id} cannot be cancelled")
        self._move(AppointmentStatus.CANCELLED, [AppointmentStatus.BOOKED])
        self.cancelled_at = now
        self.cancellation_reason = reason
        slot.release()

    def arrive(self) -> None:
        self._move(AppointmentStatus.ARRIVED, [AppointmentStatus.BOOKED])

    def fulfil(self) -> None:
        self._move(AppointmentStatus.FULFILLED, [AppointmentStatus.ARRIVED, AppointmentStatus.BOOKED])

    def no_show(self, slot: Slot, *, now: dt.datetime) -> None:
        """Record a did-not-attend: only once the slot has started."""
        if slot.is_future(now):
            raise InvalidTransition(f"appointment {self.id} has not started yet; it cannot be a no-show")
        self._move(AppointmentStatus.NOSHOW, [AppointmentStatus.BOOKED])


def continuity_order(
    slots: Iterable[Slot],
    actor_of: dict[str, str],
    preferred_actor: str | None,
    *,
    tolerance: dt.timedelta = dt.timedelta(days=7),
) -> list[Slot]:
    """Free slots in the order to offer them: earliest first, except that when ``preferred_actor``
    (the patient's usual clinician) has a slot within ``tolerance`` of the earliest slot, that
    clinician's slots come first (continuity is worth a short wait, not a long one)."""
    ordered = sorted(slots, key=lambda s: (s.start, s.id))
    if not ordered or preferred_actor is None:
        return ordered
    horizon = ordered[0].start + tolerance
    own = [s for s in ordered if actor_of.get(s.schedule_id) == preferred_actor and s.start <= horizon]
    if not own:
        return ordered
    own_ids = {s.id for s in own}
    return own + [s for s in ordered if s.id not in own_ids]
