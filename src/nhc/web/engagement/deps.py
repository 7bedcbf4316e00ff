"""Where the engagement routers get their service and the public form's rate limiter from: the
composition root (``app.state.engagement``, set by :func:`nhc.web.app.create_app`). Tests may override
:func:`engagement_service` or replace ``app.state.engagement_limiter``."""

from __future__ import annotations

from fastapi import Request

from nhc.engagement.services import EngagementService
from nhc.web.engagement.rate_limit import RateLimiter

#: Five comments per address in ten minutes: plenty for a person, too few for a script.
PUBLIC_LIMIT, PUBLIC_WINDOW = 5, 600.0


def engagement_service(request: Request) -> EngagementService:
    return request.app.state.engagement


def public_limiter(request: Request) -> RateLimiter:
    state = request.app.state
    if getattr(state, "engagement_limiter", None) is None:
        state.engagement_limiter = RateLimiter(PUBLIC_LIMIT, PUBLIC_WINDOW)
    return state.engagement_limiter
