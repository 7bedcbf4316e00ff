"""Staging: read resources checked and mapped to rows of staging tables, rejects to the quarantine.

Each resource is checked by the hand-written readers in :mod:`nhc.fhir.mapping` (and, with
``strict``, by the FHIR R4 model) and becomes rows of the staging tables in :data:`STAGES`: plain
Parquet files written in batches of :data:`BATCH_ROWS` rows, so memory does not grow with the
input. Subjects stay as written (``Patient/<id>``, a ``urn:uuid:``, ``nhs:<number>``); they are
resolved to lake patients later, in :mod:`nhc.fhir.ingest.resolve`. Every staged row carries its
file, line and Bundle entry (``_file``, ``_line``, ``_entry``; -1 when not in a Bundle) so a
later stage can still say where a record came from.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from nhc.fhir import mapping as m
from nhc.fhir.ingest.read import dump
from nhc.fhir.ingest.results import TypeCounts
from nhc.fhir.ingest.whole import STAGED_NAME, WholeStage, bundle_urls, patient_reference
from nhc.fhir.mapping.values import NO_VALUE
from nhc.fhir.quarantine import Quarantine
from nhc.fhir.validate import has_model, r4_resource_types, validate_resource

BATCH_ROWS = 100_000

_LOC = [("_file", pa.int32()), ("_line", pa.int64()), ("_entry", pa.int32())]
#: The staging tables and their columns. ``_seq`` orders resources as read (last one read wins).
STAGES: dict[str, list[tuple[str, pa.DataType]]] = {
    "patients": [
        ("id", pa.string()),
        ("nhs_number", pa.string()),
        ("given_name", pa.string()),
        ("family_name", pa.string()),
        ("sex", pa.string()),
        ("date_of_birth", pa.int32()),
        ("ethnicity", pa.string()),
        ("small_area_code", pa.string()),
        ("address_line", pa.string()),
        ("postcode", pa.string()),
        ("gp_code", pa.string()),
        ("gp_since", pa.int32()),
        ("death_date", pa.int32()),
        ("death_place", pa.string()),
        ("match_key", pa.string()),
        ("_seq", pa.int64()),
        *_LOC,
    ],
    # Every key a resource may name a patient by (Patient/<id>, fullUrl, nhs:<number>) -> the patient's
    # match key (nhs:<number>, or local:<key> for a Patient without an NHS number).
    "keys": [("key", pa.string()), ("match_key", pa.string()), ("_seq", pa.int64())],
    "events": [
        ("subject", pa.string()),
        ("date", pa.int32()),
        ("snomed_code", pa.string()),
        ("value", pa.float64()),
        ("unit", pa.string()),
        ("rtype", pa.string()),
        *_LOC,
    ],
    "medications": [
        ("subject", pa.string()),
        ("date", pa.int32()),
        ("dmd_code", pa.string()),
        ("quantity", pa.float64()),
        ("rtype", pa.string()),
        *_LOC,
    ],
    "encounters": [
        ("fhir_id", pa.string()),
        ("subject", pa.string()),
        ("type", pa.string()),
        ("start_date", pa.int32()),
        ("end_date", pa.int32()),
        ("provider_code", pa.string()),
        ("_seq", pa.int64()),
        *_LOC,
    ],
    "episodes": [
        ("subject", pa.string()),
        ("kind", pa.string()),
        ("org", pa.string()),
        ("start_date", pa.int32()),
        ("end_date", pa.int32()),
        ("_seq", pa.int64()),
        *_LOC,
    ],
    # References that named a Patient the stager quarantined, with where and why (for the dependents).
    "failed_keys": [("key", pa.string()), ("why", pa.string())],
    "codings": [
        ("subject", pa.string()),
        ("rtype", pa.string()),
        ("date", pa.int32()),
        ("lake_code", pa.string()),
        ("system", pa.string()),
        ("code", pa.string()),
        ("display", pa.string()),
        # The value of the Observation (or component) the coding codes: see mapping.values.
        ("value", pa.float64()),
        ("unit", pa.string()),
        ("unit_system", pa.string()),
        ("unit_code", pa.string()),
        ("value_system", pa.string()),
        ("value_code", pa.string()),
        ("value_display", pa.string()),
        ("value_string", pa.string()),
        *_LOC,
    ],
}


def bundle_organizations(entries: list) -> dict[str, str]:
    """A Bundle's Organizations: every reference that may name one (``fullUrl``, ``Organization/<id>``)
    -> its code in the lake (the ODS code when it has one, else its id)."""
    orgs: dict[str, str] = {}
    for ent in entries:
        res = ent.get("resource") if isinstance(ent, dict) else None
        if not isinstance(res, dict) or res.get("resourceType") != "Organization":
            continue
        code = m.organization_code(res)
        if code is None:
            continue
        rid, full_url = res.get("id"), ent.get("fullUrl")
        if isinstance(rid, str) and rid:
            orgs[f"Organization/{rid}"] = code
        if isinstance(full_url, str) and full_url:
            orgs[full_url] = code
    return orgs


def patient_keys(rid: str | None, full_url: str | None) -> list[str]:
    """The references a Patient with id ``rid`` and Bundle ``fullUrl`` may be named by: ``Patient/<id>``,
    the ``fullUrl`` itself, and ``Patient/<id>`` taken from an absolute ``fullUrl``."""
    keys = [f"Patient/{rid}"] if rid else []
    if full_url:
        keys.append(full_url)
        parts = full_url.rstrip("/").split("/")
        if len(parts) >= 2 and parts[-2] == "Patient" and not full_url.startswith("urn:"):
            keys.append(f"Patient/{parts[-1]}")
    return keys


class StageFile:
    """Rows (tuples) of one staging table, flushed to a Parquet file every ``BATCH_ROWS`` rows."""

    def __init__(self, path: Path, columns: list[tuple[str, pa.DataType]]) -> None:
        self.path = path
        self.schema = pa.schema(columns)
        self.buffer: list[tuple] = []
        self.writer = pq.ParquetWriter(path, self.schema, compression="none", write_statistics=False)
        self.rows = 0

    def flush(self) -> None:
        n = len(self.buffer)
        if not n:
            return
        columns = list(zip(*self.buffer, strict=True))
        arrays = [pa.array(c, type=f.type) for c, f in zip(columns, self.schema, strict=True)]
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        self.rows += n
        self.buffer.clear()  # in place: the stager holds buffer.append

    def close(self) -> None:
        self.flush()
        self.writer.close()


class Stager:
    """A :class:`~nhc.fhir.ingest.read.Sink` that checks, maps and stages resources into ``staging``.

    Counts per resource type are kept in :attr:`counts`; rejects go to ``quarantine`` with file
    (``files[fi]``), line, entry, field and reason. ``seq`` numbers resources as read; set it
    before each chunk so sequence numbers are ordered across chunks.
    """

    def __init__(
        self, staging: Path, quarantine: Quarantine, files: list[str], today: dt.date, strict: bool
    ) -> None:
        staging.mkdir(parents=True, exist_ok=True)
        self.q = quarantine
        self.dates = m.DateParser(today)
        self.strict = strict
        self.files = files
        self.counts: dict[str, TypeCounts] = {}
        self.seq = 0
        self.stages = {name: StageFile(staging / f"{name}.parquet", cols) for name, cols in STAGES.items()}
        self.known = r4_resource_types()
        self.whole = WholeStage(staging / STAGED_NAME)
        self.urls: dict[str, str] = {}  # the current Bundle's urn fullUrls -> Type/id
        # Bound appends: the hot path stages a row with one call.
        self._ev = self.stages["events"].buffer.append
        self._md = self.stages["medications"].buffer.append
        self._en = self.stages["encounters"].buffer.append
        self._ep = self.stages["episodes"].buffer.append
        self.orgs: dict[str, str] = {}  # the current Bundle's Organizations by reference
        self.full_url: str | None = None  # the fullUrl of the resource being handled

    def bundle_context(self, entries: list | None) -> None:
        """Index the Bundle's Organizations by every reference that may name them, and its urn
        fullUrls by the Type/id they are stored as (``None``: forget)."""
        self.orgs = bundle_organizations(entries) if entries else {}
        self.urls = bundle_urls(entries) if entries else {}

    def _count(self, rtype: str) -> TypeCounts:
        c = self.counts.get(rtype)
        if c is None:
            c = self.counts[rtype] = TypeCounts()
        return c

    def reject(
        self,
        fi: int,
        line: int | None,
        rtype: Any,
        rid: Any,
        fld: str,
        reason: str,
        raw: Any,
        entry: int | None = None,
    ) -> None:
        """Quarantine something that could not be read as a resource of a known type."""
        known = isinstance(rtype, str) and rtype in self.known
        self._count(rtype if known else "(invalid)").quarantined += 1
        self.q.add(
            file=self.files[fi],
            line=line,
            entry=entry,
            resource_type=rtype if isinstance(rtype, str) else None,
            resource_id=rid if isinstance(rid, str) else None,
            field=fld,
            reason=reason,
            raw=raw,
        )

    def flush_full(self) -> None:
        for s in self.stages.values():
            if len(s.buffer) >= BATCH_ROWS:
                s.flush()

    def handle(self, res: Any, fi: int, line: int, entry: int | None, full_url: str | None, raw: Any) -> None:
        """Check one resource and stage its rows, or quarantine it (counted either way)."""
        if type(res) is not dict:
            self.reject(fi, line, None, None, "(resource)", "not a JSON object", raw, entry)
            return
        self.full_url = full_url
        rtype = res.get("resourceType")
        c = self.counts.get(rtype) if type(rtype) is str else None
        if c is None:
            if type(rtype) is not str or rtype not in self.known:
                reason = f"unknown resourceType {rtype!r}"  # not one of the R4 types
                self.reject(fi, line, rtype, res.get("id"), "resourceType", reason, raw, entry)
                return
            c = self._count(rtype)
        c.read += 1
        if rtype not in m.MODELLED:
            self._store_only(res, rtype, c, fi, line, entry, full_url, raw)
            return
        if self.strict:
            problem = validate_resource(res)
            if problem is not None:
                fld = problem.split(":")[0]
                self._reject_counted(c, fi, line, rtype, res, fld, f"R4 model: {problem}", raw, entry)
                return
        self.seq += 1
        e = -1 if entry is None else entry
        try:
            subject = self._stage(res, rtype, fi, line, e, full_url)
        except m.Reject as r:
            self._reject_counted(c, fi, line, rtype, res, r.field, r.reason, raw, entry)
            return
        except (AttributeError, TypeError, IndexError, KeyError) as exc:  # a shape the readers did not expect
            reason = f"unexpected structure: {exc}"
            self._reject_counted(c, fi, line, rtype, res, "(structure)", reason, raw, entry)
            return
        c.accepted += 1
        self.whole.add(res, rtype, raw, full_url, self.urls, subject, (self.seq, fi, line, e))

    def _store_only(
        self,
        res: dict,
        rtype: str,
        c: TypeCounts,
        fi: int,
        line: int,
        entry: int | None,
        full_url: str | None,
        raw: Any,
    ) -> None:
        """A valid R4 resource of a type the lake does not project: stored whole (counted as accepted
        and stored only). It is checked against its R4B model when ``fhir.resources`` has one (these
        types are rare in bulk data, so the model's cost does not matter)."""
        if has_model(rtype):
            problem = validate_resource(res)
            if problem is not None:
                fld = problem.split(":")[0]
                self._reject_counted(c, fi, line, rtype, res, fld, f"R4 model: {problem}", raw, entry)
                return
        self.seq += 1
        c.accepted += 1
        c.stored_only += 1
        e = -1 if entry is None else entry
        self.whole.add(res, rtype, raw, full_url, self.urls, patient_reference(res), (self.seq, fi, line, e))

    def _stage(self, res: dict, rtype: str, fi: int, line: int, e: int, full_url: str | None) -> str:
        """Map a modelled resource to staging rows (raises :class:`mapping.Reject`); its patient key
        (the subject as written; a Patient's match key)."""
        if rtype == "Encounter":
            rid, subject, etype, start, end, provider = m.read_encounter(res, self.dates, self.orgs)
            self._en((rid, subject, etype, start, end, provider, self.seq, fi, line, e))
            return subject
        if rtype == "MedicationRequest" or rtype == "MedicationStatement":
            subject, day, code, quantity, others = m.read_medication(res, rtype, self.dates)
            if code is not None:
                self._md((subject, day, code, quantity, rtype, fi, line, e))
            if others or code is None:
                self._codings(subject, rtype, day, code, others, fi, line, e)
            return subject
        if rtype == "Patient":
            return self._patient(res, fi, line, e, full_url)
        if rtype == "EpisodeOfCare":
            subject, kind, org, start, end = m.read_episode(res, self.dates)
            self._ep((subject, kind, org, start, end, self.seq, fi, line, e))
            return subject
        subject, day, code, rows, others = m.read_event(res, rtype, self.dates)
        for code_, value, unit in rows:
            self._ev((subject, day, code_, value, unit, rtype, fi, line, e))
        if others or not rows:
            self._codings(subject, rtype, day, code, others, fi, line, e)
        return subject

    def _reject_counted(
        self,
        c: TypeCounts,
        fi: int,
        line: int,
        rtype: str,
        res: dict,
        fld: str,
        reason: str,
        raw: Any,
        entry: int | None,
    ) -> None:
        c.quarantined += 1
        rid = res.get("id")
        if rtype == "Patient":  # its dependents will say so
            where = f"{Path(self.files[fi]).name} line {line}" + (
                f" entry {entry}" if entry is not None else ""
            )
            why = f"{where}: {fld}: {reason}"
            add = self.stages["failed_keys"].buffer.append
            for key in patient_keys(rid if isinstance(rid, str) else None, self.full_url):
                add((key, why))
        self.q.add(
            file=self.files[fi],
            line=line,
            entry=entry,
            resource_type=rtype,
            resource_id=rid if isinstance(rid, str) else None,
            field=fld,
            reason=reason,
            raw=raw if raw is not None else dump(res),
        )

    def _codings(
        self, subject: str, rtype: str, day: int, code: str | None, others: list, fi: int, line: int, e: int
    ) -> None:
        """Stage codings the lake's main tables do not hold (non-SNOMED, or beside the SNOMED one)."""
        if not others:
            raise m.Reject("code.coding", "no SNOMED CT coding and no other coding")
        add = self.stages["codings"].buffer.append
        for system, ocode, display, *more in others:
            shown = display if isinstance(display, str) else None
            lake_code, value = more if more else (code, NO_VALUE)
            add((subject, rtype, day, lake_code, system, ocode, shown, *value, fi, line, e))

    def _patient(self, res: dict, fi: int, line: int, e: int, full_url: str | None) -> str:
        p = m.read_patient(res, self.dates, full_url, self.orgs)
        seq = self.seq
        mk = p["match_key"]
        self.stages["patients"].buffer.append(
            (
                p["id"],
                p["nhs_number"],
                p["given_name"],
                p["family_name"],
                p["sex"],
                p["date_of_birth"],
                p["ethnicity"],
                p["small_area_code"],
                p["address_line"],
                p["postcode"],
                p["gp_code"],
                p["gp_since"],
                p["death_date"],
                p["death_place"],
                mk,
                seq,
                fi,
                line,
                e,
            )
        )
        add = self.stages["keys"].buffer.append
        if p["nhs_number"]:
            add((mk, mk, seq))
        for key in patient_keys(p["id"], full_url):
            add((key, mk, seq))
        return mk

    def close(self) -> None:
        for s in self.stages.values():
            s.close()
        self.whole.close()
