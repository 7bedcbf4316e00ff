"""The JSON API behind the pages (``/api``), described at ``/openapi.json``; same permission checks.

Errors are RFC 9457 problem documents (``application/problem+json``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request

from nhc.identifiers import MAX_ID, parse_patient_id
from nhc.insights.service import DIMENSIONS, NotFound
from nhc.security.roles import Principal
from nhc.web.access import patient_access
from nhc.web.deps import admin_user, client_ip, current_user, insights, json_cached

router = APIRouter(prefix="/api", tags=["api"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed parameter (problem+json)"},
    401: {"description": "Not signed in"},
    403: {"description": "Role or relationship does not allow this"},
    404: {"description": "Unknown id"},
}


@router.get("/me", responses=ERRORS, summary="The signed-in user")
def me(user: Principal = Depends(current_user)) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "neighbourhoods": sorted(user.neighbourhoods),
    }


@router.get("/overview", responses=ERRORS, summary="People by need band and Patient Need Group (controlled)")
def overview(request: Request, user: Principal = Depends(current_user)):
    return json_cached(request, ("overview",), lambda: insights(request).overview(()))


@router.get(
    "/breakdown/{dimension}", responses=ERRORS, summary="People by a dimension and need band (controlled)"
)
def breakdown(
    request: Request,
    dimension: str = Path(..., description=f"One of: {', '.join(DIMENSIONS)}"),
    png: int | None = Query(None, ge=1, le=11),
    neighbourhood: str | None = Query(None, max_length=200),
    locality: str | None = Query(None, max_length=200),
    user: Principal = Depends(current_user),
):
    filters = tuple(
        (k, v)
        for k, v in (("png", png), ("neighbourhood", neighbourhood), ("locality", locality))
        if v is not None
    )
    result = insights(request).breakdown(dimension, filters)
    return json_cached(request, ("breakdown", dimension, filters), lambda: result)


@router.get("/neighbourhoods", responses=ERRORS, summary="Neighbourhoods with population and higher need")
def neighbourhoods(request: Request, user: Principal = Depends(current_user)):
    return json_cached(request, ("neighbourhoods",), lambda: insights(request).neighbourhoods())


@router.get(
    "/pyramid",
    responses=ERRORS,
    summary="People in each tier of the neighbourhood pyramid, county-wide (controlled)",
)
def pyramid(request: Request, user: Principal = Depends(current_user)):
    return json_cached(request, ("pyramid",), lambda: insights(request).pyramid())


@router.get(
    "/neighbourhoods/{name}", responses=ERRORS, summary="A neighbourhood profile compared with the county"
)
def neighbourhood(
    request: Request, name: str = Path(..., max_length=200), user: Principal = Depends(current_user)
):
    profile = insights(request).neighbourhood_profile(name)
    return json_cached(request, ("neighbourhood", name), lambda: profile)


@router.get("/variation/{indicator}", responses=ERRORS, summary="Practice funnel plot data for an indicator")
def variation(
    request: Request, indicator: str = Path(..., max_length=64), user: Principal = Depends(current_user)
):
    v = insights(request).variation(indicator)
    return json_cached(request, ("variation", indicator), lambda: _variation_json(v))


def _variation_json(v: dict[str, Any]) -> dict[str, Any]:
    f = v["funnel"]
    return {
        "indicator": dataclasses.asdict(v["indicator"]),
        "as_of": v["as_of"],
        "target": f.target,
        "phi": f.phi,
        "tau2": f.tau2,
        "overdispersed": f.overdispersed,
        "practices": [
            dataclasses.asdict(p) | {"neighbourhood": v["neighbourhood_of"].get(p.unit)} for p in f.points
        ],
        "limits": [
            dict(zip(("n", "lower95", "upper95", "lower998", "upper998"), lim, strict=True))
            for lim in f.limits
        ],
    }


@router.get(
    "/worklists", responses=ERRORS, summary="People on each worklist by neighbourhood (controlled counts)"
)
def worklists(request: Request, user: Principal = Depends(current_user)):
    svc = insights(request)
    return json_cached(
        request,
        ("worklists",),
        lambda: {"definitions": svc.worklist_definitions(), "neighbourhoods": svc.worklist_counts()},
    )


@router.get(
    "/worklists/{neighbourhood}",
    responses=ERRORS,
    summary="PERSON-LEVEL: a neighbourhood's worklist (clinical roles of that neighbourhood; audited)",
)
def worklist(
    request: Request,
    neighbourhood: str = Path(..., max_length=200),
    worklist: str | None = Query(None, max_length=64),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_ID),
    user: Principal = Depends(current_user),
):
    svc, sec = insights(request), request.app.state.security
    svc.check_neighbourhood(neighbourhood)
    svc.check_worklist(worklist)
    rows, total = (
        svc.worklist_page(neighbourhood, worklist, limit, offset)
        if sec.can_view_neighbourhood_people(user, neighbourhood)
        else ([], 0)
    )
    sec.audit_list_view(
        user,
        neighbourhood,
        f"api:worklist:{neighbourhood}:{worklist or 'all'}:offset{offset}",
        client_ip(request),
        len(rows),
    )
    return {
        "neighbourhood": neighbourhood,
        "worklist": worklist,
        "total": total,
        "offset": offset,
        "rows": rows,
    }


@router.get(
    "/patients/{patient_id}",
    responses=ERRORS,
    summary="PERSON-LEVEL: what the analytics say about one person, with evidence (audited)",
)
def patient(
    request: Request,
    patient_id: str = Path(..., description="The patient id (a whole number)", max_length=40),
    user: Principal = Depends(current_user),
):
    pid = parse_patient_id(patient_id)
    svc = insights(request)
    decision = patient_access(request).authorise(  # the one decision, on the id that will be read
        user, frozenset({pid}), action="view_patient", resource=f"api:patient:{pid}", ip=client_ip(request)
    )[pid]
    if svc.patient_neighbourhood(pid) is None:
        raise NotFound(f"there is no person with id {pid}")
    return {**svc.patient(pid), "access_basis": decision.basis}


@router.get("/audit", responses=ERRORS, summary="The audit log, newest first (administrators)")
def audit(
    request: Request,
    username: str | None = Query(None, max_length=150),
    patient_id: int | None = Query(None, ge=0, le=MAX_ID),
    action: str | None = Query(None, max_length=64),
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_ID),
    user: Principal = Depends(admin_user),
):
    events, total = request.app.state.security.audit_events(
        user, username=username, patient_id=patient_id, action=action, limit=limit, offset=offset
    )
    return {"total": total, "events": [dataclasses.asdict(e) for e in events]}
