"""Hub appointments on the FHIR R4 API, read-only: ``GET /fhir/Schedule/{id}``, ``GET /fhir/Slot/{id}``,
``GET /fhir/Slot?status=free&start=ge2026-03-07T09:00&service-type=gp&schedule.actor=...&_count=20``
and ``GET /fhir/Appointment/{id}``; resources from :mod:`nhc.access.fhir` (validated against R4 in
the tests).

These routes are included before the FHIR server's generic ``/fhir/{type}`` routes, so they answer
for these three types; they use the same user (a SMART access token or the signed-in session, via
:func:`nhc.web.fhir.deps.get_current_user`), the same scope check and, for an Appointment (which
names a patient), the same person-level decision and audit (:meth:`User.authorise` with the
appointment's patient id, resolved before the resource is returned). Errors are OperationOutcomes.
Booking and cancelling stay with the JSON API and the pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from nhc.access.domain import AccessAreaError, Channel, NotFound, ServiceType, SlotStatus, parse_enum
from nhc.access.fhir import appointment_resource, schedule_resource, slot_resource
from nhc.access.services import AccessService, SlotQuery
from nhc.fhir.server import FhirError, searchset
from nhc.web.appointments.deps import access_service
from nhc.web.fhir.router import CurrentUser, FhirRoute, base_url, fhir_response

router = APIRouter(prefix="/fhir", tags=["fhir", "access"], route_class=FhirRoute)
Service = Annotated[AccessService, Depends(access_service)]


@contextmanager
def _outcomes() -> Iterator[None]:
    """The access area's errors as FHIR errors (an OperationOutcome with the same status)."""
    try:
        yield
    except NotFound as exc:
        raise FhirError(404, "not-found", exc.message) from None
    except AccessAreaError as exc:
        raise FhirError(exc.http_status if exc.http_status < 500 else 400, "invalid", str(exc)) from None


def _token(value: str | None) -> str | None:
    """A FHIR token parameter's code (``system|code`` or ``code``)."""
    return value.rsplit("|", 1)[-1] if value else None


def _start(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    text = value[2:] if value.startswith("ge") else value
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise FhirError(
            400, "invalid", f"start: not a date-time: {value[:40]!r} (use ge2026-03-07T09:00)"
        ) from None
    return parsed.replace(tzinfo=None)


@router.get("/Schedule/{rid}", summary="Read a hub Schedule")
def read_schedule(rid: str, service: Service, user: CurrentUser) -> Response:
    user.authorise_type("Schedule")
    with _outcomes():
        schedule = service.schedule(rid[:120])
        hub = next(h for h in service.hubs() if h.id == schedule.hub_id)
    return fhir_response(schedule_resource(schedule, hub))


@router.get("/Slot/{rid}", summary="Read a hub Slot")
def read_slot(rid: str, service: Service, user: CurrentUser) -> Response:
    user.authorise_type("Slot")
    with _outcomes():
        return fhir_response(slot_resource(service.slot(rid[:120])))


@router.get("/Slot", summary="Search hub Slots (future slots, earliest first)")
def search_slots(
    request: Request,
    service: Service,
    user: CurrentUser,
    status: str = "free",
    start: str | None = None,
    service_type: Annotated[str | None, Query(alias="service-type")] = None,
    actor: Annotated[str | None, Query(alias="schedule.actor")] = None,
    channel: str | None = None,
    count: Annotated[int, Query(alias="_count", ge=1, le=200)] = 20,
) -> Response:
    user.authorise_type("Slot")
    with _outcomes():
        query = SlotQuery(
            status=parse_enum(SlotStatus, _token(status), "status"),
            start_from=_start(start),
            service_type=parse_enum(ServiceType, _token(service_type), "service-type")
            if service_type
            else None,
            channel=parse_enum(Channel, _token(channel), "channel") if channel else None,
            actor_id=actor.rsplit("/", 1)[-1] if actor else None,
            limit=count,
        )
        found = service.search(query)
    resources = [slot_resource(s) for s, _ in found]
    return fhir_response(searchset(resources, base_url(request), total=len(resources)))


@router.get("/Appointment/{rid}", summary="PERSON-LEVEL: read a hub Appointment")
def read_appointment(rid: str, service: Service, user: CurrentUser) -> Response:
    user.authorise_type("Appointment")
    with _outcomes():
        found = service.view(rid[:64])  # resolves the patient; nothing is returned before the decision
    user.authorise(frozenset({found.appointment.patient_id}))
    return fhir_response(appointment_resource(found.appointment, found.slot))
