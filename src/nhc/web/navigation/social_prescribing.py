"""Social prescribing pages (``/social-prescribing``): refer a person to a directory service, the
link worker's caseload and provider inbox (accept or decline), end support, and the referrer's
notices. Clinical roles only; every person on a page has passed the access decision (audited).

The service is built once from the composition root's parts (``app.state.navigation`` and
``app.state.services.patient_access``) and kept as ``app.state.social_prescribing``. The 14-day
clock runs whenever the caseload is shown, so an unanswered referral is declined, and its referrer
told, no later than the next time anyone looks (a scheduled ``run_clock`` can do it sooner).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from nhc.navigation.domain import BadField, NavigationError
from nhc.navigation.services.social_prescribing import SP_KINDS, SocialPrescribing
from nhc.security.roles import Principal
from nhc.security.service import AccessDenied
from nhc.web.deps import check_csrf, client_ip, current_user, render

router = APIRouter(prefix="/social-prescribing", include_in_schema=False)
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


@router.post("/{referral_id}/{move}")
async def move(
    request: Request,
    referral_id: int,
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
