"""FHIR search over the lake: parse the parameters, resolve which patients a request is about, and
run the search restricted to exactly those patients.

The order is the security contract of the FHIR API (see ``docs/security.md``):

1. :func:`parse_search` parses every parameter with the one identifier parser
   (:mod:`nhc.identifiers`): ``999 088 7713``, ``9990887713 `` and ``|9990887713`` are the same NHS
   number; ``²`` or ``１４８３`` are not digits (400).
2. :func:`resolve_scope` turns the parsed search into the set of patient ids it can return
   resources about (``None`` when it is population-wide), using the same canonical values and the
   same tables as the search itself.
3. The caller makes the access decision on that set (never on the raw parameters).
4. :func:`search_resources` runs with ``Search.scope`` set, so nothing outside the decided set can
   be returned whatever the other parameters say.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from nhc.fhir import mapping as m
from nhc.fhir import queries as q
from nhc.identifiers import (
    MAX_ID,
    IdentifierToken,
    InvalidIdentifier,
    parse_identifier_token,
    parse_patient_id,
    parse_whole_number,
)

MAX_COUNT = 1000
DEFAULT_COUNT = 50
EVENT_TYPES = m.EVENT_TYPES
MEDICATION_TYPES = m.MEDICATION_TYPES
SEARCHABLE = ("Patient", *EVENT_TYPES, *MEDICATION_TYPES, "Encounter", "EpisodeOfCare", "Organization")
NOT_PERSON_LEVEL = ("Organization",)
KNOWN_PARAMS = {"patient", "subject", "code", "date", "identifier", "_id", "_count", "_offset", "_format"}

_DATE_PARAM = re.compile(r"^(eq|ge|le|gt|lt)?(\d{4}(-\d{2}(-\d{2})?)?)$", re.ASCII)
_OPS = {"eq": "=", "ge": ">=", "le": "<=", "gt": ">", "lt": "<"}


class FhirError(Exception):
    """A request the API answers with an OperationOutcome (``status``, issue ``code``, message)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class Search:
    """A parsed search. ``patients``: the ids named by ``patient``/``subject`` (``None`` if none);
    ``scope``: the patients the search resolved to, set before it runs (``None``: population-wide)."""

    rtype: str
    patients: frozenset[int] | None
    codes: list[tuple[str | None, str]]
    dates: list[str]
    identifier: IdentifierToken | None
    ids: list[str]
    count: int
    offset: int
    scope: frozenset[int] | None = None


# --- parameters --------------------------------------------------------------------------------------------
def _bad(exc: InvalidIdentifier) -> FhirError:
    return FhirError(400, "invalid", exc.message)


def _patient_ref(value: str, field: str) -> int:
    try:
        return parse_patient_id(value, field)
    except InvalidIdentifier as exc:
        raise _bad(exc) from None


def _date_range(text: str) -> tuple[dt.date, dt.date]:
    """The first and last day a FHIR date of year, month or day precision covers."""
    try:
        year = int(text[:4])
        if len(text) == 4:
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        if len(text) == 7:
            month = int(text[5:7])
            return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
        day = dt.date.fromisoformat(text)
        return day, day
    except (ValueError, calendar.IllegalMonthError):
        raise FhirError(400, "invalid", f"date: not a real date: {text!r}") from None


def date_clauses(values: list[str], column: str) -> tuple[list[str], list[Any]]:
    """SQL conditions (and their parameters) for ``date`` search values with FHIR prefixes."""
    clauses, params = [], []
    for value in values:
        match = _DATE_PARAM.match(value)
        if not match:
            raise FhirError(
                400, "invalid", f"date must be like ge2024-01-01 (prefix eq/ge/le/gt/lt), not {value[:40]!r}"
            )
        op, (start, end) = match.group(1) or "eq", _date_range(match.group(2))
        if op == "eq":
            clauses.append(f"{column} BETWEEN ? AND ?")
            params += [start, end]
        else:
            clauses.append(f"{column} {_OPS[op]} ?")
            params.append(start if op in ("ge", "lt") else end)
    return clauses, params


def _token(value: str) -> tuple[str | None, str]:
    if "|" in value:
        system, code = value.split("|", 1)
        return (system or None), code
    return None, value


def _number(values: list[str], field: str, default: int) -> int:
    try:
        return parse_whole_number(values[-1], field, maximum=MAX_ID) if values else default
    except InvalidIdentifier as exc:
        raise _bad(exc) from None


def parse_search(rtype: str, params: list[tuple[str, str]]) -> Search:
    """Parse and check every search parameter (400 for anything malformed or unsupported)."""
    unknown = sorted({k for k, _ in params} - KNOWN_PARAMS)
    if unknown:
        raise FhirError(400, "not-supported", f"unsupported search parameter(s): {', '.join(unknown)[:200]}")

    def get(key: str) -> list[str]:
        return [v for k, v in params if k == key]

    named = [_patient_ref(v, key) for key in ("patient", "subject") for v in get(key)]
    if rtype == "Patient" and named:
        raise FhirError(400, "not-supported", "Patient is searched by _id or identifier")
    ident = None
    if get("identifier"):
        if rtype != "Patient":
            raise FhirError(400, "not-supported", "identifier is supported on Patient only")
        try:
            ident = parse_identifier_token(get("identifier")[-1])
        except InvalidIdentifier as exc:
            raise _bad(exc) from None
    ids = [i.strip() for v in get("_id") for i in v.split(",")]
    if rtype == "Patient":  # Patient ids are numbers: anything else is a malformed request
        ids = [str(_patient_ref(i, "_id")) for i in ids]
    date_clauses(get("date"), "date")  # checked now, so a bad date is a 400 before any lookup
    return Search(
        rtype,
        frozenset(named) if named else None,
        [_token(c) for v in get("code") for c in v.split(",")],
        get("date"),
        ident,
        ids,
        min(_number(get("_count"), "_count", DEFAULT_COUNT), MAX_COUNT),
        _number(get("_offset"), "_offset", 0),
    )


# --- which patients a request is about ------------------------------------------------------------------------
def id_parts(rid: str, prefix: str) -> tuple[int, int] | None:
    """(patient id, ordinal) of a lake row id ``<prefix>-<patient>-<n>``, or ``None`` if malformed."""
    parts = rid.split("-")
    if len(parts) != 3 or parts[0] != prefix:
        return None
    try:
        return parse_whole_number(parts[1]), parse_whole_number(parts[2])
    except InvalidIdentifier:
        return None


def _episode_patient(rid: str) -> int | None:
    parts = rid.split("-")
    if len(parts) != 3 or parts[0] not in ("reg", "ch"):
        return None
    key = id_parts(f"x-{parts[1]}-{parts[2]}", "x")
    return key[0] if key else None


def _whole_numbers(ids: list[str]) -> list[int]:
    """The ids that are whole numbers (by the one parser); a malformed id matches nothing."""
    numbers = []
    for i in ids:
        try:
            numbers.append(parse_patient_id(i))
        except InvalidIdentifier:
            continue
    return numbers


def _encounter_patients(reader: Any, ids: list[str]) -> frozenset[int]:
    numbers = _whole_numbers(ids)
    if not numbers:
        return frozenset()
    rows = reader.rows(
        f"SELECT DISTINCT patient_id FROM encounters WHERE encounter_id IN ({', '.join('?' for _ in numbers)})",
        numbers,
    )
    return frozenset(int(r["patient_id"]) for r in rows)


def patients_of_ids(reader: Any, rtype: str, ids: list[str]) -> frozenset[int]:
    """The patients that resources of ``rtype`` with these ids belong to (malformed ids: no one)."""
    if rtype == "Patient":
        return frozenset(_whole_numbers(ids))
    if rtype in EVENT_TYPES or rtype in MEDICATION_TYPES:
        prefix = "ce" if rtype in EVENT_TYPES else "med"
        keys = (id_parts(i, prefix) for i in ids)
        return frozenset(k[0] for k in keys if k is not None)
    if rtype == "Encounter":
        return _encounter_patients(reader, ids)
    if rtype == "EpisodeOfCare":
        return frozenset(p for p in (_episode_patient(i) for i in ids) if p is not None)
    return frozenset()


def _patients_with_identifier(reader: Any, ident: IdentifierToken) -> frozenset[int]:
    if not ident.is_nhs_number:
        return frozenset()  # only NHS numbers are held: another system's identifier matches no one
    rows = reader.rows("SELECT patient_id FROM patients WHERE nhs_number = ?", [ident.value])
    return frozenset(int(r["patient_id"]) for r in rows)


def resolve_scope(reader: Any, s: Search) -> frozenset[int] | None:
    """The patients a person-level search can return resources about; ``None`` if population-wide.

    Each parameter that names patients narrows the set (FHIR ANDs parameters), so the result is
    the intersection of what ``patient``/``subject``, ``identifier`` and ``_id`` resolve to."""
    scopes: list[frozenset[int]] = []
    if s.patients is not None:
        scopes.append(s.patients if len(s.patients) == 1 else frozenset())
        if len(s.patients) > 1:  # patient=A&patient=B: both must hold, so no resource matches
            return frozenset()
    if s.identifier is not None:
        scopes.append(_patients_with_identifier(reader, s.identifier))
    if s.ids:
        scopes.append(patients_of_ids(reader, s.rtype, s.ids))
    if not scopes:
        return None
    out = scopes[0]
    for more in scopes[1:]:
        out &= more
    return out


def patient_of_read(reader: Any, rtype: str, rid: str) -> int | None:
    """The patient a read of ``rtype/rid`` is about (``None``: malformed or unknown id)."""
    found = patients_of_ids(reader, rtype, [rid])
    return next(iter(found)) if len(found) == 1 else None


# --- resources from the lake ---------------------------------------------------------------------------------
def _in(column: str, values: frozenset[int] | list[Any]) -> tuple[str, list[Any]]:
    values = sorted(values)
    return f"{column} IN ({', '.join('?' for _ in values)})", values


def _code_clause(
    codes: list[tuple[str | None, str]], column: str, systems: tuple[str, ...]
) -> tuple[str, list[Any]]:
    ok = [code for system, code in codes if system is None or system in systems]
    return _in(column, ok) if ok else ("FALSE", [])


def _page(reader: Any, sql: str, params: list[Any], order: str, s: Search) -> tuple[list[dict], int]:
    total = reader.rows(f"SELECT count(*) AS n FROM ({sql})", params)[0]["n"]
    rows = reader.rows(f"{sql} ORDER BY {order} LIMIT ? OFFSET ?", [*params, s.count, s.offset])
    return rows, total


def _search_patients(reader: Any, s: Search, where: list[str], params: list[Any]) -> tuple[list[dict], int]:
    if s.identifier is not None:
        where.append("nhs_number = ?")
        params.append(s.identifier.value)
    if s.ids:
        c, p = _in("patient_id", [int(i) for i in s.ids])
        where.append(c)
        params += p
    clause = " AND ".join(where)
    total = reader.rows(f"SELECT count(*) AS n FROM patients WHERE {clause}", params)[0]["n"]
    rows = reader.rows(
        q.patients_sql(clause) + " ORDER BY patient_id LIMIT ? OFFSET ?", [*params, s.count, s.offset]
    )
    return [_patient(r) for r in rows], total


def _search_organizations(reader: Any, s: Search) -> tuple[list[dict], int]:
    where, params = ["TRUE"], []
    if s.ids:
        c, p = _in("practice_code", s.ids)
        where.append(c)
        params += p
    rows, total = _page(
        reader, f"SELECT * FROM practices WHERE {' AND '.join(where)}", params, "practice_code", s
    )
    return [m.organization_resource(r) for r in rows], total


def _search_rows(reader: Any, s: Search, pwhere: list[str], pparams: list[Any]) -> tuple[list[dict], int]:
    """Conditions, Observations, ... and medicines: rows of clinical_events or medications."""
    is_event = s.rtype in EVENT_TYPES
    prefix, code_col = ("ce", "snomed_code") if is_event else ("med", "dmd_code")
    inner = " AND ".join(pwhere) or "TRUE"
    base = q.events_sql(inner) if is_event else q.medications_sql(inner)
    outer, oparams = ["rtype = ?"], [s.rtype]
    if s.codes:
        c, cp = _code_clause(s.codes, code_col, (m.SNOMED,) if is_event else (m.DMD, m.SNOMED))
        outer.append(c)
        oparams += cp
    dc, dp = date_clauses(s.dates, "date")
    outer += dc
    oparams += dp
    if s.ids:
        keys = [k for k in (id_parts(i, prefix) for i in s.ids) if k is not None]
        if not keys:
            return [], 0
        outer.append("(" + " OR ".join("(patient_id = ? AND n = ?)" for _ in keys) + ")")
        oparams += [v for k in keys for v in k]
    sql = f"SELECT * FROM ({base}) WHERE {' AND '.join(outer)}"
    rows, total = _page(reader, sql, [*pparams, *oparams], "patient_id, n", s)
    build = m.event_resource if is_event else m.medication_resource
    return [build(r, r["rtype"], q.clean_codings(r["extra"])) for r in rows], total


def _search_encounters(reader: Any, s: Search, where: list[str], params: list[Any]) -> tuple[list[dict], int]:
    if s.codes:
        ok = [c for sys_, c in s.codes if sys_ in (None, m.ENCOUNTER_TYPE)]
        c, p = _in("type", ok) if ok else ("FALSE", [])
        where.append(c)
        params += p
    dc, dp = date_clauses(s.dates, "start_date")
    where += dc
    params += dp
    if s.ids:
        numbers = _whole_numbers(s.ids)
        if not numbers:
            return [], 0
        c, p = _in("encounter_id", numbers)
        where.append(c)
        params += p
    sql = f"SELECT * FROM encounters WHERE {' AND '.join(where)}"
    rows, total = _page(reader, sql, params, "encounter_id", s)
    return [m.encounter_resource(r) for r in rows], total


def _search_episodes(reader: Any, s: Search, pwhere: list[str], pparams: list[Any]) -> tuple[list[dict], int]:
    parts = []
    for table, kind in (("practice_registrations", "gp-registration"), ("care_home_residence", "care-home")):
        if s.codes and not any(c == kind and sys_ in (None, m.EPISODE_TYPE) for sys_, c in s.codes):
            continue
        dc, dp = date_clauses(s.dates, "start_date")
        org = "practice_code" if kind == "gp-registration" else "care_home_code"
        parts.append(
            (
                f"SELECT patient_id, {org} AS org, start_date, end_date, '{kind}' AS kind FROM {table} "
                f"WHERE {' AND '.join([*pwhere, *dc]) or 'TRUE'}",
                [*pparams, *dp],
            )
        )
    if not parts:
        return [], 0
    sql = " UNION ALL ".join(p for p, _ in parts)
    rows = reader.rows(
        f"SELECT * FROM ({sql}) ORDER BY patient_id, start_date, kind", [v for _, p in parts for v in p]
    )
    res = [
        m.episode_resource(dict(r, practice_code=r["org"], care_home_code=r["org"]), r["kind"]) for r in rows
    ]
    if s.ids:
        res = [x for x in res if x["id"] in s.ids]
    return res[s.offset : s.offset + s.count], len(res)


def search_resources(reader: Any, s: Search) -> tuple[list[dict], int]:
    """(one page of resources, total matches), restricted to ``s.scope`` when it is set."""
    if s.rtype == "Organization":
        return _search_organizations(reader, s)
    pwhere: list[str] = []
    pparams: list[Any] = []
    if s.scope is not None:
        if not s.scope:
            return [], 0
        c, p = _in("patient_id", s.scope)
        pwhere, pparams = [c], p
    if s.rtype == "Patient":
        return _search_patients(reader, s, pwhere or ["TRUE"], pparams)
    if s.rtype in EVENT_TYPES or s.rtype in MEDICATION_TYPES:
        return _search_rows(reader, s, pwhere, pparams)
    if s.rtype == "Encounter":
        return _search_encounters(reader, s, pwhere or ["TRUE"], pparams)
    if s.rtype == "EpisodeOfCare":
        return _search_episodes(reader, s, pwhere, pparams)
    raise FhirError(404, "not-supported", f"resource type {s.rtype} is not served")


def _patient(r: dict) -> dict:
    death = (
        {"date_of_death": r["date_of_death"], "place_of_death": r["place_of_death"]}
        if r["date_of_death"]
        else None
    )
    return m.patient_resource(r, death, r["gp"])


def read_resource(reader: Any, rtype: str, rid: str, scope: frozenset[int] | None = None) -> dict | None:
    """One resource by id (``None`` if unknown), only if it belongs to a patient in ``scope``."""
    if rtype not in SEARCHABLE:
        return None
    s = Search(rtype, None, [], [], None, [rid], 1, 0, scope)
    if rtype != "Organization" and s.scope is None:
        s.scope = patients_of_ids(reader, rtype, [rid])
    if rtype == "Patient" and not s.scope:
        return None
    found, _ = search_resources(reader, s)
    return found[0] if found else None
