"""FHIR R4 views of hubs' Schedules, Slots and Appointments (plain dicts; the tests validate them
against the R4 models of ``fhir.resources``). Not yet served by the FHIR server.

* ``Slot.serviceType`` and ``Schedule.serviceType`` carry the role in :data:`SERVICE_SYSTEM`; the
  delivery channel (in person, telephone, video) is an extension, :data:`CHANNEL_URL`, with a code
  from :data:`CHANNEL_SYSTEM` (UK Core's delivery channel values, project-defined URLs).
* ``Appointment.participant`` names the patient (``Patient/<id>``) and the booking organisation is
  an extension, :data:`BOOKING_ORGANISATION_URL`; cancellation reason is ``cancelationReason.text``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from nhc.access.domain import Appointment, AppointmentStatus, Hub, Schedule, Slot

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
