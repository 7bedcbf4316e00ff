"""Social prescribing pages (``/social-prescribing``): refer a person to a directory service, the
link worker's caseload and provider inbox (accept or decline), end support, and the referrer's
notices; one referral's page (``/social-prescribing/{id}``) with its wellbeing measures (ONS4 and
SWEMWBS at baseline and follow-up, forms that work without JavaScript, the change shown). Clinical
roles only; every person on a page has passed the access decision (audited).

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

from nhc.identifiers import MAX_RECORD_ID
from nhc.navigation.domain import BadField, NavigationError
from nhc.navigation.domain.wellbeing import INSTRUMENTS, AnswersError, Kind, Timepoint
from nhc.navigation.services.equity import FAMILIES, STAGES, EquityRow, LakePeople
from nhc.navigation.services.social_prescribing import SP_KINDS, SocialPrescribing
from nhc.security.roles import Principal
from nhc.security.service import AccessDenied
from nhc.web.deps import check_csrf, client_ip, current_user, render
from nhc.web.routers.downloads import csv_response

router = APIRouter(prefix="/social-prescribing", include_in_schema=False)
#: A referral id as the database holds it (a 32-bit key): larger numbers are refused before a query.
ReferralId = Annotated[int, Path(ge=1, le=MAX_RECORD_ID)]
TEXT = 2000


def social_prescribing(request: Request) -> SocialPrescribing:
    return request.app.state.social_prescribing


def _clinical(request: Request) -> Principal:
    user = current_user(request)
    if not user.is_clinical:
        raise AccessDenied(f"Your role ({user.role_label}) cannot see social prescribing referrals.")
    return user


def _page(
    request: Request, sp: SocialPrescribing, user: Principal, error: BadField | None = None, status: int = 200
):
    sp.run_clock()
    services = sorted(
        (
            s
            for s in sp.navigation.directory().services.values()
            if s.kind in SP_KINDS or s.kind.startswith("vcse_")
        ),
        key=lambda s: s.name,
    )
    ctx = {
        "page_title": "Social prescribing",
        "as_of": sp.clock(),
        "caseload": sp.caseload(user, ip=client_ip(request)),
        "notices": sp.notices(user)[:20],
        "services": services,
        "error": error,
    }
    return render(request, "navigation/social_prescribing.html", ctx, status_code=status)


@router.get("")
def caseload(
    request: Request,
    user: Principal = Depends(_clinical),
    sp: SocialPrescribing = Depends(social_prescribing),
):
    return _page(request, sp, user)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(v)[:TEXT] for k, v in form.items()}


def _plain(exc: NavigationError) -> str:
    """The error in a sentence: its message without the field name, and what is allowed."""
    text = exc.message.split(": ", 1)[-1] if isinstance(exc, BadField) else exc.message
    text = text[:1].upper() + text[1:]
    return f"{text} ({exc.allowed})" if isinstance(exc, BadField) and exc.allowed else text


def _error(exc: NavigationError) -> BadField:
    return exc if isinstance(exc, BadField) else BadField("request", str(exc), [])


@router.post("/refer")
async def refer(
    request: Request,
    user: Principal = Depends(_clinical),
    sp: SocialPrescribing = Depends(social_prescribing),
):
    form = await _form(request)
    if not check_csrf(request, form.get("csrf_token")):
        return _page(request, sp, user, BadField("csrf_token", "the form expired", "reload the page"), 400)
    patient = form.get("patient_id", "").strip()
    if not patient.isdigit():
        return _page(request, sp, user, BadField("patient_id", "is not a patient id", "a whole number"), 400)
    try:
        sp.refer(
            user, int(patient), form.get("service_id", ""), source=form.get("source", ""),
            reason=form.get("reason", ""), what_matters=form.get("what_matters", ""), ip=client_ip(request),
        )  # fmt: skip
    except NavigationError as exc:
        return _page(request, sp, user, _error(exc), exc.http_status)
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


@dataclass(frozen=True)
class FormError:
    """One line of a form's error summary: the field it links to and what to do."""

    field: str
    text: str


def _referral_page(
    request: Request,
    sp: SocialPrescribing,
    user: Principal,
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
    ctx = {
        "page_title": f"Referral {referral_id}: wellbeing",
        "as_of": sp.clock(),
        "view": view,
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
):
    return _referral_page(request, sp, user, referral_id)


@router.post("/{referral_id}/wellbeing")
async def wellbeing(
    request: Request,
    referral_id: ReferralId,
    user: Principal = Depends(_clinical),
    sp: SocialPrescribing = Depends(social_prescribing),
):
    """Record one ONS4 or SWEMWBS questionnaire; wrong answers re-show the form with every error."""
    form = await _form(request)
    kind = form.get("kind", "")
    if not check_csrf(request, form.get("csrf_token")):
        error = FormError(kind, "The form expired: reload the page and try again")
        return _referral_page(request, sp, user, referral_id, errors=[error], status=400)
    entered = {f"{kind}-{k}": v for k, v in form.items()}
    try:
        sp.record_measure(user, referral_id, kind, form.get("timepoint", ""), form, ip=client_ip(request))
    except AnswersError as exc:
        errors = [FormError(f"{kind}-{e.field}", _plain(e)) for e in exc.errors]
        return _referral_page(request, sp, user, referral_id, errors=errors, entered=entered, status=400)
    except NavigationError as exc:
        error = FormError(kind if kind in {k.value for k in Kind} else "main", _plain(exc))
        return _referral_page(request, sp, user, referral_id, errors=[error], entered=entered,
                              status=exc.http_status)  # fmt: skip
    return RedirectResponse(f"/social-prescribing/{referral_id}#{kind}", status_code=303)


@router.post("/{referral_id}/{move}")
async def move(
    request: Request,
    referral_id: ReferralId,
    move: str,
    user: Principal = Depends(_clinical),
    sp: SocialPrescribing = Depends(social_prescribing),
):
    """``accept``, ``decline`` (with a reason; "for capacity" ticked marks the service) or ``end``."""
    form = await _form(request)
    if not check_csrf(request, form.get("csrf_token")):
        return _page(request, sp, user, BadField("csrf_token", "the form expired", "reload the page"), 400)
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
                BadField("move", f"{move[:20]!r} is not a move", ["accept", "decline", "end"]),
                404,
            )
    except NavigationError as exc:
        return _page(request, sp, user, _error(exc), exc.http_status)
    return RedirectResponse("/social-prescribing", status_code=303)
