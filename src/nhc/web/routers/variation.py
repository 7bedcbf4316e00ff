"""Practice variation: funnel plots with 95% and 99.8% limits, outliers listed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from nhc.security.roles import Principal
from nhc.web.deps import current_user, insights, render_cached
from nhc.web.tables import Col, by, request_key, table

router = APIRouter(include_in_schema=False)

#: Where a practice sits against the limits, lowest first (how the "Position" column sorts).
POSITIONS = ("low-99.8", "low-95", "within", "high-95", "high-99.8", "suppressed")


def point_columns(neighbourhood_of: dict[str, str]) -> list[Col]:
    return [
        Col("practice", by("label")),
        Col("neighbourhood", lambda p: neighbourhood_of.get(p.unit, "")),
        *(Col(c, by(c)) for c in ("n", "y", "value", "z")),
        Col("position", lambda p: POSITIONS.index(p.flag) if p.flag in POSITIONS else len(POSITIONS)),
    ]


@router.get("/variation")
def variation(
    request: Request, indicator: str = "emergency_admissions", user: Principal = Depends(current_user)
):
    svc = insights(request)
    v = svc.variation(indicator)  # 404 for unknown indicators, before caching
    query = request.query_params
    keep = {"indicator": indicator}

    def context() -> dict[str, Any]:
        f, cols = v["funnel"], point_columns(v["neighbourhood_of"])
        return {
            "v": v,
            "outliers": table(query, f.outliers, cols, path="/variation", name="outliers", keep=keep),
            "table": table(
                query, f.points, cols, path="/variation", keep=keep, paginate=True, anchor="practices"
            ),
            "suppressed": sum(1 for p in f.points if p.value is None),
            "indicators": svc.indicators(),
            "selected": indicator,
            "page_title": "Practice variation",
        }

    return render_cached(request, "variation.html", (indicator, *request_key(query)), context)
