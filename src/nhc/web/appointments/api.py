"""The access JSON API: slot search, booking and cancelling.

* ``GET /api/access/slots?status=free&start=ge2026-03-02T18:00&service-type=gp&channel=video&hub=...
  &schedule.actor=...&preferred-actor=...&_count=50`` -- future slots, earliest first (the preferred
  clinician's first when continuity allows). Parameter names follow FHIR's Slot search.
* ``POST /api/access/appointments`` ``{"slot": id, "patient_id": n, "practice_code": "K84013",
  "booking_organisation": "..."}`` -- 201 with the appointment; 409 "that slot was just taken" when
  a simultaneous booking won; 422 for a past slot; 403 for a patient outside the hub's area.
* ``POST /api/access/appointments/{id}/cancel`` ``{"reason": "..."}`` -- 200; 422 once started.

Errors are problem documents (``application/problem+json``) whose ``detail`` is the one-line message.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from nhc.access.domain import (
    AccessAreaError,
    Appointment,
    BadField,
    Channel,
    Schedule,
    ServiceType,
    Slot,
    SlotStatus,
    parse_enum,
)
from nhc.access.services import AccessService, SlotQuery
from nhc.security.roles import Principal
from nhc.web.appointments.deps import access_service, booker

router = APIRouter(prefix="/api/access", tags=["access"])
TITLES = {400: "Bad request", 403: "Forbidden", 404: "Not found", 409: "Conflict", 422: "Unprocessable"}


class Booking(BaseModel):
    slot: str = Field(min_length=1, max_length=120)
    patient_id: int = Field(ge=1, le=10**15)
    practice_code: str = Field(min_length=1, max_length=10)
    booking_organisation: str = Field(min_length=1, max_length=200)


class Cancellation(BaseModel):
    reason: str = Field(default="", max_length=500)


def problem(exc: AccessAreaError) -> JSONResponse:
    status = exc.http_status
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status, "detail": str(exc)}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def _slot_json(slot: Slot, schedule: Schedule | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": slot.id,
        "start": slot.start.isoformat(),
        "end": slot.end.isoformat(),
        "service_type": slot.service_type.value,
        "channel": slot.channel.value,
        "status": slot.status.value,
        "schedule": slot.schedule_id,
    }
    if schedule is not None:
        out |= {"hub": schedule.hub_id, "actor": schedule.actor_id, "actor_name": schedule.actor_name}
    return out


def _appointment_json(a: Appointment) -> dict[str, Any]:
    return {
        "id": a.id,
        "slot": a.slot_id,
        "patient_id": a.patient_id,
        "practice_code": a.practice_code,
        "booking_organisation": a.booking_organisation,
        "status": a.status.value,
        "created": a.created.isoformat(),
        "cancellation_reason": a.cancellation_reason or None,
    }


def _start(value: str | None) -> dt.datetime | None:
    """FHIR date search ``ge<datetime>`` (or a bare datetime, read as ``ge``)."""
    if not value:
        return None
    text = value[2:] if value.startswith("ge") else value
    try:
        return dt.datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        raise BadField("start", f"not a date-time: {value!r}", "ge2026-03-02T18:00") from None


@router.get("/slots", summary="Search slots (FHIR Slot search parameters)")
def slots(
    service: Annotated[AccessService, Depends(access_service)],
    status: str = "free",
    start: str | None = None,
    service_type: Annotated[str | None, Query(alias="service-type")] = None,
    channel: str | None = None,
    hub: str | None = None,
    actor: Annotated[str | None, Query(alias="schedule.actor")] = None,
    preferred_actor: Annotated[str | None, Query(alias="preferred-actor")] = None,
    count: Annotated[int, Query(alias="_count", ge=1, le=500)] = 50,
):
    try:
        query = SlotQuery(
            status=parse_enum(SlotStatus, status, "status"),
            start_from=_start(start),
            service_type=parse_enum(ServiceType, service_type, "service-type") if service_type else None,
            channel=parse_enum(Channel, channel, "channel") if channel else None,
            hub_id=hub,
            actor_id=actor,
            preferred_actor=preferred_actor,
            limit=count,
        )
        return {"slots": [_slot_json(s, sc) for s, sc in service.search(query)]}
    except AccessAreaError as exc:
        return problem(exc)


@router.post("/appointments", status_code=201, summary="Book a slot")
def book(
    body: Booking,
    service: Annotated[AccessService, Depends(access_service)],
    who: Annotated[Principal, Depends(booker)],
):
    try:
        appointment = service.book(
            body.slot,
            patient_id=body.patient_id,
            practice_code=body.practice_code,
            booking_organisation=body.booking_organisation,
            principal=who,
        )
    except AccessAreaError as exc:
        return problem(exc)
    return _appointment_json(appointment)


@router.post("/appointments/{appointment_id}/cancel", summary="Cancel an appointment")
def cancel(
    appointment_id: str,
    body: Cancellation,
    service: Annotated[AccessService, Depends(access_service)],
    who: Annotated[Principal, Depends(booker)],
):
    try:
        return _appointment_json(service.cancel(appointment_id, reason=body.reason, principal=who))
    except AccessAreaError as exc:
        return problem(exc)


@router.get("/schedules/{schedule_id}", summary="Read a schedule")
def schedule(schedule_id: str, service: Annotated[AccessService, Depends(access_service)]):
    try:
        s = service.schedule(schedule_id)
    except AccessAreaError as exc:
        return problem(exc)
    return {
        "id": s.id,
        "hub": s.hub_id,
        "actor": s.actor_id,
        "actor_name": s.actor_name,
        "service_type": s.service_type.value,
        "active": s.active,
    }
