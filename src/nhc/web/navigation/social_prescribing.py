"""Social prescribing pages (``/social-prescribing``): refer a person to a directory service, the
link worker's caseload and provider inbox (accept or decline), end support, and the referrer's
notices; one referral's page (``/social-prescribing/{id}``) with its wellbeing measures (ONS4 and
SWEMWBS at baseline and follow-up, forms that work without JavaScript, the change shown). Clinical
roles only; every person on a page has passed the access decision (audited).

People are shown as people: name, age and NHS number (3-3-4), linking to their patient page, read
from the patient directory (:func:`people`: the care service's, the lake's insight tables) only
after the access decision allowed them, and labelled by the care pages' own helper
(:func:`nhc.care.services.people.labels`). The referral form is about a chosen person
(``/social-prescribing?patient=<id>``, from the patient page's "Refer to social prescribing": the
decision is taken, audited, before their name is shown; a refusal gets the refusal page) or takes an
NHS number, found as the access forms find one (:mod:`nhc.web.by_nhs_number`: any spacing, the
check digit, then the patient directory's look-up): a blank box or a number that cannot be one
re-shows the form with its error summary and what was typed (400); a number that finds no one and a
person the access decision refuses re-show it with the same words (403), so the form never tells
who is registered. ``POST /social-prescribing/refer`` still takes ``patient_id`` (the chosen
person's hidden field, and API callers).

``/social-prescribing/equity`` (and ``equity.csv``) is for leads and analysts: who is referred,
declined and helped by IMD quintile, age band, sex and ethnic group, counts of people with the
small-number rule applied (any signed-in role; no person is shown). The person details come from
the lake (:class:`~nhc.navigation.services.equity.LakePeople` over ``settings.lake_dir``).

The service is built once from the composition root's parts (``app.state.navigation`` and
``app.state.services.patient_access``) and kept as ``app.state.social_prescribing``. The 14-day
clock runs whenever the caseload is shown, so an unanswered referral is declined, and its referrer
told, no later than the next time anyone looks (a scheduled ``run_clock`` can do it sooner).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import RedirectResponse

from nhc.care.directory import PatientDirectory
from nhc.care.services.people import labels
from nhc.care.services.views import PersonLabel
from nhc.identifiers import MAX_RECORD_ID, InvalidIdentifier, parse_whole_number
from nhc.navigation.domain import BadField, NavigationError
from nhc.navigation.domain.wellbeing import INSTRUMENTS, AnswersError, Kind, Timepoint
from nhc.navigation.services.equity import FAMILIES, STAGES, EquityRow, LakePeople
from nhc.navigation.services.social_prescribing import SP_KINDS, SocialPrescribing
from nhc.security.roles import Principal
from nhc.security.service import AccessDenied
from nhc.web.by_nhs_number import NOT_YOURS, NumberRefused, patient_by_nhs_number
from nhc.web.deps import check_csrf, client_ip, current_user, render
from nhc.web.routers.downloads import csv_response

router = APIRouter(prefix="/social-prescribing", include_in_schema=False)
#: A referral id as the database holds it (a 32-bit key): larger numbers are refused before a query.
ReferralId = Annotated[int, Path(ge=1, le=MAX_RECORD_ID)]
TEXT = 2000
#: What the referral form says for a blank NHS number box, and for one that cannot be a number.
BLANK_NUMBER = "Enter the NHS number of the person to refer"
BAD_NUMBER = "Enter an NHS number of 10 digits, like 943 476 5919"


def social_prescribing(request: Request) -> SocialPrescribing:
    return request.app.state.social_prescribing


def people(request: Request) -> PatientDirectory:
    """Where the names, ages and NHS numbers shown come from: the care service's patient directory
    (the lake's insight tables). Read only for people the access decision allowed."""
    return request.app.state.care.directory


def _clinical(request: Request) -> Principal:
    user = current_user(request)
    if not user.is_clinical:
        raise AccessDenied(f"Your role ({user.role_label}) cannot see social prescribing referrals.")
    return user


@dataclass(frozen=True)
class FormError:
    """One line of a form's error summary: the field it links to and what to do."""

    field: str
    text: str


def _page(
    request: Request,
    sp: SocialPrescribing,
    user: Principal,
    directory: PatientDirectory,
    error: NavigationError | FormError | None = None,
    status: int = 200,
    *,
    chosen: int | None = None,
    entered: dict[str, str] | None = None,
):
    """The caseload, the referral form (about ``chosen``, whose access decision was taken, or by
    NHS number) and the notices; ``entered`` refills the form when it is shown again."""
    sp.run_clock()
    services = sorted(
        (
            s
            for s in sp.navigation.directory().services.values()
            if s.kind in SP_KINDS or s.kind.startswith("vcse_")
        ),
        key=lambda s: s.name,
    )
    caseload = sp.caseload(user, ip=client_ip(request))  # each person shown passed the decision
    shown = labels(directory, [r.patient_id for r in caseload] + ([chosen] if chosen else []))
    ctx = {
        "page_title": "Social prescribing",
        "as_of": sp.clock(),
        "caseload": caseload,
        "people": shown,
        "chosen": (shown.get(chosen) or PersonLabel(chosen, None, None, None)) if chosen else None,
        "notices": sp.notices(user)[:20],
        "services": services,
        "error": _form_error(error) if isinstance(error, NavigationError) else error,
        "entered": entered or {},
    }
    return render(request, "navigation/social_prescribing.html", ctx, status_code=status)


def _refused(request: Request, patient_id: int, exc: AccessDenied):
    """The refusal page the patient page shows (break glass offered where the role may)."""
    ctx = {"patient_id": patient_id, "message": exc.message, "can_break_glass": exc.can_break_glass,
           "page_title": "Access refused"}  # fmt: skip
    return render(request, "patient_denied.html", ctx, status_code=403)


@router.get("")
def caseload(
    request: Request,
    patient: str = Query("", max_length=40),
    user: Principal = Depends(_clinical),
    sp: SocialPrescribing = Depends(social_prescribing),
    directory: PatientDirectory = Depends(people),
):
    """The page; ``?patient=<id>`` (from the patient page) fills the form with that person, once
    the access decision for them (audited) allows it."""
    if not patient.strip():
        return _page(request, sp, user, directory)
    pid = parse_whole_number(patient, "patient", minimum=1, maximum=MAX_RECORD_ID)
    try:
        sp.choose(user, pid, ip=client_ip(request))
    except AccessDenied as exc:
        return _refused(request, pid, exc)
    return _page(request, sp, user, directory, chosen=pid)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(v)[:TEXT] for k, v in form.items()}


def _plain(exc: NavigationError) -> str:
    """The error in a sentence: its message without the field name, and what is allowed."""
    text = exc.message.split(": ", 1)[-1] if isinstance(exc, BadField) else exc.message
    text = text[:1].upper() + text[1:]
    return f"{text} ({exc.allowed})" if isinstance(exc, BadField) and exc.allowed else text


def _form_error(exc: NavigationError) -> FormError:
    """A navigation error as a line of the error summary: its field, or the page's main content."""
    return FormError(exc.field if isinstance(exc, BadField) else "maincontent", _plain(exc))


def _chosen(form: dict[str, str]) -> int | FormError:
    """The chosen person's patient id (the form's hidden ``patient_id``, or an API caller's)."""
    try:
        return parse_whole_number(form.get("patient_id", ""), "patient id", minimum=1, maximum=MAX_RECORD_ID)
    except InvalidIdentifier:
        return FormError("patient_id", "Choose the person to refer (a patient id is a whole number)")


def _by_number(directory: PatientDirectory, typed: str) -> int | FormError | None:
    """The person the typed NHS number belongs to, found as the access forms find them
    (:func:`~nhc.web.by_nhs_number.patient_by_nhs_number`: checked, then the directory's look-up);
    the error to re-show the form with (400) for a blank box or a number that cannot be one; or
    ``None`` when it finds no one, which the caller answers as it answers a refused person."""
    try:
        return patient_by_nhs_number(directory, typed, blank=BLANK_NUMBER, invalid=BAD_NUMBER)
    except NumberRefused as exc:
        return None if exc.status == 403 else FormError("nhs_number", exc.message)


@router.post("/refer")
async def refer(
    request: Request,
    user: Principal = Depends(_clinical),
    sp: SocialPrescribing = Depends(social_prescribing),
    directory: PatientDirectory = Depends(people),
):
    """Refer the person the form names; a problem re-shows the form with what was typed. A typed
    number that finds no one and a person the access decision refuses get the same answer (403,
    :data:`~nhc.web.by_nhs_number.NOT_YOURS`), after the same checks of the rest of the form, so
    the form never tells who is registered."""
    form = await _form(request)
    if not check_csrf(request, form.get("csrf_token")):
        error = BadField("csrf_token", "the form expired", "reload the page")
        return _page(request, sp, user, directory, error, 400, entered=form)
    by_number = "nhs_number" in form and not form.get("patient_id", "").strip()
    pid = _by_number(directory, form["nhs_number"]) if by_number else _chosen(form)
    if isinstance(pid, FormError):
        return _page(request, sp, user, directory, pid, 400, entered=form)
    service_id, source = form.get("service_id", ""), form.get("source", "")
    try:
        if pid is None:  # no one: the same checks as a refused person's referral, then the same refusal
            sp.referral_service(service_id, source)
            raise AccessDenied(NOT_YOURS)
        sp.refer(
            user, pid, service_id, source=source, reason=form.get("reason", ""),
            what_matters=form.get("what_matters", ""), ip=client_ip(request),
        )  # fmt: skip
    except AccessDenied:
        if not by_number:  # the chosen person: the refusal page, as before
            raise
        return _page(request, sp, user, directory, FormError("nhs_number", NOT_YOURS), 403, entered=form)
    except NavigationError as exc:
        chosen = None
        if "nhs_number" not in form:  # the chosen person: shown again only after their decision
            sp.choose(user, pid, ip=client_ip(request))
            chosen = pid
        # the errors without a field (no such service, not taking referrals, one already open) are the service's
        error = exc if isinstance(exc, BadField) else FormError("service_id", _plain(exc))
        return _page(request, sp, user, directory, error, exc.http_status, chosen=chosen, entered=form)
    return RedirectResponse("/social-prescribing", status_code=303)


EQUITY_COLUMNS = (("heading", "Breakdown"), ("value", "Group"), ("referred", "People referred"),
                  ("declined", "People declined"), ("helped", "People helped"))  # fmt: skip
SEX_LABELS = {"F": "Female", "M": "Male"}


def _equity_report(request: Request, sp: SocialPrescribing, user: Principal):
    return sp.equity(user, LakePeople(request.app.state.settings.lake_dir), ip=client_ip(request))


def _sorted(rows: list[EquityRow], sort: str, order: str) -> list[EquityRow]:
    """Rows in the table's order (by breakdown), or by one count column; suppressed counts last."""
    if sort not in STAGES:
        return rows
    present = [r for r in rows if getattr(r, sort) is not None]
    present.sort(key=lambda r: getattr(r, sort), reverse=order == "desc")
    return present + [r for r in rows if getattr(r, sort) is None]


@router.get("/equity")
def equity(
    request: Request,
    sort: str = Query("", max_length=20),
    order: str = Query("desc", max_length=4),
    user: Principal = Depends(current_user),
    sp: SocialPrescribing = Depends(social_prescribing),
):
    """Who is referred, declined and helped, by group (counts of people, disclosure-controlled)."""
    report = _equity_report(request, sp, user)
    ctx = {
        "page_title": "Social prescribing: who is referred, declined and helped",
        "report": report,
        "rows": _sorted(report.rows, sort, order),
        "sort": sort if sort in STAGES else "",
        "order": "asc" if order == "asc" else "desc",
        "stages": STAGES,
        "families": FAMILIES,
        "sex_labels": SEX_LABELS,
    }
    return render(request, "navigation/sp_equity.html", ctx)


@router.get("/equity.csv")
def equity_csv(
    request: Request,
    user: Principal = Depends(current_user),
    sp: SocialPrescribing = Depends(social_prescribing),
):
    """The equity table as CSV: the same disclosure-controlled counts as the page."""
    report = _equity_report(request, sp, user)
    rows = [{**r.__dict__, "value": SEX_LABELS.get(r.value, r.value) if r.family == "sex" else r.value}
            for r in report.rows]  # fmt: skip
    return csv_response("social-prescribing-equity", EQUITY_COLUMNS, rows, report.as_of.date().isoformat())


def _referral_page(
    request: Request,
    sp: SocialPrescribing,
    user: Principal,
    directory: PatientDirectory,
    referral_id: int,
    *,
    errors: list[FormError] | None = None,
    entered: dict[str, str] | None = None,
    status: int = 200,
):
    try:
        view = sp.referral(user, referral_id, ip=client_ip(request))
    except NavigationError as exc:  # no such referral: its own status (404), not a generic 400
        raise HTTPException(exc.http_status, exc.message) from None
    pid = view.referral.patient_id  # the person passed the access decision (audited) just now
    ctx = {
        "page_title": f"Referral {referral_id}: wellbeing",
        "as_of": sp.clock(),
        "view": view,
        "person": labels(directory, [pid]).get(pid),
        "instruments": INSTRUMENTS,
        "kinds": list(Kind),
        "timepoints": Timepoint,
        "errors": errors or [],
        "entered": entered or {},
    }
    return render(request, "navigation/sp_referral.html", ctx, status_code=status)


@router.get("/{referral_id}")
def referral(
    request: Request,
    referral_id: ReferralId,
    user: Principal = Depends(_clinical),
    sp: SocialPrescribing = Depends(social_prescribing),
    directory: PatientDirectory = Depends(people),
):
    return _referral_page(request, sp, user, directory, referral_id)


@router.post("/{referral_id}/wellbeing")
async def wellbeing(
    request: Request,
    referral_id: ReferralId,
    user: Principal = Depends(_clinical),
    sp: SocialPrescribing = Depends(social_prescribing),
    directory: PatientDirectory = Depends(people),
):
    """Record one ONS4 or SWEMWBS questionnaire; wrong answers re-show the form with every error."""
    form = await _form(request)
    kind = form.get("kind", "")
    if not check_csrf(request, form.get("csrf_token")):
        error = FormError(kind, "The form expired: reload the page and try again")
        return _referral_page(request, sp, user, directory, referral_id, errors=[error], status=400)
    entered = {f"{kind}-{k}": v for k, v in form.items()}
    try:
        sp.record_measure(user, referral_id, kind, form.get("timepoint", ""), form, ip=client_ip(request))
    except AnswersError as exc:
        errors = [FormError(f"{kind}-{e.field}", _plain(e)) for e in exc.errors]
        return _referral_page(
            request, sp, user, directory, referral_id, errors=errors, entered=entered, status=400
        )
    except NavigationError as exc:
        error = FormError(kind if kind in {k.value for k in Kind} else "main", _plain(exc))
        return _referral_page(request, sp, user, directory, referral_id, errors=[error], entered=entered,
                              status=exc.http_status)  # fmt: skip
    return RedirectResponse(f"/social-prescribing/{referral_id}#{kind}", status_code=303)


@router.post("/{referral_id}/{move}")
async def move(
    request: Request,
    referral_id: ReferralId,
    move: str,
    user: Principal = Depends(_clinical),
    sp: SocialPrescribing = Depends(social_prescribing),
    directory: PatientDirectory = Depends(people),
):
    """``accept``, ``decline`` (with a reason; "for capacity" ticked marks the service) or ``end``."""
    form = await _form(request)
    if not check_csrf(request, form.get("csrf_token")):
        return _page(
            request, sp, user, directory, BadField("csrf_token", "the form expired", "reload the page"), 400
        )
    ip = client_ip(request)
    try:
        if move == "accept":
            sp.respond(user, referral_id, accept=True, ip=ip)
        elif move == "decline":
            capacity = form.get("for_capacity") == "yes"
            sp.respond(
                user, referral_id, accept=False, reason=form.get("reason", ""), for_capacity=capacity, ip=ip
            )
        elif move == "end":
            sp.end(user, referral_id, form.get("outcome", ""), ip=ip)
        else:
            return _page(
                request,
                sp,
                user,
                directory,
                BadField("move", f"{move[:20]!r} is not a move", ["accept", "decline", "end"]),
                404,
            )
    except NavigationError as exc:
        return _page(request, sp, user, directory, exc, exc.http_status)
    return RedirectResponse("/social-prescribing", status_code=303)
