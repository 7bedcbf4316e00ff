"""The Open Referral UK read API (``/openreferral``): the community asset directory, open to read
by anyone (no sign-in, no personal data) with ``Access-Control-Allow-Origin: *`` on every answer.

``/`` (API information), ``/services`` (filters ``search``, ``taxonomy_term_id``,
``minimum_age``/``maximum_age``, ``day``, ``start_time``/``end_time``, ``postcode``/``small_area``
+ ``proximity`` in metres, ``modified_after``; pagination ``page``/``per_page`` with the ORUK
metadata), ``/services/{id}`` (fully nested), ``/taxonomies``, ``/taxonomy_terms``,
``/service_at_locations`` (same filters) and ``/service_at_locations/{id}``. A bad parameter is
HTTP 400 naming it and its allowed values; an unknown id is 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from nhc.navigation import oruk
from nhc.navigation.domain import Directory, NavigationError
from nhc.navigation.search import paginate, parse_filters, search_services
from nhc.navigation.services import NavigationService
from nhc.navigation.synth import VOCABULARY
from nhc.web.navigation.api import bad_request, problem
from nhc.web.navigation.deps import navigation_service

CORS = {"Access-Control-Allow-Origin": "*"}
FILTERS = (
    "search",
    "taxonomy_term_id",
    "minimum_age",
    "maximum_age",
    "day",
    "start_time",
    "end_time",
    "postcode",
    "small_area",
    "proximity",
    "modified_after",
)


def _cors(response: Response) -> None:
    response.headers.update(CORS)


router = APIRouter(prefix="/openreferral", tags=["open referral"], dependencies=[Depends(_cors)])
Page = Query(1, ge=1, le=100_000, description="Page number, from 1")
PerPage = Query(50, ge=1, le=500, description="Results a page (1-500)")


def _error(exc: NavigationError) -> JSONResponse:
    response = bad_request(exc)
    response.headers.update(CORS)
    return response


def _not_found(what: str) -> JSONResponse:
    response = problem(404, f"there is no {what}")
    response.headers.update(CORS)
    return response


def _service_json(directory: Directory, service_id: str) -> dict[str, Any]:
    s = directory.services[service_id]
    # kept per directory: the same service is served over and over until the directory changes
    return directory.memo(
        "oruk", s.id, lambda: oruk.service_json(s, directory.organizations[s.organization_id])
    )


@router.get("/", summary="Information about this API")
def info() -> dict[str, Any]:
    return {
        "version": "3.0",
        "profile": "https://github.com/openreferral/uk-profile",
        "openapi_url": "/openapi.json",
    }


@router.get("/services", summary="Services, filtered and paginated")
def services(
    request: Request,
    page: int = Page,
    per_page: int = PerPage,
    nav: NavigationService = Depends(navigation_service),
):
    directory = nav.directory()
    try:
        found = search_services(directory, parse_filters({k: request.query_params.get(k) for k in FILTERS}))
        result = paginate(found, page, per_page)
    except NavigationError as exc:
        return _error(exc)
    body = result.as_dict()
    body["contents"] = [_service_json(directory, s.id) for s in result.contents]
    return body


@router.get("/services/{service_id}", summary="One service, fully nested")
def service(service_id: str, nav: NavigationService = Depends(navigation_service)):
    directory = nav.directory()
    if service_id not in directory.services:
        return _not_found(f"service {service_id[:64]!r}")
    return _service_json(directory, service_id)


@router.get("/taxonomies", summary="The taxonomies the directory's terms come from")
def taxonomies(
    page: int = Page, per_page: int = PerPage, nav: NavigationService = Depends(navigation_service)
):
    vocabularies = sorted({t.vocabulary for t in nav.directory().taxonomy.values()} | {VOCABULARY})
    items = [
        {"id": v, "name": v, "description": "Service kinds of the NHC navigator", "version": "1"}
        for v in vocabularies
    ]
    return paginate(items, page, per_page).as_dict()


@router.get("/taxonomy_terms", summary="Taxonomy terms, paginated")
def taxonomy_terms(
    page: int = Page, per_page: int = PerPage, nav: NavigationService = Depends(navigation_service)
):
    terms = sorted(nav.directory().taxonomy.values(), key=lambda t: (t.code, t.id))
    return paginate([oruk.term_json(t) for t in terms], page, per_page).as_dict()


def _sal_json(directory: Directory, service_id: str, sal_index: int) -> dict[str, Any]:
    s = directory.services[service_id]
    sal = s.locations[sal_index]
    return {
        "id": sal.id,
        "service": {
            k: v for k, v in _service_json(directory, service_id).items() if k != "service_at_locations"
        },
        "location": oruk.location_json(sal.location),
        "schedules": [oruk.schedule_json(x) for x in sal.schedules],
    }


@router.get("/service_at_locations", summary="Services at locations, filtered and paginated")
def service_at_locations(
    request: Request,
    page: int = Page,
    per_page: int = PerPage,
    nav: NavigationService = Depends(navigation_service),
):
    directory = nav.directory()
    try:
        found = search_services(directory, parse_filters({k: request.query_params.get(k) for k in FILTERS}))
        pairs = sorted(
            ((s.id, i, sal.id) for s in found for i, sal in enumerate(s.locations)), key=lambda p: p[2]
        )
        result = paginate(pairs, page, per_page)
    except NavigationError as exc:
        return _error(exc)
    body = result.as_dict()
    body["contents"] = [_sal_json(directory, sid, i) for sid, i, _ in result.contents]
    return body


@router.get("/service_at_locations/{sal_id}", summary="One service at a location, fully nested")
def service_at_location(sal_id: str, nav: NavigationService = Depends(navigation_service)):
    directory = nav.directory()
    for s in directory.services.values():
        for i, sal in enumerate(s.locations):
            if sal.id == sal_id:
                return _sal_json(directory, s.id, i)
    return _not_found(f"service_at_location {sal_id[:64]!r}")
