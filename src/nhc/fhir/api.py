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
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from nhc.fhir import FHIR_VERSION
from nhc.fhir import mapping as m
from nhc.fhir import queries as q

FHIR_JSON = "application/fhir+json"
MAX_COUNT = 1000
DEFAULT_COUNT = 50
EVENT_TYPES = m.EVENT_TYPES
MEDICATION_TYPES = m.MEDICATION_TYPES
SEARCHABLE = ("Patient", *EVENT_TYPES, *MEDICATION_TYPES, "Encounter", "EpisodeOfCare", "Organization")


@dataclass(frozen=True)
class User:
    """Who is asking. Sign-in will fill this in; for now every request is the system user."""

    username: str
    roles: tuple[str, ...] = ()


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


class FhirError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def outcome(status: int, code: str, message: str) -> Response:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error" if status < 500 else "fatal", "code": code, "diagnostics": message}],
    }
    return Response(orjson.dumps(body), status_code=status, media_type=FHIR_JSON)


def fhir_response(body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body), media_type=FHIR_JSON)


# --- parameters --------------------------------------------------------------------------------------------
_DATE_PARAM = re.compile(r"^(eq|ge|le|gt|lt)?(\d{4}(-\d{2}(-\d{2})?)?)$")
_OPS = {"eq": "=", "ge": ">=", "le": "<=", "gt": ">", "lt": "<"}


def _patient_id(value: str) -> int:
    v = value.removeprefix("Patient/")
    if not v.isdigit() or len(v) > 18:
        raise FhirError(400, "invalid", f"patient must be a Patient id (digits), not {value!r}")
    return int(v)


def _date_clauses(values: list[str], column: str) -> tuple[list[str], list[Any]]:
    clauses, params = [], []
    for value in values:
        match = _DATE_PARAM.match(value)
        if not match:
            raise FhirError(
                400, "invalid", f"date must be like ge2024-01-01 (prefix eq/ge/le/gt/lt), not {value!r}"
            )
        op, text = match.group(1) or "eq", match.group(2)
        try:
            start = (
                dt.date.fromisoformat(text + "-01-01"[len(text) - 4 :])
                if len(text) < 10
                else dt.date.fromisoformat(text)
            )
        except ValueError:
            raise FhirError(400, "invalid", f"not a real date: {text!r}") from None
        if len(text) == 4:
            end = dt.date(start.year, 12, 31)
        elif len(text) == 7:
            end = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1) - dt.timedelta(days=1)
        else:
            end = start
        if op == "eq":
            clauses.append(f"{column} BETWEEN ? AND ?")
            params += [start, end]
        elif op in ("ge", "lt"):
            clauses.append(f"{column} {_OPS[op]} ?")
            params.append(start)
        else:
            clauses.append(f"{column} {_OPS[op]} ?")
            params.append(end)
    return clauses, params


def _token(value: str) -> tuple[str | None, str]:
    if "|" in value:
        system, code = value.split("|", 1)
        return (system or None), code
    return None, value


@dataclass
class Search:
    rtype: str
    patient: int | None
    codes: list[tuple[str | None, str]]
    dates: list[str]
    identifier: tuple[str | None, str] | None
    ids: list[str]
    count: int
    offset: int


KNOWN_PARAMS = {"patient", "subject", "code", "date", "identifier", "_id", "_count", "_offset", "_format"}


def parse_search(rtype: str, params: list[tuple[str, str]]) -> Search:
    unknown = sorted({k for k, _ in params} - KNOWN_PARAMS)
    if unknown:
        raise FhirError(400, "not-supported", f"unsupported search parameter(s): {', '.join(unknown)}")
    get = lambda k: [v for key, v in params if key == k]  # noqa: E731
    patient = None
    for key in ("patient", "subject"):
        for v in get(key):
            patient = _patient_id(v)
    if rtype == "Patient" and (get("patient") or get("subject")):
        raise FhirError(400, "not-supported", "Patient is searched by _id or identifier")
    try:
        count = int(get("_count")[-1]) if get("_count") else DEFAULT_COUNT
        offset = int(get("_offset")[-1]) if get("_offset") else 0
    except ValueError:
        raise FhirError(400, "invalid", "_count and _offset must be whole numbers") from None
    if count < 0 or offset < 0:
        raise FhirError(400, "invalid", "_count and _offset must not be negative")
    codes = [_token(c) for v in get("code") for c in v.split(",")]
    ident = _token(get("identifier")[-1]) if get("identifier") else None
    if ident is not None and rtype != "Patient":
        raise FhirError(400, "not-supported", "identifier is supported on Patient only")
    return Search(
        rtype,
        patient,
        codes,
        get("date"),
        ident,
        [i for v in get("_id") for i in v.split(",")],
        min(count, MAX_COUNT),
        offset,
    )


# --- resources from the lake ---------------------------------------------------------------------------------
def _code_clause(
    codes: list[tuple[str | None, str]], column: str, systems: tuple[str, ...]
) -> tuple[str, list[Any]]:
    ok = [code for system, code in codes if system is None or system in systems]
    if not ok:
        return "FALSE", []
    return f"{column} IN ({', '.join('?' for _ in ok)})", ok


def _id_parts(rid: str, prefix: str) -> tuple[int, int] | None:
    parts = rid.split("-")
    if len(parts) != 3 or parts[0] != prefix or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    return int(parts[1]), int(parts[2])


def search_resources(reader: LakeReader, s: Search) -> tuple[list[dict], int]:
    """(one page of resources, total matches) for a search."""
    where, params = ["TRUE"], []
    rt = s.rtype
    if rt == "Patient":
        if s.identifier is not None:
            system, value = s.identifier
            if system not in (None, m.NHS_NUMBER):
                return [], 0
            where.append("nhs_number = ?")
            params.append(value.replace(" ", ""))
        if s.ids:
            if not all(i.isdigit() for i in s.ids):
                return [], 0
            where.append(f"patient_id IN ({', '.join('?' for _ in s.ids)})")
            params += [int(i) for i in s.ids]
        clause = " AND ".join(where)
        total = reader.rows(f"SELECT count(*) AS n FROM patients WHERE {clause}", params)[0]["n"]
        rows = reader.rows(
            q.patients_sql(clause) + " ORDER BY patient_id LIMIT ? OFFSET ?", [*params, s.count, s.offset]
        )
        return [_patient(r) for r in rows], total
    if rt == "Organization":
        if s.ids:
            where.append(f"practice_code IN ({', '.join('?' for _ in s.ids)})")
            params += s.ids
        clause = " AND ".join(where)
        total = reader.rows(f"SELECT count(*) AS n FROM practices WHERE {clause}", params)[0]["n"]
        rows = reader.rows(
            f"SELECT * FROM practices WHERE {clause} ORDER BY practice_code LIMIT ? OFFSET ?",
            [*params, s.count, s.offset],
        )
        return [m.organization_resource(r) for r in rows], total
    pwhere, pparams = (["patient_id = ?"], [s.patient]) if s.patient is not None else ([], [])
    if rt in EVENT_TYPES or rt in MEDICATION_TYPES:
        is_event = rt in EVENT_TYPES
        prefix = "ce" if is_event else "med"
        inner = " AND ".join(pwhere) or "TRUE"
        base = q.events_sql(inner) if is_event else q.medications_sql(inner)
        alias = "ev" if is_event else "md"
        outer, oparams = ["rtype = ?"], [rt]
        if s.codes:
            c, cp = _code_clause(
                s.codes,
                f"{alias}.{'snomed_code' if is_event else 'dmd_code'}",
                (m.SNOMED,) if is_event else (m.DMD, m.SNOMED),
            )
            outer.append(c)
            oparams += cp
        dc, dp = _date_clauses(s.dates, f"{alias}.date")
        outer += dc
        oparams += dp
        if s.ids:
            keys = [_id_parts(i, prefix) for i in s.ids]
            keys = [k for k in keys if k is not None]
            if not keys:
                return [], 0
            outer.append("(" + " OR ".join(f"({alias}.patient_id = ? AND n = ?)" for _ in keys) + ")")
            oparams += [v for k in keys for v in k]
        sql = f"SELECT * FROM ({base}) WHERE {' AND '.join(outer).replace(alias + '.', '')}"
        total = reader.rows(f"SELECT count(*) AS n FROM ({sql})", [*pparams, *oparams])[0]["n"]
        rows = reader.rows(
            sql + " ORDER BY patient_id, n LIMIT ? OFFSET ?", [*pparams, *oparams, s.count, s.offset]
        )
        build = m.event_resource if is_event else m.medication_resource
        return [build(r, r["rtype"], q.clean_codings(r["extra"])) for r in rows], total
    if rt == "Encounter":
        where += pwhere
        params += pparams
        if s.codes:
            ok = [c for sys_, c in s.codes if sys_ in (None, m.ENCOUNTER_TYPE)]
            where.append(f"type IN ({', '.join('?' for _ in ok)})" if ok else "FALSE")
            params += ok
        dc, dp = _date_clauses(s.dates, "start_date")
        where += dc
        params += dp
        if s.ids:
            if not all(i.isdigit() for i in s.ids):
                return [], 0
            where.append(f"encounter_id IN ({', '.join('?' for _ in s.ids)})")
            params += [int(i) for i in s.ids]
        clause = " AND ".join(where)
        total = reader.rows(f"SELECT count(*) AS n FROM encounters WHERE {clause}", params)[0]["n"]
        rows = reader.rows(
            f"SELECT * FROM encounters WHERE {clause} ORDER BY encounter_id LIMIT ? OFFSET ?",
            [*params, s.count, s.offset],
        )
        return [m.encounter_resource(r) for r in rows], total
    if rt == "EpisodeOfCare":
        parts = []
        for table, kind in (
            ("practice_registrations", "gp-registration"),
            ("care_home_residence", "care-home"),
        ):
            if s.codes and not any(c == kind and sys_ in (None, m.EPISODE_TYPE) for sys_, c in s.codes):
                continue
            w, p = list(pwhere), list(pparams)
            dc, dp = _date_clauses(s.dates, "start_date")
            w += dc
            p += dp
            org = "practice_code" if kind == "gp-registration" else "care_home_code"
            parts.append(
                (
                    f"SELECT patient_id, {org} AS org, start_date, end_date, '{kind}' AS kind FROM {table} "
                    f"WHERE {' AND '.join(w) or 'TRUE'}",
                    p,
                )
            )
        if not parts:
            return [], 0
        sql = " UNION ALL ".join(p for p, _ in parts)
        params = [v for _, p in parts for v in p]
        rows = reader.rows(f"SELECT * FROM ({sql}) ORDER BY patient_id, start_date, kind", params)
        res = []
        for r in rows:
            row = dict(r, practice_code=r["org"], care_home_code=r["org"])
            res.append(m.episode_resource(row, r["kind"]))
        if s.ids:
            res = [x for x in res if x["id"] in s.ids]
        return res[s.offset : s.offset + s.count], len(res)
    raise FhirError(404, "not-supported", f"resource type {rt} is not served")


def _patient(r: dict) -> dict:
    death = (
        {"date_of_death": r["date_of_death"], "place_of_death": r["place_of_death"]}
        if r["date_of_death"]
        else None
    )
    return m.patient_resource(r, death, r["gp"])


def read_resource(reader: LakeReader, rtype: str, rid: str) -> dict | None:
    if rtype in ("Patient", "Encounter", "Organization") or rtype in EVENT_TYPES or rtype in MEDICATION_TYPES:
        s = Search(rtype, None, [], [], None, [rid], 1, 0)
        if rtype in EVENT_TYPES or rtype in MEDICATION_TYPES:
            key = _id_parts(rid, "ce" if rtype in EVENT_TYPES else "med")
            if key is None:
                return None
            s.patient = key[0]
        found, _ = search_resources(reader, s)
        return found[0] if found else None
    if rtype == "EpisodeOfCare":
        parts = rid.split("-")
        if len(parts) != 3 or parts[0] not in ("reg", "ch") or not parts[1].isdigit():
            return None
        s = Search(rtype, int(parts[1]), [], [], None, [rid], 1, 0)
        found, _ = search_resources(reader, s)
        return found[0] if found else None
    return None


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


def build_router() -> APIRouter:
    router = APIRouter(prefix="/fhir", tags=["FHIR"])

    @router.get("/metadata")
    def metadata(request: Request, user: CurrentUser) -> Response:
        return fhir_response(capability_statement(_base(request)))

    @router.get("/Patient/{pid}/$everything")
    def everything(pid: str, request: Request, reader: Reader, user: CurrentUser) -> Response:
        if not pid.isdigit():
            return outcome(404, "not-found", f"Patient/{pid} is not known")
        patient = read_resource(reader, "Patient", pid)
        if patient is None:
            return outcome(404, "not-found", f"Patient/{pid} is not known")
        from nhc.fhir.export import iter_resources

        with reader.cursor() as cur:
            resources = list(iter_resources(cur, f"patient_id = {int(pid)}"))
        return fhir_response(bundle(resources, _base(request), total=len(resources)))

    @router.get("/{rtype}/{rid}")
    def read(rtype: str, rid: str, reader: Reader, user: CurrentUser) -> Response:
        if rtype not in SEARCHABLE:
            return outcome(404, "not-supported", f"resource type {rtype!r} is not served")
        try:
            res = read_resource(reader, rtype, rid)
        except FhirError as e:
            return outcome(e.status, e.code, e.message)
        if res is None:
            return outcome(404, "not-found", f"{rtype}/{rid} is not known")
        return fhir_response(res)

    @router.get("/{rtype}")
    def search(rtype: str, request: Request, reader: Reader, user: CurrentUser) -> Response:
        if rtype not in SEARCHABLE:
            return outcome(404, "not-supported", f"resource type {rtype!r} is not served")
        params = list(request.query_params.multi_items())
        try:
            s = parse_search(rtype, params)
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
