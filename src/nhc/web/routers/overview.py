"""County overview: need bands (the segmentation slide), drill-down to the 11 PNGs, breakdowns,
and how the population compares with Oxfordshire's published figures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, Request

from nhc.insights.comparison import comparison
from nhc.insights.service import DIMENSIONS
from nhc.security.roles import Principal
from nhc.vocab import BANDS
from nhc.web.deps import current_user, insights, render_cached
from nhc.web.tables import Col, Table, by, position, request_key, table

router = APIRouter(include_in_schema=False)


def band_rows(overview: dict[str, Any], county: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The need bands of an overview, each with the county's share beside it when given."""
    return [
        {**b, "county_share": county["bands"][i]["share"] if county else None}
        for i, b in enumerate(overview["bands"])
    ]


def band_table(query: Mapping[str, str], rows: list[dict[str, Any]], path: str, keep: dict) -> Table:
    """The need-band table (sorted as asked; it is three rows long, so never paginated)."""
    cols = [Col("band", position(rows)), Col("people", by("count")), Col("share", by("share"))]
    cols.append(Col("county_share", by("county_share")))
    return table(query, rows, cols, path=path, name="bands", keep=keep)


def breakdown_table(query: Mapping[str, str], breakdown: dict[str, Any], path: str, keep: dict) -> Table:
    """The breakdown by a dimension and need band: sortable by any column, 25 rows a page."""
    rows = breakdown["rows"]
    cols = [Col("label", position(rows)), *(Col(c, by(c)) for c in ("total", "low", "moderate", "high"))]
    return table(query, rows, cols, path=path, keep=keep, paginate=True, anchor="breakdown")


@router.get("/")
def overview(request: Request, dimension: str = "age_band", user: Principal = Depends(current_user)):
    svc = insights(request)
    breakdown = svc.breakdown(dimension, ())  # validates before anything is cached
    query = request.query_params
    keep = {"dimension": dimension}

    def context() -> dict[str, Any]:
        ov = svc.overview(())
        return {
            "overview": ov,
            "bands": band_table(query, band_rows(ov), "/", keep),
            "breakdown": breakdown,
            "table": breakdown_table(query, breakdown, "/", keep),
            "dimensions": DIMENSIONS,
            "dimension": dimension,
            "page_title": "Population overview",
        }

    return render_cached(request, "overview.html", (dimension, *request_key(query)), context)


@router.get("/compare")
def compare(request: Request, user: Principal = Depends(current_user)):
    """The population's need bands and pyramid beside Oxfordshire's published figures."""
    svc = insights(request)
    query = request.query_params

    def context() -> dict[str, Any]:
        found = comparison(svc.overview(()), svc.pyramid())
        return {
            **found,
            "band_table": table(
                query,
                found["bands"],
                [Col("band", position(found["bands"]))]
                + [Col(c, by(c)) for c in ("count", "share", "oxford_count", "oxford_share", "scaled")],
                path="/compare",
                name="bands",
            ),
            "pyramid_table": table(
                query,
                found["pyramid"],
                [Col("tier", by("tier"))]
                + [Col(c, by(c)) for c in ("count", "per_40000", "model_per_40000", "share")],
                path="/compare",
                name="pyramid",
            ),
            "page_title": "How the population compares with Oxfordshire",
        }

    return render_cached(request, "compare.html", request_key(query), context)


@router.get("/pngs")
def pngs(request: Request, user: Principal = Depends(current_user)):
    svc = insights(request)
    query = request.query_params

    def context() -> dict[str, Any]:
        ov = svc.overview(())
        rows = ov["pngs"]
        band = Col("band", lambda r: BANDS.index(r["band"]))  # lower, moderate, higher
        cols = [Col("group", position(rows)), band, Col("people", by("count"))]
        return {
            "overview": ov,
            "table": table(query, rows, [*cols, Col("share", by("share"))], path="/pngs"),
            "page_title": "Patient Need Groups",
        }

    return render_cached(request, "pngs.html", request_key(query), context)


@router.get("/pngs/{png}")
def png_detail(
    request: Request, png: str, dimension: str = "age_band", user: Principal = Depends(current_user)
):
    svc = insights(request)
    number = svc.check_png(png)
    filters = (("png", number),)
    breakdown = svc.breakdown(dimension, filters)
    query = request.query_params
    return render_cached(
        request,
        "png.html",
        (number, dimension, *request_key(query)),
        lambda: {
            "png": number,
            "meta": svc.png_names()[number],
            "overview": svc.overview(filters),
            "county": svc.overview(()),
            "breakdown": breakdown,
            "table": breakdown_table(query, breakdown, f"/pngs/{number}", {"dimension": dimension}),
            "dimensions": DIMENSIONS,
            "dimension": dimension,
            "page_title": f"PNG {number} {svc.png_names()[number]['name']}",
        },
    )
