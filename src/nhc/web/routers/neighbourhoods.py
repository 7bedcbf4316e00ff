"""Neighbourhood profiles compared with the county."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from nhc.security.roles import Principal
from nhc.web.deps import current_user, insights, render_cached
from nhc.web.routers.overview import band_rows, band_table
from nhc.web.tables import Col, by, position, request_key, table

router = APIRouter(include_in_schema=False)


@router.get("/neighbourhoods")
def neighbourhoods(request: Request, user: Principal = Depends(current_user)):
    svc = insights(request)
    query = request.query_params

    def context() -> dict[str, Any]:
        rows = svc.neighbourhoods()
        keys = ("name", "locality", "practices", "population", "high", "high_share")
        cols = [Col(k, by(k)) for k in keys]
        return {"table": table(query, rows, cols, path="/neighbourhoods"), "page_title": "Neighbourhoods"}

    return render_cached(request, "neighbourhoods.html", request_key(query), context)


def profile_tables(query: Any, p: dict[str, Any]) -> dict[str, Any]:
    """The profile's five tables, each sortable on its own (``sort=<table>.<column>``)."""
    path = f"/neighbourhoods/{p['name']}"

    def make(name: str, rows: list, first: str, *fields: str) -> Any:
        # categories (registers, eFI, quintiles) sort in their own order, practices by name
        cols = [
            Col(first, by("name") if first == "practice" else position(rows)),
            *(Col(f, by(f)) for f in fields),
        ]
        return table(query, rows, cols, path=path, name=name, anchor=name)

    return {
        "bands": band_table(query, band_rows(p["overview"], p["county"]), path, {}),
        "registers": make("registers", p["registers"], "register", "count", "share", "county_share"),
        "frailty": make("frailty", p["frailty"], "category", "count", "share", "county_share"),
        "imd": make(
            "imd",
            p["imd"],
            "quintile",
            "population",
            "population_share",
            "high_share",
            "county_high_share",
            "admissions_per_1000",
            "county_admissions_per_1000",
        ),
        "practices": make(
            "practices",
            p["practices"],
            "practice",
            "population",
            "aged_65_plus",
            "high_share",
            "admissions_per_1000",
        ),
    }


@router.get("/neighbourhoods/{name}")
def neighbourhood(request: Request, name: str, user: Principal = Depends(current_user)):
    profile = insights(request).neighbourhood_profile(name)  # 404 for unknown names, before caching
    query = request.query_params
    return render_cached(
        request,
        "neighbourhood.html",
        (name, *request_key(query)),
        lambda: {"p": profile, "t": profile_tables(query, profile), "page_title": f"{name} neighbourhood"},
    )
