"""FHIR R4 views of hubs' Schedules, Slots and Appointments (plain dicts; the tests validate them
against the R4 models of ``fhir.resources``), and what a FHIR write asks for: a booking
(:func:`booking_request`, from a created Appointment) or a cancellation (:func:`cancellation`, from
an Appointment changed by ``PUT`` or ``PATCH``). Served by :mod:`nhc.web.appointments.fhir_routes`.

* ``Slot.serviceType`` and ``Schedule.serviceType`` carry the role in :data:`SERVICE_SYSTEM`; the
  delivery channel (in person, telephone, video) is an extension, :data:`CHANNEL_URL`, with a code
  from :data:`CHANNEL_SYSTEM` (UK Core's delivery channel values, project-defined URLs).
* ``Appointment.participant`` names the patient (``Patient/<id>``) and the booking organisation is
  an extension, :data:`BOOKING_ORGANISATION_URL`; cancellation reason is ``cancelationReason.text``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from nhc.access.domain import AccessAreaError, Appointment, AppointmentStatus, Hub, Schedule, Slot
from nhc.identifiers import InvalidIdentifier, parse_patient_id

UK = ZoneInfo("Europe/London")
BASE = "https://nhc.example.org/fhir"
SERVICE_SYSTEM = f"{BASE}/CodeSystem/access-service-type"
CHANNEL_SYSTEM = f"{BASE}/CodeSystem/delivery-channel"
CHANNEL_URL = f"{BASE}/StructureDefinition/delivery-channel"
BOOKING_ORGANISATION_URL = f"{BASE}/StructureDefinition/booking-organisation"


def _instant(value: dt.datetime) -> str:
    """A naive UK wall-clock time as a FHIR instant, with its UK offset (GMT or BST)."""
    return value.replace(tzinfo=UK, microsecond=0).isoformat()


def _service(schedule_or_slot: Schedule | Slot) -> list[dict[str, Any]]:
    st = schedule_or_slot.service_type
    return [{"coding": [{"system": SERVICE_SYSTEM, "code": st.value, "display": st.label}]}]


def schedule_resource(schedule: Schedule, hub: Hub) -> dict[str, Any]:
    """The R4 ``Schedule`` of one clinician or hub service."""
    actor_type = "Practitioner" if schedule.actor_kind.value == "practitioner" else "HealthcareService"
    return {
        "resourceType": "Schedule",
        "id": schedule.id,
        "active": schedule.active,
        "serviceType": _service(schedule),
        "actor": [
            {"reference": f"{actor_type}/{schedule.actor_id}", "display": schedule.actor_name},
            {"reference": f"Location/{hub.id}", "display": hub.name},
        ],
        "comment": f"Extended-hours sessions at {hub.name} for patients of {', '.join(hub.practices)}",
    }


def hub_location_resource(hub: Hub) -> dict[str, Any]:
    """The R4 ``Location`` of a hub (what ``Schedule.actor`` names as ``Location/<hub id>``): its
    name, neighbourhood, position, and the host practice that runs it (``Organization/<ODS code>``,
    a practice the lake serves)."""
    return {
        "resourceType": "Location",
        "id": hub.id,
        "status": "active",
        "name": hub.name,
        "description": f"Extended-hours access hub for {hub.neighbourhood} ({hub.locality}): "
        f"patients of {', '.join(hub.practices)}",
        "mode": "instance",
        "position": {"latitude": hub.latitude, "longitude": hub.longitude},
        "managingOrganization": {"reference": f"Organization/{hub.host_practice}"},
    }


def slot_resource(slot: Slot) -> dict[str, Any]:
    """The R4 ``Slot``."""
    return {
        "resourceType": "Slot",
        "id": slot.id,
        "extension": [
            {
                "url": CHANNEL_URL,
                "valueCoding": {"system": CHANNEL_SYSTEM, "code": slot.channel.value},
            }
        ],
        "serviceType": _service(slot),
        "schedule": {"reference": f"Schedule/{slot.schedule_id}"},
        "status": slot.status.value,
        "start": _instant(slot.start),
        "end": _instant(slot.end),
    }


def appointment_resource(appointment: Appointment, slot: Slot) -> dict[str, Any]:
    """The R4 ``Appointment`` (patient participant, slot, booking organisation)."""
    out: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": appointment.id,
        "extension": [
            {
                "url": BOOKING_ORGANISATION_URL,
                "valueReference": {"display": appointment.booking_organisation},
            }
        ],
        "status": appointment.status.value,
        "serviceType": _service(slot),
        "start": _instant(slot.start),
        "end": _instant(slot.end),
        "minutesDuration": slot.minutes,
        "slot": [{"reference": f"Slot/{slot.id}"}],
        "created": _instant(appointment.created),
        "participant": [
            {
                "actor": {"reference": f"Patient/{appointment.patient_id}"},
                "required": "required",
                "status": "accepted",
            }
        ],
    }
    if appointment.status is AppointmentStatus.CANCELLED:
        out["cancelationReason"] = {"text": appointment.cancellation_reason or "cancelled"}
    return out


class InvalidResource(AccessAreaError):
    """A resource in a FHIR write that this server cannot read: names the field (HTTP 400)."""

    http_status = 400

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class RefusedChange(AccessAreaError):
    """A change to an Appointment other than cancelling it (HTTP 422)."""

    http_status = 422


#: The statuses a created Appointment may carry: ``booked``, or ``proposed``/``pending`` (a request
#: to book, which this server answers by booking -- the stored status is ``booked``).
REQUEST_STATUSES = ("booked", "proposed", "pending")
#: What cancelling may change; everything else must be as stored.
CANCEL_CHANGES = frozenset({"status", "cancelationReason", "meta", "text"})


@dataclass(frozen=True)
class FhirBooking:
    """What a created Appointment asks for; ``booking_organisation`` is ``None`` when not given."""

    slot_id: str
    patient_id: int
    booking_organisation: str | None


def _slot_id(resource: dict[str, Any]) -> str:
    slots = resource.get("slot")
    if not isinstance(slots, list) or len(slots) != 1 or not isinstance(slots[0], dict):
        raise InvalidResource("slot", "give exactly one slot: [{reference: 'Slot/<id>'}]")
    reference = str(slots[0].get("reference") or "")
    if not reference.startswith("Slot/") or not 5 < len(reference) <= 125:
        raise InvalidResource("slot[0].reference", f"{reference[:60]!r} is not 'Slot/<id>'")
    return reference.removeprefix("Slot/")


def _patient_id(resource: dict[str, Any]) -> int:
    actors = [
        str((p.get("actor") or {}).get("reference") or "")
        for p in resource.get("participant") or []
        if isinstance(p, dict)
    ]
    patients = [a for a in actors if a.startswith("Patient/")]
    if len(patients) != 1:
        raise InvalidResource("participant", "name exactly one patient: actor {reference: 'Patient/<id>'}")
    try:
        return parse_patient_id(patients[0], "participant.actor")
    except InvalidIdentifier as exc:
        raise InvalidResource("participant.actor.reference", str(exc)) from None


def _booking_organisation(resource: dict[str, Any]) -> str | None:
    for ext in resource.get("extension") or []:
        if isinstance(ext, dict) and ext.get("url") == BOOKING_ORGANISATION_URL:
            ref = ext.get("valueReference") or {}
            name = ref.get("display") or (ref.get("identifier") or {}).get("value") or ext.get("valueString")
            if not name or not str(name).strip():
                raise InvalidResource("extension(booking-organisation)", "give valueReference.display")
            return str(name).strip()[:200]
    return None


def booking_request(resource: dict[str, Any]) -> FhirBooking:
    """The booking a created Appointment (already valid R4) asks for: its one slot, its one patient
    participant and the booking organisation extension; :class:`InvalidResource` names what is
    missing or not accepted."""
    if resource.get("status") not in REQUEST_STATUSES:
        raise InvalidResource(
            "status", f"{str(resource.get('status'))[:20]!r}: create with {', '.join(REQUEST_STATUSES)}"
        )
    return FhirBooking(_slot_id(resource), _patient_id(resource), _booking_organisation(resource))


def cancellation(stored: dict[str, Any], changed: dict[str, Any]) -> str:
    """The reason for cancelling, when ``changed`` (already valid R4) is ``stored`` with its status
    set to ``cancelled`` and, optionally, ``cancelationReason.text``; anything else is refused
    (:class:`InvalidResource` for the wrong id, :class:`RefusedChange` for any other change)."""
    if changed.get("id") != stored["id"]:
        raise InvalidResource("id", f"must be the id in the URL ({stored['id']})")
    if changed.get("status") != AppointmentStatus.CANCELLED.value:
        raise RefusedChange(
            f"status: {str(changed.get('status'))[:20]!r}: the only change accepted is cancelling "
            "(status cancelled, with an optional cancelationReason.text)"
        )
    others = sorted(
        k for k in (set(stored) | set(changed)) - CANCEL_CHANGES if stored.get(k) != changed.get(k)
    )
    if others:
        raise RefusedChange(
            f"{', '.join(others)[:200]}: cannot be changed; only status (to cancelled) and "
            "cancelationReason.text may change"
        )
    return str((changed.get("cancelationReason") or {}).get("text") or "")[:500]
