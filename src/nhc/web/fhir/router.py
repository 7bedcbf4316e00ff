"""The FHIR R4 REST API over HTTP: a FastAPI ``APIRouter`` mounted at ``/fhir`` that only
translates — parameters in, a resource or Bundle out, :class:`~nhc.fhir.server.FhirError` to an
OperationOutcome. What is served, and who may see it, is :class:`nhc.fhir.server.FhirServer`'s.

Interactions: ``read`` (``GET /fhir/{type}/{id}``), ``search-type`` (``GET /fhir/{type}?...``),
``GET /fhir/Patient/{id}/$everything`` and ``GET /fhir/metadata`` (public: no user), for every type
in the server's table (lake and care). Responses are ``application/fhir+json``.

Two dependency seams: :func:`get_server` (the server over its sources) and
:func:`get_current_user` (for now the system user); the apps override both. Every route is a
:class:`FhirRoute`: a :class:`FhirError` raised anywhere, dependencies included (a missing or
refused access token is a 401 with ``WWW-Authenticate``), becomes an OperationOutcome.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from nhc.fhir.server import (
    FHIR_JSON,
    FhirError,
    operation_outcome,
    searchset,
)
from nhc.web.fhir.bulk import add_bulk_routes
from nhc.web.fhir.deps import CurrentUser, Server, get_current_user, get_server

__all__ = [
    "CurrentUser",
    "FhirRoute",
    "Server",
    "base_url",
    "build_router",
    "error_response",
    "fhir_response",
    "get_current_user",
    "get_server",
    "outcome_response",
    "router",
]


def fhir_response(body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body), media_type=FHIR_JSON)


def outcome_response(
    status: int, diagnostics: str, code: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    """An OperationOutcome response (the one builder: :func:`nhc.fhir.server.operation_outcome`)."""
    return Response(
        orjson.dumps(operation_outcome(status, diagnostics, code)),
        status_code=status,
        media_type=FHIR_JSON,
        headers=headers,
    )


def error_response(exc: FhirError) -> Response:
    return outcome_response(exc.status, exc.message, exc.code, exc.headers)


class FhirRoute(APIRoute):
    """A route whose :class:`FhirError` (from the endpoint or a dependency) is an OperationOutcome."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except FhirError as exc:
                return error_response(exc)

        return handle


def base_url(request: Request) -> str:
    """The server's base (``http://host/fhir``), as the client addressed it."""
    path = request.url.path
    i = path.find("/fhir")
    return str(request.base_url).rstrip("/") + (path[: i + 5] if i >= 0 else "")


def _page_links(
    request: Request, rtype: str, offset: int, count: int, shown: int, total: int
) -> tuple[str, str | None]:
    base = base_url(request)
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "_offset"]
    self_url = f"{base}/{rtype}?{urlencode([*kept, ('_offset', str(offset))])}"
    next_url = None
    if offset + shown < total and count > 0:
        next_url = f"{base}/{rtype}?{urlencode([*kept, ('_offset', str(offset + count))])}"
    return self_url, next_url


def build_router() -> APIRouter:
    router = APIRouter(prefix="/fhir", tags=["FHIR"], route_class=FhirRoute)
    add_bulk_routes(router, base_url)  # first: /Patient/$export is not a read

    @router.get("/metadata")
    def metadata(request: Request, server: Server) -> Response:
        return fhir_response(server.capability(base_url(request)))

    @router.get("/Patient/{pid}/$everything")
    def everything(pid: str, request: Request, server: Server, user: CurrentUser) -> Response:
        resources = server.everything(user, pid)
        return fhir_response(searchset(resources, base_url(request), total=len(resources)))

    @router.get("/{rtype}/{rid}")
    def read(rtype: str, rid: str, server: Server, user: CurrentUser) -> Response:
        return fhir_response(server.read(user, rtype, rid))

    @router.get("/{rtype}")
    def search(rtype: str, request: Request, server: Server, user: CurrentUser) -> Response:
        page = server.search_page(user, rtype, list(request.query_params.multi_items()))
        s = page.search
        self_url, next_url = _page_links(request, rtype, s.offset, s.count, len(page.resources), page.total)
        bundle = searchset(
            page.resources, base_url(request), page.total, self_url, next_url, included=page.included
        )
        return fhir_response(bundle)

    return router


router = build_router()
