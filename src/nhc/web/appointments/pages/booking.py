"""Hub appointment pages for receptionists and care navigators.

* ``GET /access/slots`` -- find free slots: hub, date (NHS.UK day/month/year; the week from that
  day), role, delivery channel, evenings or weekends only. Results link to the booking form.
* ``GET /access/slots/{slot}/book`` and ``POST`` -- book the slot for a person: the booking use case
  (its access decision and audit line in the booking's own transaction); a slot someone else took,
  a past slot, a practice outside the hub's area or a refused relationship re-show the form with an
  error summary; success is a 303 to the confirmation.
* ``GET /access/appointments/{id}`` -- the confirmation: the person (name, age, NHS number), when,
  where, with whom, how; a cancel form while it can still be cancelled.
* ``POST /access/appointments/{id}/cancel`` -- cancel with a reason; 303 back to the appointment.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from nhc.access.domain import (
    AccessAreaError,
    AppointmentStatus,
    Channel,
    Hub,
    ServiceType,
    Session,
    Slot,
)
from nhc.access.services import AccessService, SlotQuery
from nhc.care.services.views import PersonLabel
from nhc.security.roles import Principal
from nhc.security.service import AccessDenied
from nhc.web.appointments.pages.common import (
    EXPIRED,
    NOT_YOURS,
    FormError,
    NotNamed,
    clinical_user,
    csrf_ok,
    day_values,
    directory,
    form_error,
    form_values,
    not_found_page,
    page,
    parse_day,
    patient_named,
    person,
    service,
)

router = APIRouter(prefix="/access", include_in_schema=False)
CHANNEL_LABELS = {Channel.IN_PERSON: "In person", Channel.TELEPHONE: "Telephone", Channel.VIDEO: "Video"}
WHEN_LABELS = {"": "Any time", Session.EVENING.value: "Evenings only", Session.WEEKEND.value: "Weekends only"}
RESULTS = 40


def _hub_of(hubs: list[Hub], hub_id: str) -> Hub | None:
    return next((h for h in hubs if h.id == hub_id), None)


def _search_form(
    values: dict[str, str], hubs: list[Hub], today: dt.date
) -> tuple[SlotQuery | None, dt.date, FormError | None]:
    """The search form's values as a query for the week from the chosen date (``today`` when none
    is given); a form error when a value is not one of the choices offered."""
    day, error = parse_day(values, today)
    hub = values.get("hub", "")
    checks = [
        ("hub", hub == "" or _hub_of(hubs, hub) is not None, "Choose a hub from the list"),
        (
            "service",
            values.get("service", "") in ("", *ServiceType),
            "Choose a type of appointment from the list",
        ),
        ("channel", values.get("channel", "") in ("", *Channel), "Choose in person, telephone or video"),
        ("when", values.get("when", "") in WHEN_LABELS, "Choose any time, evenings or weekends"),
    ]
    for field, ok, message in checks:
        if not ok:
            error = error or FormError(field, message)
    if error:
        return None, day, error
    start = dt.datetime.combine(day, dt.time.min)
    query = SlotQuery(
        start_from=start,
        start_to=start + dt.timedelta(days=7),
        service_type=ServiceType(values["service"]) if values.get("service") else None,
        channel=Channel(values["channel"]) if values.get("channel") else None,
        hub_id=hub or None,
        when=Session(values["when"]) if values.get("when") else None,
        limit=RESULTS,
    )
    return query, day, None


def _choices(hubs: list[Hub]) -> dict[str, Any]:
    return {
        "hubs": hubs,
        "services": [(s.value, s.label) for s in ServiceType],
        "channels": [(c.value, label) for c, label in CHANNEL_LABELS.items()],
        "whens": list(WHEN_LABELS.items()),
        "channel_labels": {c.value: label for c, label in CHANNEL_LABELS.items()},
    }


@router.get("/slots")
def find_slots(request: Request, user: Principal = Depends(clinical_user)):
    """The search form and, once searched, the free slots of the week from the chosen date."""
    access = service(request)
    hubs = access.hubs()
    values = {k: v.strip()[:60] for k, v in request.query_params.items()}
    searched = bool(values)
    today = access.clock().date()
    query, day, error = _search_form(values, hubs, today) if searched else (None, today, None)
    found = access.search(query) if query is not None else []
    ctx = {
        "page_title": "Find a hub appointment",
        "values": {**day_values(day), **values},
        "error": error,
        "searched": searched and error is None,
        "slots": [(s, sc, _hub_of(hubs, sc.hub_id)) for s, sc in found],
        "week_from": day,
        **_choices(hubs),
    }
    return page(request, "access/slots.html", ctx, status_code=400 if error else 200)


def _slot_context(access: AccessService, slot_id: str) -> dict[str, Any]:
    with not_found_page():
        slot = access.slot(slot_id[:120])
        schedule = access.schedule(slot.schedule_id)
    hubs = access.hubs()
    return {"slot": slot, "schedule": schedule, "hub": _hub_of(hubs, schedule.hub_id), **_choices(hubs)}


def _who_for(
    request: Request, user: Principal, hub: Hub, values: dict[str, str]
) -> tuple[PersonLabel | None, FormError | None, int]:
    """The person being booked for, after the access decision: their label, or the form error
    (and status) that sends the receptionist back to the first step."""
    if not (values.get("patient_id") or values.get("nhs_number") or "").strip():
        return None, None, 200
    try:
        patient_id = patient_named(request, values)
        service(request).check_person(patient_id, hub.id, principal=user)
    except NotNamed as exc:
        return None, exc.error, exc.status
    except AccessDenied:
        return None, FormError("nhs_number", NOT_YOURS, ""), 403
    return person(request, patient_id), None, 200


def _book_page(
    request: Request,
    user: Principal,
    slot_id: str,
    values: dict[str, str],
    error: FormError | None,
    status: int = 200,
):
    """Step 1 (who is it for) until a person the user may book for is named, then step 2 (their
    practice, who is booking, book); ``error`` is shown on the step it belongs to."""
    ctx = _slot_context(service(request), slot_id)
    who, who_error, who_status = (None, None, 200)
    if not (error and error.field == "nhs_number"):
        who, who_error, who_status = _who_for(request, user, ctx["hub"], values)
    practice = values.get("practice_code") or (_practice_of(request, who) if who else "")
    ctx |= {
        "page_title": "Book a hub appointment",
        "values": {**values, "practice_code": practice},
        "error": error or who_error,
        "who": who,
    }
    return page(request, "access/book.html", ctx, status_code=status if error else who_status)


def _practice_of(request: Request, who: PersonLabel) -> str:
    """The person's registered practice, when the directory knows it (to choose it on the form)."""
    found = directory(request).lookup(who.patient_id) or {}
    return str(found.get("practice_code") or "")


@router.get("/slots/{slot_id}/book")
def book_form(request: Request, slot_id: str, user: Principal = Depends(clinical_user)):
    """Step 1 until a person is named (``nhs_number`` typed, or ``patient_id`` from their own
    page); step 2 for that person."""
    values = {k: request.query_params.get(k, "")[:40] for k in ("patient_id", "nhs_number")}
    return _book_page(request, user, slot_id, values, None)


@router.post("/slots/{slot_id}/book")
async def book(request: Request, slot_id: str, user: Principal = Depends(clinical_user)):
    """Book through the booking use case; any refusal re-shows the form with its reason."""
    values = await form_values(request)
    if not csrf_ok(request, values.get("csrf_token")):
        return _book_page(request, user, slot_id, values, EXPIRED, 400)
    try:
        patient_id = patient_named(request, values)
    except NotNamed as exc:
        return _book_page(request, user, slot_id, values, exc.error, exc.status)
    access = service(request)
    practice = values.get("practice_code", "")
    if not practice:
        return _book_page(
            request, user, slot_id, values, FormError("practice_code", "Choose the person's GP practice"), 400
        )
    organisation = _organisation(access, slot_id, values.get("booked_for", ""), practice)
    try:
        appointment = access.book(
            slot_id,
            patient_id=patient_id,
            practice_code=practice,
            booking_organisation=organisation,
            principal=user,
        )
    except (AccessAreaError, AccessDenied) as exc:
        status = exc.http_status if isinstance(exc, AccessAreaError) else 403
        return _book_page(request, user, slot_id, values, form_error(exc), status)
    return RedirectResponse(f"/access/appointments/{appointment.id}", status_code=303)


def _organisation(access: AccessService, slot_id: str, booked_for: str, practice: str) -> str:
    """Who booked: the patient's practice, or the hub (its name)."""
    if booked_for == "practice":
        return practice
    return _slot_context(access, slot_id)["hub"].name


def _appointment_page(
    request: Request, user: Principal, appointment_id: str, error: FormError | None = None, status: int = 200
):
    access = service(request)
    with not_found_page():
        found = access.view(appointment_id, principal=user)
    now = access.clock()
    slot: Slot = found.slot
    ctx = {
        "page_title": "Hub appointment",
        "found": found,
        "person": person(request, found.appointment.patient_id),
        "can_cancel": found.appointment.status is AppointmentStatus.BOOKED and slot.is_future(now),
        "error": error,
        "channel_labels": {c.value: label for c, label in CHANNEL_LABELS.items()},
    }
    return page(request, "access/appointment.html", ctx, status_code=status)


@router.get("/appointments/{appointment_id}")
def appointment(request: Request, appointment_id: str, user: Principal = Depends(clinical_user)):
    return _appointment_page(request, user, appointment_id[:64])


@router.post("/appointments/{appointment_id}/cancel")
async def cancel(request: Request, appointment_id: str, user: Principal = Depends(clinical_user)):
    values = await form_values(request)
    appointment_id = appointment_id[:64]
    if not csrf_ok(request, values.get("csrf_token")):
        return _appointment_page(request, user, appointment_id, EXPIRED, 400)
    try:
        with not_found_page():
            service(request).cancel(appointment_id, reason=values.get("reason", "").strip(), principal=user)
    except AccessAreaError as exc:
        return _appointment_page(request, user, appointment_id, form_error(exc, "reason"), exc.http_status)
    return RedirectResponse(f"/access/appointments/{appointment_id}", status_code=303)
