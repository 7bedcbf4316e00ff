"""What the access pages share: who may use which page, form errors, NHS.UK dates, people.

* :func:`clinical_user` -- hub receptionists, care navigators and the visiting service's coordinator
  (the clinical roles: they book for people and see who visits are for). Utilisation is an
  aggregate, open to every signed-in user.
* :class:`FormError` -- the one thing wrong with a form: the id of the field to link to from the
  error summary, the message and a hint. :func:`form_error` turns the access area's errors into one.
* :func:`parse_day` -- the NHS.UK date pattern (day, month, year boxes) into a date.
* :func:`person` -- a person as people are shown (name, age, NHS number) from the patient directory,
  called only after the access decision for that person allowed the read.
* :func:`patient_named` -- the person a form names: the person chosen on their own page (a hidden
  ``patient_id``), or the NHS number typed (``nhs_number``), never an internal id typed by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request

from nhc.access.domain import AccessAreaError, BadField, NotEligible, NotFound, SlotInPast, SlotUnavailable
from nhc.access.services import AccessService
from nhc.care.services.people import person_label
from nhc.care.services.views import PersonLabel
from nhc.errors import NhcError
from nhc.identifiers import InvalidIdentifier, parse_patient_id
from nhc.security.roles import Principal
from nhc.security.service import AccessDenied
from nhc.web.appointments.deps import directory
from nhc.web.by_nhs_number import NHS_NUMBER_HINT, NOT_YOURS, NumberRefused, patient_by_nhs_number
from nhc.web.deps import check_csrf, current_user, render

TEXT = 500


@dataclass(frozen=True)
class FormError:
    """One problem with a form: ``field`` is the id the error summary links to."""

    field: str
    message: str
    hint: str = ""


def clinical_user(request: Request) -> Principal:
    """Receptionists, navigators and the visiting coordinator: the clinical roles."""
    user = current_user(request)
    if not user.is_clinical:
        raise AccessDenied(f"Your role ({user.role_label}) cannot book appointments or plan home visits.")
    return user


def service(request: Request) -> AccessService:
    return request.app.state.access


def person(request: Request, patient_id: int) -> PersonLabel:
    """The person as shown on a page; only a patient id when the directory does not know them."""
    try:
        found = directory(request).lookup(patient_id)
    except NhcError:  # the lake is not built: the page still shows the id
        found = None
    return person_label(found, patient_id) or PersonLabel(patient_id, None, None, None)


class NotNamed(Exception):
    """The form does not name a person the page can use: :attr:`error` says why, on which box;
    :attr:`status` is 400 for a number that cannot be one, 403 for one that finds no one the
    user may see (as the access decision refuses another team's person, so the two look alike)."""

    def __init__(self, error: FormError, status: int = 400) -> None:
        self.error, self.status = error, status


def patient_named(request: Request, values: dict[str, str]) -> int:
    """The patient id a form names: ``patient_id`` when the person was chosen on their own page
    (or the form's first step), else the ``nhs_number`` typed, any spacing, checked (modulus 11)
    and found through the patient directory. :class:`NotNamed` otherwise. The caller still puts
    the person to the access decision: finding a number is not permission to see them."""
    chosen = (values.get("patient_id") or "").strip()
    if chosen:
        try:
            return parse_patient_id(chosen, "patient id")
        except InvalidIdentifier as exc:
            raise NotNamed(FormError("nhs_number", str(exc), NHS_NUMBER_HINT)) from None
    try:
        return patient_by_nhs_number(directory(request), values.get("nhs_number") or "")
    except NumberRefused as exc:
        raise NotNamed(FormError("nhs_number", exc.message, NHS_NUMBER_HINT), exc.status) from None


FIELD_OF = ((SlotUnavailable, "slot"), (NotEligible, "practice_code"), (SlotInPast, "slot"))


def form_error(exc: AccessAreaError | AccessDenied, fallback: str = "slot") -> FormError:
    """The form error for an error of the access area (or a refused access decision)."""
    if isinstance(exc, AccessDenied):
        return FormError("nhs_number", NOT_YOURS, "")
    if isinstance(exc, BadField):
        return FormError(exc.field, exc.message.split(": ", 1)[-1], exc.hint or "")
    field = next((f for kind, f in FIELD_OF if isinstance(exc, kind)), fallback)
    return FormError(field, exc.message, exc.hint or "")


def csrf_ok(request: Request, token: Any) -> bool:
    return isinstance(token, str) and token.isascii() and check_csrf(request, token)


EXPIRED = FormError(
    "csrf_token", "Your form expired or was not sent from this service", "reload the page and try again"
)


def parse_day(
    values: dict[str, str], default: dt.date, field: str = "date"
) -> tuple[dt.date, FormError | None]:
    """The date in ``<field>-day``, ``<field>-month`` and ``<field>-year`` (NHS.UK date input):
    ``default`` when all three are blank, else the date or a :class:`FormError` on ``<field>-day``."""
    parts = [values.get(f"{field}-{p}", "").strip() for p in ("day", "month", "year")]
    if not any(parts):
        return default, None
    try:
        if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
            raise ValueError
        return dt.date(int(parts[2]), int(parts[1]), int(parts[0])), None
    except ValueError:
        return default, FormError(
            f"{field}-day", "Enter a real date, with the day, month and year", "for example, 7 3 2026"
        )


def day_values(day: dt.date, field: str = "date") -> dict[str, str]:
    """The date input boxes for ``day``."""
    return {f"{field}-day": str(day.day), f"{field}-month": str(day.month), f"{field}-year": str(day.year)}


async def form_values(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(v)[:TEXT] for k, v in form.items()}


def page(request: Request, template: str, context: dict[str, Any], status_code: int = 200):
    """Render an access page with its "as of" time (the access service's clock, UK time)."""
    ctx = {"as_of": service(request).clock(), **context}
    return render(request, template, ctx, status_code=status_code)


@contextmanager
def not_found_page() -> Iterator[None]:
    """An unknown slot, appointment or hub is the "page not found" page (404), not a bad request."""
    try:
        yield
    except NotFound as exc:
        raise HTTPException(404, exc.message) from None
