"""Searchers over the lake: Patient, the clinical event and medicine types, Encounter, the lake's
EpisodeOfCare (GP registrations ``reg-…``, care-home stays ``ch-…``) and Organization (practices).

Rows of clinical_events and medications have no key of their own: their id is the patient plus
the row's ordinal (``ce-<patient>-<n>``, ``med-<patient>-<n>``), computed by the same SQL as the
export (:mod:`nhc.fhir.queries`), so an exported id is the id served here.
"""

from __future__ import annotations

from typing import Any

from nhc.fhir import mapping as m
from nhc.fhir import queries as q
from nhc.fhir.server.params import (
    Search,
    date_clauses,
    id_parts,
    instant_matches,
    instant_text,
    whole_numbers,
)
from nhc.fhir.server.table import CODE, DATE, ID, LAKE, PATIENT, Param, Searcher, Sources, patient_includes
from nhc.identifiers import IdentifierToken

Page = tuple[list[dict[str, Any]], int]


def _in(column: str, values: frozenset[int] | list[Any]) -> tuple[str, list[Any]]:
    values = sorted(values)
    return f"{column} IN ({', '.join('?' for _ in values)})", values


def _scope(s: Search) -> tuple[list[str], list[Any]] | None:
    """The patient condition of a scoped search (``None``: the scope is empty, nothing matches)."""
    if s.scope is None:
        return [], []
    if not s.scope:
        return None
    c, p = _in("patient_id", s.scope)
    return [c], p


def _order(s: Search, date_column: str, natural: str) -> str:
    """``natural`` order, or by date first when the search asks (``_sort=date`` / ``-date``)."""
    if s.sort is None:
        return natural
    return f"{date_column} {'DESC' if s.descending else 'ASC'} NULLS LAST, {natural}"


def _page(reader: Any, sql: str, params: list[Any], order: str, s: Search) -> Page:
    """One page of ``sql``'s rows in ``order`` and the number of all its rows.

    The page and the total come from one query (``count(*) OVER ()`` is taken before the limit):
    a search costs one query plan, not two. A page past the end has no row to carry the total, so
    only then is it counted apart."""
    if s.count <= 0:
        return [], _count(reader, sql, params)
    rows = reader.rows(
        f"SELECT *, count(*) OVER () AS {TOTAL} FROM ({sql}) ORDER BY {order} LIMIT ? OFFSET ?",
        [*params, s.count, s.offset],
    )
    if not rows:
        return [], _count(reader, sql, params) if s.offset else 0
    total = rows[0][TOTAL]
    for r in rows:
        del r[TOTAL]
    return rows, total


#: The column that carries a page's total (a name no lake table uses).
TOTAL = "nhc_total_matches"


def _count(reader: Any, sql: str, params: list[Any]) -> int:
    return reader.rows(f"SELECT count(*) AS n FROM ({sql})", params)[0]["n"]


class LakeSearcher(Searcher):
    """A lake type. The lake keeps no change time per row, so every lake resource's
    ``meta.lastUpdated`` is the lake's generation (:attr:`LakeReader.generation`), and a
    ``_lastUpdated`` search takes all of the matches or none of them — the same test as a client
    would make on what it reads. Subclasses implement :meth:`find`."""

    source = LAKE

    def find(self, src: Sources, s: Search) -> Page:
        """(one page of resources, total matches), restricted to ``s.scope``; ``_lastUpdated`` aside."""
        raise NotImplementedError

    def search(self, src: Sources, s: Search) -> Page:
        stamp = src.lake.generation
        if not instant_matches(s.last_updated, stamp):
            return [], 0
        found, total = self.find(src, s)
        text = instant_text(stamp)
        for resource in found:
            resource["meta"] = {**resource.get("meta", {}), "lastUpdated": text}
        return found, total


class PatientSearcher(LakeSearcher):
    rtype, source = "Patient", LAKE
    params = (Param("identifier", "token"), ID)

    def patients_of(self, src: Sources, ids: list[str]) -> frozenset[int]:
        return frozenset(whole_numbers(ids))

    def patients_identified(self, src: Sources, ident: IdentifierToken) -> frozenset[int]:
        if not ident.is_nhs_number:
            return frozenset()  # only NHS numbers are held: another system's identifier matches no one
        rows = src.lake.rows("SELECT patient_id FROM patients WHERE nhs_number = ?", [ident.value])
        return frozenset(int(r["patient_id"]) for r in rows)

    def find(self, src: Sources, s: Search) -> Page:
        scoped = _scope(s)
        if scoped is None:
            return [], 0
        where, params = scoped
        if s.identifier is not None:
            where.append("nhs_number = ?")
            params.append(s.identifier.value)
        if s.ids:
            c, p = _in("patient_id", whole_numbers(s.ids))
            where.append(c)
            params += p
        clause = " AND ".join(where) or "TRUE"
        rows, total = _page(src.lake, q.patients_sql(clause), params, "patient_id", s)
        return [_patient(r) for r in rows], total


def _patient(r: dict) -> dict:
    death = (
        {"date_of_death": r["date_of_death"], "place_of_death": r["place_of_death"]}
        if r["date_of_death"]
        else None
    )
    return m.patient_resource(r, death, r["gp"])


class RowSearcher(LakeSearcher):
    """A clinical event type (rows of clinical_events) or a medicine type (rows of medications)."""

    source = LAKE
    params = (*PATIENT, CODE, DATE, ID)

    def __init__(self, rtype: str) -> None:
        self.rtype = rtype
        self.includes = patient_includes(rtype)
        self.is_event = rtype in m.EVENT_TYPES
        self.prefix = "ce" if self.is_event else "med"

    def patients_of(self, src: Sources, ids: list[str]) -> frozenset[int]:
        keys = (id_parts(i, self.prefix) for i in ids)
        return frozenset(k[0] for k in keys if k is not None)

    def find(self, src: Sources, s: Search) -> Page:
        scoped = _scope(s)
        if scoped is None:
            return [], 0
        inner = " AND ".join(scoped[0]) or "TRUE"
        base = q.events_sql(inner) if self.is_event else q.medications_sql(inner)
        outer, params = ["rtype = ?"], [*scoped[1], s.rtype]
        if s.codes:
            systems = (m.SNOMED,) if self.is_event else (m.DMD, m.SNOMED)
            ok = [code for system, code in s.codes if system is None or system in systems]
            c, p = _in("snomed_code" if self.is_event else "dmd_code", ok) if ok else ("FALSE", [])
            outer.append(c)
            params += p
        dc, dp = date_clauses(s.dates, "date")
        outer += dc
        params += dp
        if s.ids:
            keys = [k for k in (id_parts(i, self.prefix) for i in s.ids) if k is not None]
            if not keys:
                return [], 0
            outer.append("(" + " OR ".join("(patient_id = ? AND n = ?)" for _ in keys) + ")")
            params += [v for k in keys for v in k]
        sql = f"SELECT * FROM ({base}) WHERE {' AND '.join(outer)}"
        rows, total = _page(src.lake, sql, params, _order(s, "date", "patient_id, n"), s)
        build = m.event_resource if self.is_event else m.medication_resource
        return [build(r, r["rtype"], q.clean_codings(r["extra"])) for r in rows], total


class EncounterSearcher(LakeSearcher):
    rtype, source = "Encounter", LAKE
    params = (*PATIENT, CODE, DATE, ID)
    includes = patient_includes("Encounter")

    def patients_of(self, src: Sources, ids: list[str]) -> frozenset[int]:
        numbers = whole_numbers(ids)
        if not numbers:
            return frozenset()
        c, p = _in("encounter_id", numbers)
        rows = src.lake.rows(f"SELECT DISTINCT patient_id FROM encounters WHERE {c}", p)
        return frozenset(int(r["patient_id"]) for r in rows)

    def find(self, src: Sources, s: Search) -> Page:
        scoped = _scope(s)
        if scoped is None:
            return [], 0
        where, params = scoped
        if s.codes:
            ok = [c for sys_, c in s.codes if sys_ in (None, m.ENCOUNTER_TYPE)]
            c, p = _in("type", ok) if ok else ("FALSE", [])
            where.append(c)
            params += p
        dc, dp = date_clauses(s.dates, "start_date")
        where += dc
        params += dp
        if s.ids:
            numbers = whole_numbers(s.ids)
            if not numbers:
                return [], 0
            c, p = _in("encounter_id", numbers)
            where.append(c)
            params += p
        sql = f"SELECT * FROM encounters WHERE {' AND '.join(where) or 'TRUE'}"
        rows, total = _page(src.lake, sql, params, _order(s, "start_date", "encounter_id"), s)
        return [m.encounter_resource(r) for r in rows], total


_EPISODE_KINDS = (
    ("practice_registrations", "gp-registration", "practice_code"),
    ("care_home_residence", "care-home", "care_home_code"),
)


class LakeEpisodeSearcher(LakeSearcher):
    """EpisodeOfCare from the lake: GP registrations (``reg-<patient>-<n>``) and care-home stays
    (``ch-<patient>-<n>``)."""

    rtype, source = "EpisodeOfCare", LAKE
    params = (*PATIENT, CODE, DATE, ID)
    includes = patient_includes("EpisodeOfCare")

    def claims(self, rid: str) -> bool:
        return rid.startswith(("reg-", "ch-"))

    def patients_of(self, src: Sources, ids: list[str]) -> frozenset[int]:
        keys = (id_parts(f"x-{i.split('-', 1)[-1]}", "x") for i in ids if self.claims(i))
        return frozenset(k[0] for k in keys if k is not None)

    def find(self, src: Sources, s: Search) -> Page:
        scoped = _scope(s)
        if scoped is None:
            return [], 0
        parts = []
        for table, kind, org in _EPISODE_KINDS:
            if s.codes and not any(c == kind and sys_ in (None, m.EPISODE_TYPE) for sys_, c in s.codes):
                continue
            dc, dp = date_clauses(s.dates, "start_date")
            parts.append(
                (
                    f"SELECT patient_id, {org} AS org, start_date, end_date, '{kind}' AS kind FROM {table} "
                    f"WHERE {' AND '.join([*scoped[0], *dc]) or 'TRUE'}",
                    [*scoped[1], *dp],
                )
            )
        if not parts:
            return [], 0
        sql = " UNION ALL ".join(p for p, _ in parts)
        rows = src.lake.rows(
            f"SELECT * FROM ({sql}) ORDER BY {_order(s, 'start_date', 'patient_id, start_date, kind')}",
            [v for _, p in parts for v in p],
        )
        res = [
            m.episode_resource(dict(r, practice_code=r["org"], care_home_code=r["org"]), r["kind"])
            for r in rows
        ]
        if s.ids:
            res = [x for x in res if x["id"] in s.ids]
        return res[s.offset : s.offset + max(s.count, 0)], len(res)


class OrganizationSearcher(LakeSearcher):
    """The lake's practices (reference data: not person-level)."""

    rtype, source, person_level = "Organization", LAKE, False
    params = (ID,)

    def patients_of(self, src: Sources, ids: list[str]) -> frozenset[int]:
        return frozenset()

    def find(self, src: Sources, s: Search) -> Page:
        where, params = ["TRUE"], []
        if s.ids:
            c, p = _in("practice_code", s.ids)
            where.append(c)
            params += p
        sql = f"SELECT * FROM practices WHERE {' AND '.join(where)}"
        rows, total = _page(src.lake, sql, params, "practice_code", s)
        return [m.organization_resource(r) for r in rows], total


class UncodedRecords:
    """Resources the lake keeps with no SNOMED CT / dm+d coding (``cx-<patient>-<n>``): not
    searchable, but part of a patient's record, so ``$everything`` includes them."""

    source = LAKE

    def everything(self, src: Sources, patient_id: int) -> list[dict[str, Any]]:
        rows = src.lake.rows(q.uncoded_sql("patient_id = ?") + " ORDER BY patient_id, n", [patient_id])
        stamp = {"lastUpdated": instant_text(src.lake.generation)}
        return [m.uncoded_resource(r, q.clean_codings(r["extra"])) | {"meta": stamp} for r in rows]


def lake_searchers() -> list[Searcher]:
    """The lake's searchers, in the order the CapabilityStatement lists them."""
    return [
        PatientSearcher(),
        *(RowSearcher(t) for t in (*m.EVENT_TYPES, *m.MEDICATION_TYPES)),
        EncounterSearcher(),
        LakeEpisodeSearcher(),
        OrganizationSearcher(),
    ]
