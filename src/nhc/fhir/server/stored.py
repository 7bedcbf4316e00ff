"""Resource types the lake keeps only whole, served as they were received: Immunization.

An ingest stores every accepted resource in ``fhir_resources``; Immunization is not projected into
the analytic tables, so the stored resource is the record (:data:`nhc.fhir.queries.SERVED_WHOLE`).
NHC's own synthetic county has none; a lake that ingested them serves them here, by the id they
came with. The one change made when serving: ``patient`` names the person by NHC's key
(``Patient/<id>``, the id this server reads them by), since the sender's reference means nothing
here. Searches are restricted to the decided patients like every other person-level type.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson

from nhc.fhir.queries import SERVED_TABLE
from nhc.fhir.server.lake import LakeSearcher, Page
from nhc.fhir.server.params import Search, codes_match, date_matches
from nhc.fhir.server.table import CODE, DATE, ID, Param, Sources, patient_includes, sort_by_date

#: Where each served type keeps its code and its date.
_CODE_ELEMENT = {"Immunization": "vaccineCode"}
_DATE_ELEMENT = {"Immunization": "occurrenceDateTime"}


def _day(text: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10]) if isinstance(text, str) and len(text) >= 10 else None
    except ValueError:
        return None


class StoredSearcher(LakeSearcher):
    """One stored type: read by id, searched by ``patient``, ``code``, ``date`` and ``_id``."""

    params = (Param("patient", "reference"), CODE, DATE, ID)

    def __init__(self, rtype: str) -> None:
        self.rtype = rtype
        self.includes = patient_includes(rtype, ("patient",))[:1]

    def _rows(self, src: Sources, where: list[str], params: list[Any]) -> list[dict[str, Any]]:
        clause = " AND ".join(["resource_type = ?", *where])
        return src.lake.rows(
            f"SELECT id, patient_id, resource FROM {SERVED_TABLE} WHERE {clause} ORDER BY patient_id, id",
            [self.rtype, *params],
        )

    def patients_of(self, src: Sources, ids: list[str]) -> frozenset[int]:
        if not ids:
            return frozenset()
        rows = self._rows(src, [f"id IN ({', '.join('?' for _ in ids)})"], list(ids))
        return frozenset(int(r["patient_id"]) for r in rows if r["patient_id"] is not None)

    def _served(self, row: dict[str, Any]) -> dict[str, Any]:
        resource = orjson.loads(row["resource"])
        if row["patient_id"] is not None:
            resource["patient"] = {
                **(resource.get("patient") or {}),
                "reference": f"Patient/{row['patient_id']}",
            }
        return resource

    def _matches(self, resource: dict[str, Any], s: Search) -> bool:
        codings = (resource.get(_CODE_ELEMENT[self.rtype]) or {}).get("coding") or []
        if s.codes and not any(
            codes_match(s.codes, str(c.get("system")), str(c.get("code")))
            for c in codings
            if isinstance(c, dict)
        ):
            return False
        return date_matches(s.dates, _day(resource.get(_DATE_ELEMENT[self.rtype])))

    def find(self, src: Sources, s: Search) -> Page:
        where: list[str] = []
        params: list[Any] = []
        if s.scope is not None:
            if not s.scope:
                return [], 0
            where.append(f"patient_id IN ({', '.join('?' for _ in s.scope)})")
            params += sorted(s.scope)
        if s.ids:
            where.append(f"id IN ({', '.join('?' for _ in s.ids)})")
            params += s.ids
        found = [
            r for r in (self._served(row) for row in self._rows(src, where, params)) if self._matches(r, s)
        ]
        if s.sort is not None:
            found = sort_by_date(found, s.descending)
        return found[s.offset : s.offset + max(s.count, 0)], len(found)


def stored_searchers() -> list[StoredSearcher]:
    return [StoredSearcher("Immunization")]
