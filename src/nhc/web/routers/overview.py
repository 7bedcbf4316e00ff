"""County overview: need bands (the segmentation slide), drill-down to the 11 PNGs, breakdowns."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from nhc.insights.service import DIMENSIONS
from nhc.security.roles import Principal
from nhc.web.deps import current_user, insights, render_cached

router = APIRouter(include_in_schema=False)


@router.get("/")
def overview(request: Request, dimension: str = "age_band", user: Principal = Depends(current_user)):
    svc = insights(request)
    breakdown = svc.breakdown(dimension, ())  # validates before anything is cached
    return render_cached(
        request,
        "overview.html",
        (dimension,),
        lambda: {
            "overview": svc.overview(()),
            "breakdown": breakdown,
            "dimensions": DIMENSIONS,
            "dimension": dimension,
            "page_title": "Population overview",
        },
    )


@router.get("/pngs")
def pngs(request: Request, user: Principal = Depends(current_user)):
    svc = insights(request)
    return render_cached(
        request, "pngs.html", (), lambda: {"overview": svc.overview(()), "page_title": "Patient Need Groups"}
    )


@router.get("/pngs/{png}")
def png_detail(
    request: Request, png: str, dimension: str = "age_band", user: Principal = Depends(current_user)
):
    svc = insights(request)
    number = svc.check_png(png)
    filters = (("png", number),)
    breakdown = svc.breakdown(dimension, filters)
    return render_cached(
        request,
        "png.html",
        (number, dimension),
        lambda: {
            "png": number,
            "meta": svc.png_names()[number],
            "overview": svc.overview(filters),
            "county": svc.overview(()),
            "breakdown": breakdown,
            "dimensions": DIMENSIONS,
            "dimension": dimension,
            "page_title": f"PNG {number} {svc.png_names()[number]['name']}",
        },
    )
