"""The public "Have your say" form (``/have-your-say``): no sign-in, works without JavaScript.

What it keeps is what the consent text says: the comment with names and contact details removed (the
scrubber runs before anything is stored or shown), the neighbourhood chosen, and an age band if given.
The client address is used only to limit how many comments one place can send (in memory, for ten
minutes; never stored). The thank-you page shows the comment exactly as it was kept.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from nhc.engagement.domain import BadField, EngagementError, TooMany
from nhc.engagement.domain.feedback import MAX_TEXT
from nhc.engagement.services import EngagementService
from nhc.vocab import AGE_BANDS, WHAT_PEOPLE_VALUE
from nhc.web.deps import check_csrf, client_ip, render
from nhc.web.engagement.deps import PUBLIC_LIMIT, PUBLIC_WINDOW, engagement_service, public_limiter
from nhc.web.engagement.rate_limit import RateLimiter

router = APIRouter(include_in_schema=False)
#: The feedback item's names for what the forms call otherwise.
FORM_FIELDS = {"text": "comment"}

AGE_LABELS = {"0-17": "Under 18", "85+": "85 or over"}
FIELDS = ("neighbourhood", "comment", "age_band", "consent")


def _context(service: EngagementService, values: dict[str, str], error: EngagementError | None = None):
    return {
        "page_title": "Have your say about local health services",
        "neighbourhoods": service.neighbourhoods(),
        "age_bands": [(a, AGE_LABELS.get(a, a)) for a in AGE_BANDS],
        "values": values,
        "error": error,
        "max_text": MAX_TEXT,
    }


@router.get("/have-your-say")
def have_your_say(request: Request, service: EngagementService = Depends(engagement_service)):
    """The form (a neighbourhood may be chosen in advance with ``?neighbourhood=``)."""
    chosen = request.query_params.get("neighbourhood", "")[:200]
    values = {"neighbourhood": chosen if chosen in service.neighbourhoods() else ""}
    return render(request, "engagement/have_your_say.html", _context(service, values))


def _check(request: Request, values: dict[str, str], token: str, limiter: RateLimiter) -> None:
    if not check_csrf(request, token):
        raise BadField("comment", "the form expired: send your comment again", "")
    if values["consent"] != "yes":
        raise BadField("consent", "tick the box to say you have read what we keep", "")
    if not values["comment"].strip():
        raise BadField("comment", "write your comment", "")
    if not limiter.allow(client_ip(request)):
        minutes = int(PUBLIC_WINDOW // 60)
        raise TooMany(f"You have sent {PUBLIC_LIMIT} comments in {minutes} minutes. Try again later.")


@router.post("/have-your-say")
async def have_your_say_send(
    request: Request,
    service: EngagementService = Depends(engagement_service),
    limiter: RateLimiter = Depends(public_limiter),
):
    """Scrub, theme and keep the comment; the thank-you page shows what was kept."""
    form = await request.form()
    values: dict[str, Any] = {
        k: str(form.get(k) or "")[: MAX_TEXT + 1 if k == "comment" else 200] for k in FIELDS
    }
    try:
        _check(request, values, str(form.get("csrf_token") or ""), limiter)
        item = service.submit_public(
            values["neighbourhood"], values["comment"], age_band=values["age_band"] or None
        )
    except EngagementError as exc:
        status = exc.http_status if isinstance(exc, TooMany) else 400
        exc = exc.renamed(FORM_FIELDS) if isinstance(exc, BadField) else exc
        return render(request, "engagement/have_your_say.html", _context(service, values, exc), status)
    ctx = {
        "page_title": "Thank you for your comment",
        "item": item,
        "theme_labels": [WHAT_PEOPLE_VALUE[t] for t in item.themes],
        "age_label": AGE_LABELS.get(item.age_band or "", item.age_band),
    }
    return render(request, "engagement/thanks.html", ctx)
