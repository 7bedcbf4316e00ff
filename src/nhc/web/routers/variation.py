"""Practice variation: funnel plots with 95% and 99.8% limits, outliers listed."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from nhc.security.roles import Principal
from nhc.web.deps import current_user, insights, render_cached

router = APIRouter(include_in_schema=False)


@router.get("/variation")
def variation(
    request: Request, indicator: str = "emergency_admissions", user: Principal = Depends(current_user)
):
    svc = insights(request)
    v = svc.variation(indicator)  # 404 for unknown indicators, before caching
    return render_cached(
        request,
        "variation.html",
        (indicator,),
        lambda: {
            "v": v,
            "indicators": svc.indicators(),
            "selected": indicator,
            "page_title": "Practice variation",
        },
    )
