"""Slot, Schedule and Appointment validate against FHIR R4 (fhir.resources R4B models)."""

from __future__ import annotations

from nhc.access.domain import ServiceType
from nhc.access.fhir import appointment_resource, schedule_resource, slot_resource
from nhc.access.services import AccessService, SlotQuery
from nhc.fhir.validate import validate_resource


def test_slot_schedule_and_appointment_validate_against_r4(access: AccessService) -> None:
    slot, schedule = access.search(SlotQuery(service_type=ServiceType.GP, limit=1))[0]
    hub = next(h for h in access.hubs() if h.id == schedule.hub_id)
    appointment = access.book(
        slot.id,
        patient_id=5,
        practice_code=hub.practices[0],
        booking_organisation=hub.practices[0],
    )
    booked = access.slot(slot.id)
    resources = [
        slot_resource(slot),
        slot_resource(booked),
        schedule_resource(schedule, hub),
        appointment_resource(appointment, booked),
        appointment_resource(access.cancel(appointment.id, reason="better"), booked),
    ]
    assert [validate_resource(r) for r in resources] == [None] * 5
    assert resources[1]["status"] == "busy"
    assert resources[3]["slot"] == [{"reference": f"Slot/{slot.id}"}]
    assert resources[4]["status"] == "cancelled"
    assert resources[0]["start"].endswith("+00:00")  # 2 March: GMT
