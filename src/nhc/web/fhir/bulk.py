"""Bulk Data ``$export`` over HTTP (FHIR Bulk Data Access 2.0): kick-off, status polling, files.

* ``GET /fhir/$export``, ``GET /fhir/Patient/$export``, ``GET /fhir/Group/{id}/$export`` with
  ``Prefer: respond-async`` → 202 and ``Content-Location`` (the status URL); ``_type`` (comma
  separated), ``_since`` (an instant with its time zone), ``_outputFormat`` (NDJSON only).
* ``GET /fhir/$export-status/{job}`` → 202 with ``Retry-After`` and ``X-Progress`` while running;
  200 with the manifest when done; ``DELETE`` cancels and removes it.
* ``GET /fhir/$export-file/{job}/{file}`` → the NDJSON file (``application/fhir+ndjson``).

Who may export, and whom, is :class:`~nhc.fhir.server.FhirServer`'s and the user's (a
``system/*.read`` token); here parameters are only parsed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import quote

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from nhc.fhir.server import FhirError, FhirServer, User
from nhc.fhir.server.bulk import NDJSON
from nhc.web.fhir.deps import CurrentUser, Server

OUTPUT_FORMATS = ("application/fhir+ndjson", "application/ndjson", "ndjson")
RETRY_AFTER_SECONDS = 2


def _since(values: list[str]) -> dt.datetime | None:
    if not values:
        return None
    try:
        when = dt.datetime.fromisoformat(values[-1])
    except ValueError:
        raise FhirError(
            400, "invalid", f"_since must be an instant like 2024-01-01T00:00:00Z, not {values[-1][:40]!r}"
        ) from None
    if when.tzinfo is None:
        raise FhirError(400, "invalid", "_since needs a time zone (e.g. Z)")
    return when


def _kick_off(request: Request, server: FhirServer, user: User, group: str | None, base: str) -> Response:
    if "respond-async" not in request.headers.get("prefer", ""):
        raise FhirError(400, "invalid", "bulk export runs asynchronously: send Prefer: respond-async")
    params = request.query_params
    unknown = sorted(set(params) - {"_type", "_since", "_outputFormat"})
    if unknown:
        raise FhirError(400, "not-supported", f"unsupported $export parameter(s): {', '.join(unknown)[:200]}")
    if any(f not in OUTPUT_FORMATS for f in params.getlist("_outputFormat")):
        raise FhirError(400, "not-supported", "_outputFormat: only application/fhir+ndjson is written")
    types = [t.strip() for v in params.getlist("_type") for t in v.split(",") if t.strip()] or None
    url = str(request.url)
    job = server.export(user, group, types, _since(params.getlist("_since")), url)
    return Response(status_code=202, headers={"Content-Location": f"{base}/$export-status/{job.id}"})


def add_bulk_routes(router: APIRouter, base_url: Callable[[Request], str]) -> None:
    """Add the bulk routes to the FHIR ``router`` (before its generic ``/{type}/{id}`` routes)."""

    @router.get("/$export")
    def export_system(request: Request, server: Server, user: CurrentUser) -> Response:
        return _kick_off(request, server, user, None, base_url(request))

    @router.get("/Patient/$export")
    def export_patients(request: Request, server: Server, user: CurrentUser) -> Response:
        return _kick_off(request, server, user, None, base_url(request))

    @router.get("/Group/{gid}/$export")
    def export_group(gid: str, request: Request, server: Server, user: CurrentUser) -> Response:
        return _kick_off(request, server, user, gid, base_url(request))

    @router.get("/$export-status/{job_id}")
    def export_status(job_id: str, request: Request, server: Server, user: CurrentUser) -> Response:
        job = server.export_job(user, job_id)
        if job.status == "running":
            headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "X-Progress": job.progress}
            return Response(status_code=202, headers=headers)
        if job.status == "failed":
            raise FhirError(500, "exception", f"the export failed: {job.error}")
        base = base_url(request)
        manifest = job.manifest(lambda j, f: f"{base}/$export-file/{quote(j)}/{quote(f)}")
        expires = dt.datetime.fromtimestamp(job.expires_at, dt.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
        return Response(orjson.dumps(manifest), media_type="application/json", headers={"Expires": expires})

    @router.delete("/$export-status/{job_id}")
    def export_cancel(job_id: str, server: Server, user: CurrentUser) -> Response:
        server.export_delete(user, job_id)
        return Response(status_code=202)

    @router.get("/$export-file/{job_id}/{name}")
    def export_file(job_id: str, name: str, server: Server, user: CurrentUser) -> Response:
        return FileResponse(server.export_file(user, job_id, name), media_type=NDJSON)
