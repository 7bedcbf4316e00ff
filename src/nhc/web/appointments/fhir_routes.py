"""Hub appointments on the FHIR R4 API: ``GET /fhir/Location/{id}`` and ``GET /fhir/Location?name=``
(the hubs, which Schedules name as ``Location/<hub>``), ``GET /fhir/Schedule/{id}``, ``GET /fhir/Slot/{id}``,
``GET /fhir/Slot?status=free&start=ge2026-03-07T09:00&service-type=gp&schedule.actor=...&_count=20``,
``GET /fhir/Appointment/{id}``, and booking and cancelling:

* ``POST /fhir/Appointment`` (``application/fhir+json``): an R4 Appointment with one
  ``slot: [{reference: "Slot/<id>"}]``, one participant whose actor is ``Patient/<id>``, status
  ``booked`` (or ``proposed``/``pending``: a request to book, answered by booking) and, optionally,
  the booking organisation (extension :data:`~nhc.access.fhir.BOOKING_ORGANISATION_URL`,
  ``valueReference.display``; the hub when missing). The patient's practice is their registered
  practice from the patient directory, read after the access decision on them. 201 with
  ``Location`` and the stored Appointment; 409 when the slot is already booked (a simultaneous
  booking won), 422 for a slot that has started, 400 naming the field for a body that is not a valid
  R4 Appointment or lacks what a booking needs.
* ``PUT /fhir/Appointment/{id}`` (the stored resource with ``status: cancelled`` and an optional
  ``cancelationReason.text``) or ``PATCH /fhir/Appointment/{id}`` (``application/json-patch+json``,
  e.g. ``[{"op": "replace", "path": "/status", "value": "cancelled"}]``): cancel; 200 with the
  Appointment. Any other change is refused (422, naming the fields).

Resources come from :mod:`nhc.access.fhir` (validated against R4 in the tests; written bodies are
validated against R4 before anything else). These routes are included before the FHIR server's
generic ``/fhir/{type}`` routes, so they answer for these three types; they use the same user (a
SMART access token or the signed-in session, via :func:`nhc.web.fhir.deps.get_current_user`) and
the same scope check. Reading an Appointment (it names a patient) is the same person-level decision
and audit as any FHIR read (:meth:`User.authorise`); a write first passes
:meth:`User.authorise_write` (a token's write scope and launch patient; a session's CSRF token),
then is made by the booking use cases for ``User.principal`` -- the one access decision and audit
of the JSON API and the pages. Errors are OperationOutcomes. The CapabilityStatement's entries for
these types are generated from this router (:func:`capability_entries`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from nhc.access.domain import (
    AccessAreaError,
    Channel,
    NotFound,
    ServiceType,
    SlotStatus,
    SlotUnavailable,
    parse_enum,
)
from nhc.access.fhir import (
    appointment_resource,
    booking_request,
    cancellation,
    hub_location_resource,
    schedule_resource,
    slot_resource,
)
from nhc.access.services import AccessService, SlotQuery
from nhc.errors import NhcError
from nhc.fhir.server import FHIR_JSON, FhirError, User, searchset
from nhc.fhir.server.patch import JSON_PATCH, apply_patch
from nhc.fhir.validate import validate_resource
from nhc.security.service import AccessDenied
from nhc.web.appointments.deps import access_service, directory
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
    except SlotUnavailable as exc:
        raise FhirError(409, "conflict", str(exc)) from None
    except AccessDenied as exc:
        raise FhirError(403, "forbidden", exc.message) from None
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


@router.get("/Location/{rid}", summary="Read an access hub as a Location")
def read_location(rid: str, service: Service, user: CurrentUser) -> Response:
    user.authorise_type("Location")
    hub = next((h for h in service.hubs() if h.id == rid[:120]), None)
    if hub is None:
        raise FhirError(404, "not-found", f"Location/{rid[:60]}: no such access hub")
    return fhir_response(hub_location_resource(hub))


@router.get("/Location", summary="Search the access hubs (Locations), by name")
def search_locations(
    request: Request, service: Service, user: CurrentUser, name: str | None = None
) -> Response:
    """Every hub, or those whose name contains ``name`` (case-insensitive, as FHIR's string search
    matches the start of a word too)."""
    user.authorise_type("Location")
    wanted = (name or "").strip().casefold()[:120]
    hubs = [h for h in service.hubs() if wanted in h.name.casefold()]
    resources = [hub_location_resource(h) for h in sorted(hubs, key=lambda h: h.id)]
    return fhir_response(searchset(resources, base_url(request), total=len(resources)))


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


#: The media types a written resource may come as (FHIR's, and plain JSON).
RESOURCE_TYPES = (FHIR_JSON, "application/json")
BODY_LIMIT = 64_000


async def _json_body(request: Request, media_types: tuple[str, ...]) -> Any:
    """The request's JSON body, when it is one of ``media_types`` (415 otherwise: a cross-site form
    cannot send these types without a CORS preflight this server does not answer)."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in media_types:
        raise FhirError(415, "not-supported", f"send the body as {' or '.join(media_types)}")
    raw = await request.body()
    if len(raw) > BODY_LIMIT:
        raise FhirError(413, "too-costly", f"the body is larger than {BODY_LIMIT} bytes")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise FhirError(400, "invalid", "the body is not JSON") from None


def _checked(resource: Any) -> dict[str, Any]:
    """``resource`` if it is a valid R4 Appointment (400 naming the first field that is not)."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "Appointment":
        raise FhirError(400, "invalid", "resourceType: the body must be an Appointment")
    error = validate_resource(resource)
    if error is not None:
        raise FhirError(400, "invalid", f"{error} (Appointment, FHIR R4)"[:300])
    return resource


def _practice(request: Request, patient_id: int) -> str:
    """The patient's registered practice (asked only after the access decision on them)."""
    try:
        found = directory(request).lookup(patient_id) or {}
    except NhcError:  # the lake is not built
        found = {}
    practice = str(found.get("practice_code") or "")
    if not practice:
        raise FhirError(422, "business-rule", f"Patient/{patient_id}: the registered practice is not known")
    return practice


@router.post("/Appointment", status_code=201, summary="PERSON-LEVEL: book a hub Slot (create an Appointment)")
async def create_appointment(request: Request, service: Service, user: CurrentUser) -> Response:
    user.authorise_write("Appointment", "create", frozenset())  # scopes and CSRF before the body
    wanted = _checked(await _json_body(request, RESOURCE_TYPES))
    with _outcomes():
        asked = booking_request(wanted)
        user.authorise_write("Appointment", "create", frozenset({asked.patient_id}))
        slot = service.slot(asked.slot_id)
        hub_id = service.schedule(slot.schedule_id).hub_id
        # The decision on the person (audited) before the directory says where they are registered.
        service.check_person(asked.patient_id, hub_id, principal=user.principal)
        hub = next(h for h in service.hubs() if h.id == hub_id)
        appointment = service.book(
            slot.id,
            patient_id=asked.patient_id,
            practice_code=_practice(request, asked.patient_id),
            booking_organisation=asked.booking_organisation or hub.name,
            principal=user.principal,
        )
    resource = appointment_resource(appointment, service.slot(slot.id))
    location = f"{base_url(request)}/Appointment/{appointment.id}"
    return Response(orjson.dumps(resource), 201, {"Location": location}, media_type=FHIR_JSON)


def _cancel(
    service: AccessService,
    user: User,
    rid: str,
    changed_from: Callable[[dict[str, Any]], Any],
) -> Response:
    """Cancel ``rid`` when the resource ``changed_from`` makes of the stored one only cancels it."""
    with _outcomes():
        # The decision on the appointment's patient (audited) before anything about it is said.
        found = service.view(rid[:64], principal=user.principal)
        user.authorise_write("Appointment", "update", frozenset({found.appointment.patient_id}))
        stored = appointment_resource(found.appointment, found.slot)
        reason = cancellation(stored, _checked(changed_from(stored)))
        appointment = service.cancel(found.appointment.id, reason=reason, principal=user.principal)
    return fhir_response(appointment_resource(appointment, found.slot))


@router.put("/Appointment/{rid}", summary="PERSON-LEVEL: cancel a hub Appointment (status cancelled)")
async def update_appointment(rid: str, request: Request, service: Service, user: CurrentUser) -> Response:
    user.authorise_write("Appointment", "update", frozenset())  # scopes and CSRF before the body
    changed = await _json_body(request, RESOURCE_TYPES)
    return _cancel(service, user, rid, lambda _stored: changed)


@router.patch("/Appointment/{rid}", summary="PERSON-LEVEL: cancel a hub Appointment (JSON Patch)")
async def patch_appointment(rid: str, request: Request, service: Service, user: CurrentUser) -> Response:
    user.authorise_write("Appointment", "update", frozenset())  # scopes and CSRF before the body
    patch = await _json_body(request, (JSON_PATCH,))
    return _cancel(service, user, rid, lambda stored: apply_patch(stored, patch))


#: A search parameter's FHIR type (the CapabilityStatement names each parameter with its type).
PARAM_TYPES = {"name": "string", "status": "token", "start": "date", "service-type": "token", "schedule.actor": "reference", "channel": "token"}  # fmt: skip
#: An HTTP method on ``/{type}`` or ``/{type}/{id}`` as a FHIR interaction.
INTERACTIONS = {("GET", True): "read", ("GET", False): "search-type", ("POST", False): "create", ("PUT", True): "update", ("PATCH", True): "patch"}  # fmt: skip


def capability_entries(routes: list[Any] | None = None) -> list[dict[str, Any]]:
    """The CapabilityStatement's ``rest.resource`` entries for the types this router serves, made
    from its routes (so they say what is served): each type's interactions and search parameters
    (``_count`` and other result parameters are not search parameters)."""
    entries: dict[str, dict[str, Any]] = {}
    for route in routes if routes is not None else router.routes:
        if not isinstance(route, APIRoute):
            continue
        rtype, _, rest = route.path.removeprefix("/fhir/").partition("/")
        entry = entries.setdefault(rtype, {"type": rtype, "interaction": [], "searchParam": []})
        for method in sorted(route.methods):
            entry["interaction"].append({"code": INTERACTIONS[(method, bool(rest))]})
        if not rest and "GET" in route.methods:
            names = [p.alias for p in route.dependant.query_params if not p.alias.startswith("_")]
            entry["searchParam"] = [{"name": n, "type": PARAM_TYPES[n]} for n in names]
    return [{k: v for k, v in e.items() if v} for e in entries.values()]
