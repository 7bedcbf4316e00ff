"""Neighbourhood profiles compared with the county."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from nhc.security.roles import Principal
from nhc.web.deps import current_user, insights, render_cached

router = APIRouter(include_in_schema=False)


@router.get("/neighbourhoods")
def neighbourhoods(request: Request, user: Principal = Depends(current_user)):
    svc = insights(request)
    return render_cached(
        request,
        "neighbourhoods.html",
        (),
        lambda: {"rows": svc.neighbourhoods(), "page_title": "Neighbourhoods"},
    )


@router.get("/neighbourhoods/{name}")
def neighbourhood(request: Request, name: str, user: Principal = Depends(current_user)):
    profile = insights(request).neighbourhood_profile(name)  # 404 for unknown names, before caching
    return render_cached(
        request, "neighbourhood.html", (name,), lambda: {"p": profile, "page_title": f"{name} neighbourhood"}
    )
