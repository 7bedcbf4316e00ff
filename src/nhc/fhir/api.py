"""The FHIR R4 REST API over the lake: a FastAPI ``APIRouter`` mounted at ``/fhir``.

Interactions: ``read`` (``GET /fhir/{type}/{id}``), ``search-type`` (``GET /fhir/{type}?...``) with
``patient`` / ``subject``, ``code`` (``system|code``), ``date`` (``ge``/``le``/``gt``/``lt``/``eq``
prefixes), ``identifier`` (Patient, NHS number), ``_id``, ``_count`` and paging (``next`` links),
``GET /fhir/Patient/{id}/$everything`` and ``GET /fhir/metadata``. Responses are
``application/fhir+json``; errors are OperationOutcomes (400 bad parameters, 404 unknown ids).

The router holds no app-level concerns: it needs a :class:`LakeReader` (``get_reader``) and a user
(``get_current_user``, for now a system user) through dependencies, which the main web app
overrides to plug in sign-in, roles and audit.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from nhc.fhir import FHIR_VERSION
from nhc.fhir import queries as q
from nhc.fhir.search import (
    NOT_PERSON_LEVEL,
    SEARCHABLE,
    FhirError,
    parse_search,
    patient_of_read,
    read_resource,
    resolve_scope,
    search_resources,
)
from nhc.identifiers import InvalidIdentifier, parse_patient_id

FHIR_JSON = "application/fhir+json"


#: Decides whether the requester may read the given patients (``None``: a population-wide query,
#: an empty set: the query resolves to no one). Raises to refuse; audits whatever the outcome.
PatientGuard = Callable[[frozenset[int] | None], None]


@dataclass(frozen=True)
class User:
    """Who is asking, and the access decision for them (the web app plugs in its own).

    The router calls :meth:`authorise` with the patient ids a request *resolves to* (after parsing,
    before reading anything), and restricts the query to those ids: the decision is never made on
    raw parameters. Without a guard (the bare router, the system user) every read is allowed."""

    username: str
    roles: tuple[str, ...] = ()
    guard: PatientGuard | None = None

    def authorise(self, patient_ids: frozenset[int] | None) -> None:
        if self.guard is not None:
            self.guard(patient_ids)


def get_current_user() -> User:
    """Dependency seam for sign-in, roles and audit (overridden by the main web app)."""
    return User("system", ("system",))


class LakeReader:
    """DuckDB over the lake: one connection, a cursor per request.

    The patient-keyed tables are held in DuckDB sorted by patient (see :func:`nhc.fhir.queries.open_lake`);
    when the lake's files change (an ingest swapped them) the next request reloads them.
    """

    RECHECK_SECONDS = 2.0

    def __init__(self, lake_dir: Path | str, *, in_memory: bool = True) -> None:
        self.lake_dir = Path(lake_dir)
        self.in_memory = in_memory
        self._lock = threading.Lock()
        self._signature = q.lake_signature(self.lake_dir)
        self._con = q.open_lake(self.lake_dir, in_memory=in_memory)
        self._checked = time.monotonic()

    def _fresh_connection(self) -> Any:
        now = time.monotonic()
        if now - self._checked > self.RECHECK_SECONDS:
            self._checked = now
            signature = q.lake_signature(self.lake_dir)
            if signature != self._signature:
                old, self._con = self._con, q.open_lake(self.lake_dir, in_memory=self.in_memory)
                self._signature = signature
                old.close()
        return self._con

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        with self._lock:
            cur = self._fresh_connection().cursor()
        try:
            return cur.execute(sql, params or []).fetch_arrow_table().to_pylist()
        finally:
            cur.close()

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        """A DuckDB cursor of its own, for streaming queries (closed on exit)."""
        with self._lock:
            cur = self._fresh_connection().cursor()
        try:
            yield cur
        finally:
            cur.close()

    def close(self) -> None:
        self._con.close()


def get_reader() -> LakeReader:  # pragma: no cover - always overridden by the app
    raise RuntimeError("get_reader must be overridden with the app's LakeReader")


def outcome(status: int, code: str, message: str) -> Response:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error" if status < 500 else "fatal", "code": code, "diagnostics": message}],
    }
    return Response(orjson.dumps(body), status_code=status, media_type=FHIR_JSON)


def fhir_response(body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body), media_type=FHIR_JSON)


def bundle(
    resources: list[dict],
    base: str,
    total: int | None = None,
    self_url: str | None = None,
    next_url: str | None = None,
) -> dict:
    links = []
    if self_url:
        links.append({"relation": "self", "url": self_url})
    if next_url:
        links.append({"relation": "next", "url": next_url})
    out: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset"}
    if total is not None:
        out["total"] = total
    if links:
        out["link"] = links
    out["entry"] = [
        {"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": "match"}}
        for r in resources
    ]
    return out


def capability_statement(base: str) -> dict:
    def params(rtype: str) -> list[dict]:
        if rtype == "Patient":
            return [{"name": "identifier", "type": "token"}, {"name": "_id", "type": "token"}]
        if rtype == "Organization":
            return [{"name": "_id", "type": "token"}]
        out = [{"name": "patient", "type": "reference"}, {"name": "_id", "type": "token"}]
        if rtype != "EpisodeOfCare":
            out.append({"name": "code", "type": "token"})
        out.append({"name": "date", "type": "date"})
        return out

    resources = []
    for rtype in SEARCHABLE:
        entry: dict[str, Any] = {
            "type": rtype,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": params(rtype),
        }
        if rtype == "Patient":
            entry["operation"] = [
                {
                    "name": "everything",
                    "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                }
            ]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": dt.date.today().isoformat(),
        "publisher": "NHC (Neighbourhood Health & Care)",
        "kind": "instance",
        "software": {"name": "nhc"},
        "implementation": {"description": "NHC FHIR API over the synthetic lake", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["json", FHIR_JSON],
        "rest": [{"mode": "server", "resource": resources}],
    }


# --- the router ---------------------------------------------------------------------------------------------
def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + router_prefix(request)


def router_prefix(request: Request) -> str:
    path = request.url.path
    i = path.find("/fhir")
    return path[: i + 5] if i >= 0 else ""


Reader = Annotated[LakeReader, Depends(get_reader)]
CurrentUser = Annotated[User, Depends(get_current_user)]


def read_response(reader: LakeReader, user: User, rtype: str, rid: str) -> Response:
    """``GET /fhir/{rtype}/{rid}``: the decision on the patient the id resolves to, then the read."""
    if rtype not in SEARCHABLE:
        return outcome(404, "not-supported", f"resource type {rtype[:40]!r} is not served")
    scope = None
    if rtype not in NOT_PERSON_LEVEL:  # decide on the patient the id resolves to, then read only theirs
        pid = patient_of_read(reader, rtype, rid)
        scope = frozenset() if pid is None else frozenset({pid})
        user.authorise(scope)
    res = read_resource(reader, rtype, rid, scope)
    if res is None:
        return outcome(404, "not-found", f"{rtype}/{rid[:60]} is not known")
    return fhir_response(res)


def build_router() -> APIRouter:
    router = APIRouter(prefix="/fhir", tags=["FHIR"])

    @router.get("/metadata")
    def metadata(request: Request, user: CurrentUser) -> Response:
        return fhir_response(capability_statement(_base(request)))

    @router.get("/Patient/{pid}/$everything")
    def everything(pid: str, request: Request, reader: Reader, user: CurrentUser) -> Response:
        try:
            patient_id = parse_patient_id(pid)
        except InvalidIdentifier:
            user.authorise(frozenset())  # audited as a miss
            return outcome(404, "not-found", f"Patient/{pid[:40]} is not known")
        user.authorise(frozenset({patient_id}))
        if read_resource(reader, "Patient", str(patient_id), frozenset({patient_id})) is None:
            return outcome(404, "not-found", f"Patient/{patient_id} is not known")
        from nhc.fhir.export import iter_resources

        with reader.cursor() as cur:
            resources = list(iter_resources(cur, f"patient_id = {patient_id}"))
        return fhir_response(bundle(resources, _base(request), total=len(resources)))

    @router.get("/{rtype}/{rid}")
    def read(rtype: str, rid: str, reader: Reader, user: CurrentUser) -> Response:
        return read_response(reader, user, rtype, rid)

    @router.get("/{rtype}")
    def search(rtype: str, request: Request, reader: Reader, user: CurrentUser) -> Response:
        if rtype not in SEARCHABLE:
            return outcome(404, "not-supported", f"resource type {rtype[:40]!r} is not served")
        params = list(request.query_params.multi_items())
        try:
            s = parse_search(rtype, params)
            if rtype not in NOT_PERSON_LEVEL:  # decide on the patients the search resolves to
                s.scope = resolve_scope(reader, s)
                user.authorise(s.scope)
            resources, total = search_resources(reader, s)
        except FhirError as e:
            return outcome(e.status, e.code, e.message)
        base = _base(request)
        kept = [(k, v) for k, v in params if k not in ("_offset",)]
        self_url = f"{base}/{rtype}?{urlencode([*kept, ('_offset', str(s.offset))])}"
        next_url = None
        if s.offset + len(resources) < total and s.count > 0:
            next_url = f"{base}/{rtype}?{urlencode([*kept, ('_offset', str(s.offset + s.count))])}"
        return fhir_response(bundle(resources, base, total=total, self_url=self_url, next_url=next_url))

    return router


router = build_router()
