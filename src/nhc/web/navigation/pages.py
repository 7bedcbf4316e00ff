"""The navigation pages: the navigator for care navigators and clinical staff (``/navigator``), the
directory search (``/directory``) and the public "Find help near you" page (``/find-help``).

Every page works without JavaScript. The navigator is two short forms: who and why (``GET``), then
the red-flag questions for that reason (``POST`` with the CSRF token), whose answer is the
navigator's answer in plain English, logged under the signed-in user's name with channel ``web``.
The directory search is for any signed-in user; "Find help near you" needs no sign-in, asks for no
personal data and keeps nothing (a postcode district is used for distances and not stored).
Each page says when its directory information was read (the live directory, as of that moment).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request

from nhc.navigation.domain import BadField, NavigationError
from nhc.navigation.domain.request import SEXES
from nhc.navigation.listing import list_services
from nhc.navigation.places import practice_index
from nhc.navigation.search import Filters, paginate, parse_filters
from nhc.navigation.services import NavigationService
from nhc.navigation.synth import KINDS
from nhc.security.roles import Principal
from nhc.security.service import AccessDenied
from nhc.web.deps import check_csrf, current_user, render
from nhc.web.navigation.deps import navigation_service

router = APIRouter(include_in_schema=False)

SEX_LABELS = {"female": "Female", "male": "Male", "other": "Other", "unknown": "Not known"}
#: What the public page offers (no practice-only services: those take their own patients only).
_PUBLIC_NHS = {
    "pharmacy_first",
    "community_pharmacy",
    "talking_therapies",
    "urgent_treatment_centre",
    "minor_injury_unit",
    "nhs_111",
    "emergency_department",
}
PUBLIC_KINDS = tuple(k for k in KINDS if k.startswith("vcse_") or k in _PUBLIC_NHS)
PER_PAGE = 20
PUBLIC_RESULTS = 10


def _as_of(service: NavigationService) -> dt.datetime:
    return service.clock()


def _navigator_user(request: Request) -> Principal:
    """Care navigators and clinical staff: the clinical roles (clinician, team member)."""
    user = current_user(request)
    if not user.is_clinical:
        raise AccessDenied(f"Your role ({user.role_label}) cannot use the navigator.")
    return user


def _practices() -> list[dict[str, str]]:
    rows = sorted(practice_index().values(), key=lambda r: r["name"])
    return [{"code": r["practice_code"], "name": f"{r['name']} ({r['neighbourhood']})"} for r in rows]


def _form_context(service: NavigationService, values: dict[str, Any], error: BadField | None = None):
    reasons = service.reasons()
    return {
        "page_title": "Care navigator",
        "as_of": _as_of(service),
        "reasons": reasons,
        "sexes": [(s, SEX_LABELS[s]) for s in SEXES],
        "practices": _practices(),
        "values": values,
        "error": error,
        "reason": next((r for r in reasons if r["id"] == values.get("reason")), None),
    }


def _step_one(query: dict[str, str]) -> dict[str, Any]:
    """The first form's answers, checked enough to show the red-flag questions (the service checks
    everything again when the answer is asked for)."""
    values = {k: (query.get(k) or "").strip()[:40] for k in ("age", "sex", "reason", "practice_code")}
    return values


def _body(values: dict[str, Any], red_flags: list[str]) -> dict[str, Any]:
    age = values.get("age", "")
    body: dict[str, Any] = {
        "age": int(age) if age.isdigit() else age,
        "sex": values.get("sex") or None,
        "reason": values.get("reason") or None,
        "red_flags": red_flags,
    }
    if values.get("practice_code"):
        body["practice_code"] = values["practice_code"]
    return body


@router.get("/navigator")
def navigator(
    request: Request,
    user: Principal = Depends(_navigator_user),
    service: NavigationService = Depends(navigation_service),
):
    """Step 1 (age, sex, reason, practice); with a reason chosen, step 2 (its red-flag questions)."""
    values = _step_one(dict(request.query_params))
    ctx = _form_context(service, values)
    if values["reason"] and ctx["reason"] is None:
        ctx["error"] = BadField("reason", f"unknown reason {values['reason']!r}", [])
        ctx["reason"] = None
    return render(request, "navigation/navigator.html", ctx, status_code=400 if ctx["error"] else 200)


@router.post("/navigator")
async def navigator_answer(
    request: Request,
    user: Principal = Depends(_navigator_user),
    service: NavigationService = Depends(navigation_service),
):
    """The answer to the two forms, logged as asked by ``user`` through the web."""
    form = await request.form()
    values = _step_one({k: str(v) for k, v in form.items()})
    flags = [str(f)[:60] for f in form.getlist("red_flags")][:20]
    if not check_csrf(request, str(form.get("csrf_token") or "")):
        ctx = _form_context(service, values, BadField("csrf_token", "the form expired", "reload the page"))
        return render(request, "navigation/navigator.html", ctx, status_code=400)
    try:
        answer = service.navigate(_body(values, flags), asked_by=user.username, channel="web")
    except NavigationError as exc:
        error = exc if isinstance(exc, BadField) else BadField("request", str(exc), [])
        ctx = _form_context(service, values, error)
        return render(request, "navigation/navigator.html", ctx, status_code=400)
    ctx = _form_context(service, values)
    labels = {f["id"]: f["question"] for f in (ctx["reason"] or {}).get("red_flags", [])}
    disposition = service.rules.dispositions[answer["disposition"]]
    ctx.update(
        answer=answer,
        disposition=disposition,
        flags_yes=[labels.get(f, f) for f in flags],
        practice=practice_index().get(values.get("practice_code", "")),
        sex_label=SEX_LABELS.get(values.get("sex", ""), ""),
    )
    return render(request, "navigation/answer.html", ctx)


def _search(
    service: NavigationService, query: dict[str, str], kinds: tuple[str, ...] | None
) -> tuple[Filters | None, str | None, BadField | None, list]:
    kind = query.get("kind") or None
    if kind is not None and kinds is not None and kind not in kinds:
        return None, None, BadField("kind", "is not a kind of help in the list", list(kinds)), []
    try:
        filters = parse_filters({k: query.get(k) or None for k in ("search", "postcode", "day")})
    except BadField as exc:
        return None, kind, exc, []
    now = service.clock()
    found = list_services(service.directory(), filters, now, service.rules.calendar, kind)
    if kinds is not None:
        found = [x for x in found if x.service.kind in kinds]
    return filters, kind, None, found


def _query(request: Request) -> dict[str, str]:
    return {k: v.strip()[:60] for k, v in request.query_params.items()}


@router.get("/directory")
def directory(
    request: Request,
    user: Principal = Depends(current_user),
    service: NavigationService = Depends(navigation_service),
):
    """Directory search for staff: words, kind, postcode; distance and today's opening times."""
    query = _query(request)
    _, kind, error, found = _search(service, query, None)
    page_number = int(query["page"]) if query.get("page", "").isdigit() and int(query["page"]) > 0 else 1
    page = paginate(found, min(page_number, max(1, -(-len(found) // PER_PAGE))), PER_PAGE)
    ctx = {
        "page_title": "Search the directory",
        "as_of": _as_of(service),
        "kinds": KINDS,
        "query": query,
        "kind": kind,
        "error": error,
        "page": page,
        "searched": bool(query),
    }
    return render(request, "navigation/directory.html", ctx, status_code=400 if error else 200)


@router.get("/find-help")
def find_help(request: Request, service: NavigationService = Depends(navigation_service)):
    """The public page: no sign-in, no personal data, nothing stored."""
    query = {k: v for k, v in _query(request).items() if k in ("postcode", "kind")}
    filters, kind, error, found = _search(service, query, PUBLIC_KINDS)
    if not query.get("kind") and not error:
        found = []  # ask what kind of help first: a list of everything helps no one
    ctx = {
        "page_title": "Find help near you",
        "as_of": _as_of(service),
        "kinds": {k: KINDS[k] for k in PUBLIC_KINDS},
        "query": query,
        "kind": kind,
        "error": error,
        "results": found[:PUBLIC_RESULTS],
        "located": bool(filters and filters.place and filters.place.located),
        "searched": bool(query.get("kind")),
    }
    return render(request, "navigation/find_help.html", ctx, status_code=400 if error else 200)
