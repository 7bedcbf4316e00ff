"""Bulk FHIR R4 import: NDJSON (``$export`` output, optionally gzipped) and Bundles into the lake.

How a run goes:

1. **Stream.** Files are read a line at a time (a line longer than ``max_line_bytes`` is skipped in
   chunks, never held whole), each resource is parsed with ``orjson`` and checked by the
   hand-written readers in :mod:`nhc.fhir.mapping`; accepted rows go, in batches, to staging
   Parquet files (``pyarrow.parquet.ParquetWriter``); rejects go to the quarantine file with file,
   line, field and reason. Memory does not grow with the input.
2. **Resolve.** Patients are matched to the lake by NHS number (new ones keep their numeric id when
   it is free, else get the next id); every subject reference (``Patient/<id>``, a Bundle's
   ``urn:uuid:``, or an NHS number identifier) is resolved by a join in DuckDB. Resources whose
   patient cannot be found are quarantined at this step.
3. **Merge.** Each lake table is merged with the incoming rows by its natural key (so running the
   same input twice changes nothing): patients by NHS number, encounters by id, episodes by
   (patient, start), clinical events and medicines as multisets (a row already present is not added
   again, and genuine repeats within one input are kept).
4. **Swap.** Changed tables are written into a staging copy of the lake (unchanged tables are
   hard-linked, byte for byte) and swapped in with renames. A run that fails, or that accepts
   nothing, leaves the lake exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from nhc.errors import NhcError
from nhc.fhir import mapping as m
from nhc.fhir.quarantine import Quarantine
from nhc.lake.fhir_tables import FHIR_CODINGS, FHIR_RECORD_TYPES
from nhc.lake.schema import table_schema
from nhc.lake.store import Lake, conform

DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024
MAX_JSON_FILE_BYTES = 512 * 1024 * 1024
BATCH_ROWS = 100_000
MERGE_MEMORY = "1GB"
SUFFIXES = (".ndjson", ".jsonl", ".json", ".ndjson.gz", ".jsonl.gz", ".json.gz")

#: Lake tables an ingest can change.
TARGET_TABLES = (
    "patients",
    "practice_registrations",
    "deaths",
    "clinical_events",
    "medications",
    "encounters",
    "care_home_residence",
    FHIR_CODINGS.name,
    FHIR_RECORD_TYPES.name,
)


@dataclass
class TypeCounts:
    read: int = 0
    accepted: int = 0
    quarantined: int = 0
    skipped: int = 0


@dataclass
class IngestResult:
    lake_dir: Path
    files: list[str]
    counts: dict[str, TypeCounts]
    quarantine: Path | None
    quarantined: int
    warnings: int
    rows_before: dict[str, int]
    rows_after: dict[str, int]
    changed: list[str]
    seconds: float
    patients_new: int = 0
    patients_matched: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    memory: dict[str, float] = field(default_factory=dict)

    @property
    def resources(self) -> int:
        return sum(c.read for c in self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "lake": str(self.lake_dir),
            "files": self.files,
            "resources": self.resources,
            "by_type": {k: vars(v) for k, v in sorted(self.counts.items())},
            "quarantined": self.quarantined,
            "warnings": self.warnings,
            "quarantine_file": str(self.quarantine) if self.quarantine else None,
            "patients_new": self.patients_new,
            "patients_matched": self.patients_matched,
            "rows_before": self.rows_before,
            "rows_after": self.rows_after,
            "tables_changed": self.changed,
            "seconds": round(self.seconds, 2),
            "timings": {k: round(v, 2) for k, v in self.timings.items()},
            "memory_mb": self.memory,
        }


# --- staging --------------------------------------------------------------------------------------------
_LOC = [("_file", pa.int32()), ("_line", pa.int64()), ("_entry", pa.int32())]
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
        ("_seq", pa.int64()),
        *_LOC,
    ],
    "keys": [("key", pa.string()), ("nhs_number", pa.string()), ("_seq", pa.int64())],
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
    "codings": [
        ("subject", pa.string()),
        ("rtype", pa.string()),
        ("date", pa.int32()),
        ("lake_code", pa.string()),
        ("system", pa.string()),
        ("code", pa.string()),
        ("display", pa.string()),
        *_LOC,
    ],
}


class _Stage:
    """Rows (tuples) flushed to a Parquet file every ``BATCH_ROWS`` rows."""

    def __init__(self, path: Path, columns: list[tuple[str, pa.DataType]]) -> None:
        self.path = path
        self.schema = pa.schema(columns)
        self.buffer: list[tuple] = []
        self.writer = pq.ParquetWriter(path, self.schema, compression="none", write_statistics=False)
        self.rows = 0

    def add(self, *values: Any) -> None:
        self.buffer.append(values)
        if len(self.buffer) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        n = len(self.buffer)
        if not n:
            return
        columns = list(zip(*self.buffer, strict=True))
        arrays = [pa.array(c, type=f.type) for c, f in zip(columns, self.schema, strict=True)]
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        self.rows += n
        self.buffer.clear()  # in place: the reader holds buffer.append

    def close(self) -> None:
        self.flush()
        self.writer.close()


# --- reading files --------------------------------------------------------------------------------------
def input_files(path: Path) -> list[Path]:
    """The FHIR files at ``path``: the file itself, or every .ndjson/.jsonl/.json(.gz) below a folder."""
    path = Path(path)
    if not path.exists():
        raise NhcError(f"no such file or folder: {path}")
    if path.is_file():
        return [path]
    files = sorted(
        p
        for p in path.rglob("*")
        if p.is_file()
        and p.name.lower().endswith(SUFFIXES)
        and p.name != "manifest.json"
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )
    if not files:
        raise NhcError(f"no FHIR files (.ndjson, .jsonl, .json, optionally .gz) in {path}")
    return files


def _open(path: Path):
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")


def _is_ndjson(path: Path) -> bool:
    name = path.name.lower().removesuffix(".gz")
    return name.endswith((".ndjson", ".jsonl"))


@dataclass(frozen=True)
class Chunk:
    """A byte range of one file, starting at a line start (``first_line`` is its 1-based number)."""

    order: int
    file_index: int
    path: str
    start: int
    end: int  # -1: to the end of the file
    first_line: int


def plan_chunks(files: list[Path], chunk_bytes: int) -> list[Chunk]:
    """Split plain NDJSON files into line-aligned chunks of about ``chunk_bytes`` (others: one chunk)."""
    chunks: list[Chunk] = []
    for fi, path in enumerate(files):
        size = path.stat().st_size
        if not _is_ndjson(path) or path.name.lower().endswith(".gz") or size <= chunk_bytes:
            chunks.append(Chunk(len(chunks), fi, str(path), 0, -1, 1))
            continue
        start, line = 0, 1
        with path.open("rb") as fh:
            while start < size:
                target = start + chunk_bytes
                if target >= size:
                    chunks.append(Chunk(len(chunks), fi, str(path), start, -1, line))
                    break
                # Count lines up to the target, then finish the line the target falls in.
                fh.seek(start)
                newlines = 0
                remaining = target - start
                while remaining > 0:
                    block = fh.read(min(remaining, 1 << 24))
                    if not block:
                        break
                    newlines += block.count(b"\n")
                    remaining -= len(block)
                end = target
                while True:  # to the next newline, in pieces (a line can be huge)
                    piece = fh.read(1 << 16)
                    if not piece:
                        end = size
                        break
                    i = piece.find(b"\n")
                    if i >= 0:
                        end += i + 1
                        newlines += 1
                        break
                    end += len(piece)
                chunks.append(Chunk(len(chunks), fi, str(path), start, end if end < size else -1, line))
                line += newlines
                start = end
    return chunks


# --- the reader (runs in worker processes) ---------------------------------------------------------------
class _Run:
    """Reads chunks, checks and maps each resource, stages rows, quarantines rejects."""

    def __init__(
        self,
        staging: Path,
        quarantine: Quarantine,
        files: list[str],
        today: dt.date,
        strict: bool,
        max_line_bytes: int,
    ) -> None:
        from nhc.fhir.validate import known_resource_types

        staging.mkdir(parents=True, exist_ok=True)
        self.q = quarantine
        self.dates = m.DateParser(today)
        self.strict = strict
        self.max_line = max_line_bytes
        self.files = files
        self.counts: dict[str, TypeCounts] = {}
        self.seq = 0
        self.stages = {name: _Stage(staging / f"{name}.parquet", cols) for name, cols in STAGES.items()}
        self.known = known_resource_types()
        self._ev = self.stages["events"].buffer.append
        self._md = self.stages["medications"].buffer.append
        self._en = self.stages["encounters"].buffer.append
        self._ep = self.stages["episodes"].buffer.append

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

    def _flush_full(self) -> None:
        for s in self.stages.values():
            if len(s.buffer) >= BATCH_ROWS:
                s.flush()

    def read_chunk(self, chunk: Chunk) -> None:
        self.seq = chunk.order << 32
        path = Path(chunk.path)
        if _is_ndjson(path):
            self._read_ndjson(path, chunk)
        else:
            self._read_json(path, chunk.file_index)
        self._flush_full()

    def _read_ndjson(self, path: Path, chunk: Chunk) -> None:
        loads = orjson.loads
        limit = self.max_line
        handle = self.handle
        fi = chunk.file_index
        with _open(path) as fh:
            if chunk.start:
                fh.seek(chunk.start)
            pos, end = chunk.start, chunk.end
            readline = fh.readline
            line_no = chunk.first_line - 1
            while end < 0 or pos < end:
                data = readline(limit + 1)
                if not data:
                    break
                pos += len(data)
                line_no += 1
                if len(data) > limit and not data.endswith(b"\n"):
                    head = data[:1024]
                    size = len(data)
                    while True:  # skip the rest of the line without holding it
                        piece = readline(1 << 20)
                        pos += len(piece)
                        size += len(piece)
                        if not piece or piece.endswith(b"\n"):
                            break
                    self.reject(
                        fi,
                        line_no,
                        None,
                        None,
                        "(line)",
                        f"line of {size:,} bytes is longer than the {limit:,}-byte limit",
                        head,
                    )
                    continue
                if (line_no & 0x3FFF) == 0:
                    self._flush_full()
                try:
                    res = loads(data)
                except orjson.JSONDecodeError as exc:
                    if data.isspace():
                        continue
                    self.reject(fi, line_no, None, None, "(json)", f"not valid JSON: {exc}", data)
                    continue
                handle(res, fi, line_no, None, None, data)

    def _read_json(self, path: Path, fi: int) -> None:
        with _open(path) as fh:
            data = fh.read(MAX_JSON_FILE_BYTES + 1)
        if len(data) > MAX_JSON_FILE_BYTES:
            self.reject(
                fi,
                None,
                None,
                None,
                "(file)",
                f"JSON file larger than {MAX_JSON_FILE_BYTES:,} bytes: split it or send NDJSON",
                data[:1024],
            )
            return
        try:
            res = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            self.reject(fi, 1, None, None, "(json)", f"not valid JSON: {exc}", data[:RAW_SMALL])
            return
        if isinstance(res, list):
            for i, r in enumerate(res):
                self.handle(r, fi, 1, i, None, None)
        else:
            self.handle(res, fi, 1, None, None, None)

    # one resource
    def handle(self, res: Any, fi: int, line: int, entry: int | None, full_url: str | None, raw: Any) -> None:
        if type(res) is not dict:
            self.reject(fi, line, None, None, "(resource)", "not a JSON object", raw, entry)
            return
        rtype = res.get("resourceType")
        c = self.counts.get(rtype) if type(rtype) is str else None
        if c is None:
            if rtype == "Bundle" and entry is None:
                self._bundle(res, fi, line, raw)
                return
            if type(rtype) is not str or rtype not in self.known:
                self.reject(
                    fi,
                    line,
                    rtype,
                    res.get("id"),
                    "resourceType",
                    f"unknown resourceType {rtype!r}",
                    raw,
                    entry,
                )
                return
            c = self._count(rtype)
        if rtype not in m.MODELLED:
            if rtype in m.SKIPPED:
                c.read += 1
                c.skipped += 1
                return
            if rtype == "Bundle" and entry is None:
                self._bundle(res, fi, line, raw)
                return
            c.read += 1
            c.quarantined += 1
            self.q.add(
                file=self.files[fi],
                line=line,
                entry=entry,
                resource_type=rtype,
                resource_id=res.get("id"),
                field="resourceType",
                reason=f"{rtype} is a FHIR resource the lake does not model",
                raw=raw,
            )
            return
        c.read += 1
        if self.strict:
            from nhc.fhir.validate import validate_resource

            problem = validate_resource(res)
            if problem is not None:
                self._reject_counted(
                    c, fi, line, rtype, res, problem.split(":")[0], f"R4 model: {problem}", raw, entry
                )
                return
        e = -1 if entry is None else entry
        self.seq += 1
        try:
            if rtype == "Encounter":
                rid, subject, etype, start, end, provider = m.read_encounter(res, self.dates)
                self._en((rid, subject, etype, start, end, provider, self.seq, fi, line, e))
            elif rtype == "MedicationRequest" or rtype == "MedicationStatement":
                subject, day, code, quantity, others = m.read_medication(res, rtype, self.dates)
                if code is not None:
                    self._md((subject, day, code, quantity, rtype, fi, line, e))
                if others or code is None:
                    self._codings(subject, rtype, day, code, others, fi, line, e)
            elif rtype == "Patient":
                self._patient(res, fi, line, e, full_url)
            elif rtype == "EpisodeOfCare":
                subject, kind, org, start, end = m.read_episode(res, self.dates)
                self._ep((subject, kind, org, start, end, self.seq, fi, line, e))
            else:
                subject, day, code, rows, others = m.read_event(res, rtype, self.dates)
                for code_, value, unit in rows:
                    self._ev((subject, day, code_, value, unit, rtype, fi, line, e))
                if others or not rows:
                    self._codings(subject, rtype, day, code, others, fi, line, e)
        except m.Reject as r:
            self._reject_counted(c, fi, line, rtype, res, r.field, r.reason, raw, entry)
            return
        except (AttributeError, TypeError, IndexError, KeyError) as exc:  # a shape the readers did not expect
            self._reject_counted(
                c, fi, line, rtype, res, "(structure)", f"unexpected structure: {exc}", raw, entry
            )
            return
        c.accepted += 1

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
        self.q.add(
            file=self.files[fi],
            line=line,
            entry=entry,
            resource_type=rtype,
            resource_id=res.get("id") if isinstance(res.get("id"), str) else None,
            field=fld,
            reason=reason,
            raw=raw if raw is not None else _dump(res),
        )

    def _codings(
        self, subject: str, rtype: str, day: int, code: str | None, others: list, fi: int, line: int, e: int
    ) -> None:
        if not others:
            raise m.Reject("code.coding", "no SNOMED CT coding and no other coding")
        add = self.stages["codings"].buffer.append
        for system, ocode, display in others:
            add(
                (
                    subject,
                    rtype,
                    day,
                    code,
                    system,
                    ocode,
                    display if isinstance(display, str) else None,
                    fi,
                    line,
                    e,
                )
            )

    def _patient(self, res: dict, fi: int, line: int, e: int, full_url: str | None) -> None:
        p = m.read_patient(res, self.dates)
        seq = self.seq
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
                seq,
                fi,
                line,
                e,
            )
        )
        add = self.stages["keys"].buffer.append
        nhs = p["nhs_number"]
        add((f"nhs:{nhs}", nhs, seq))
        if p["id"]:
            add((f"Patient/{p['id']}", nhs, seq))
        if full_url:
            add((full_url, nhs, seq))
            parts = full_url.rstrip("/").split("/")
            if len(parts) >= 2 and parts[-2] == "Patient" and not full_url.startswith("urn:"):
                add((f"Patient/{parts[-1]}", nhs, seq))

    def _bundle(self, res: dict, fi: int, line: int, raw: Any) -> None:
        entries = res.get("entry")
        if entries is None:
            return
        if not isinstance(entries, list):
            self.reject(fi, line, "Bundle", res.get("id"), "entry", "Bundle.entry is not a list", raw)
            return
        for i, ent in enumerate(entries):
            if not isinstance(ent, dict) or not isinstance(ent.get("resource"), dict):
                self.reject(
                    fi,
                    line,
                    None,
                    None,
                    f"entry[{i}].resource",
                    "Bundle entry without a resource",
                    _dump(ent),
                    i,
                )
                continue
            full_url = ent.get("fullUrl")
            self.handle(ent["resource"], fi, line, i, full_url if isinstance(full_url, str) else None, None)
            if (i & 0x3FFF) == 0:
                self._flush_full()

    def close(self) -> None:
        for s in self.stages.values():
            s.close()


RAW_SMALL = 65_536


def _dump(obj: Any) -> str:
    try:
        return orjson.dumps(obj).decode()
    except TypeError:
        return repr(obj)[:RAW_SMALL]


def _read_chunks(args: tuple) -> tuple[int, dict[str, dict[str, int]], int]:
    """Worker: read some chunks into ``<work>/w<id>/`` with its own quarantine file."""
    worker, chunks, files, work, today, strict, max_line = args
    q = Quarantine(Path(work) / f"quarantine-{worker:03d}.ndjson")
    run = _Run(Path(work) / f"w{worker:03d}", q, files, today, strict, max_line)
    try:
        for chunk in chunks:
            run.read_chunk(chunk)
    finally:
        run.close()
        q.close()
    return worker, {k: vars(v) for k, v in run.counts.items()}, q.errors


def ingest_fhir(
    source: Path | str,
    lake_dir: Path | str,
    *,
    quarantine_path: Path | str | None = None,
    progress: bool = False,
    strict: bool = False,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    workers: int | None = None,
    chunk_bytes: int = 64 * 1024 * 1024,
    today: dt.date | None = None,
) -> IngestResult:
    """Load the FHIR files at ``source`` into the lake at ``lake_dir`` (see the module docstring).

    ``workers`` processes read the input in parallel (default: the CPU count, at most 4; inputs
    smaller than two chunks are read in this process).
    """
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TransferSpeedColumn,
    )

    started = time.perf_counter()
    lake_dir = Path(lake_dir)
    files = input_files(Path(source))
    file_names = [str(f) for f in files]
    today = today or dt.date.today()
    if quarantine_path is None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        quarantine_path = lake_dir.parent / "quarantine" / f"fhir-{stamp}.ndjson"
    quarantine = Quarantine(Path(quarantine_path))
    work_parent = lake_dir.parent if lake_dir.parent.exists() else Path(tempfile.gettempdir())
    work = Path(tempfile.mkdtemp(prefix=".fhir-ingest-", dir=work_parent))
    timings: dict[str, float] = {}
    memory: dict[str, float] = {}
    counts: dict[str, TypeCounts] = {}
    try:
        chunks = plan_chunks(files, chunk_bytes)
        total = sum(f.stat().st_size for f in files)
        default_workers = min(os.cpu_count() or 1, 4) if total > 2 * chunk_bytes else 1
        n_workers = max(1, min(workers or default_workers, len(chunks)))
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeElapsedColumn(),
            disable=not progress,
            transient=True,
        ) as bar:
            task = bar.add_task(
                f"ingest fhir ({n_workers} worker{'s' if n_workers > 1 else ''})", total=total
            )
            sizes = {
                c.order: (c.end if c.end >= 0 else Path(c.path).stat().st_size) - c.start for c in chunks
            }
            results = []
            if n_workers == 1:
                for c in chunks:
                    results.append(
                        _read_chunks((c.order, [c], file_names, str(work), today, strict, max_line_bytes))
                    )
                    bar.advance(task, sizes[c.order])
            else:
                import multiprocessing as mp
                from concurrent.futures import ProcessPoolExecutor, as_completed

                with ProcessPoolExecutor(n_workers, mp_context=mp.get_context("spawn")) as pool:
                    futures = {
                        pool.submit(
                            _read_chunks, (c.order, [c], file_names, str(work), today, strict, max_line_bytes)
                        ): c.order
                        for c in chunks
                    }
                    for fut in as_completed(futures):
                        results.append(fut.result())
                        bar.advance(task, sizes[futures[fut]])
            for _w, wcounts, _errors in sorted(results):
                for rtype, c in wcounts.items():
                    tc = counts.setdefault(rtype, TypeCounts())
                    for k, v in c.items():
                        setattr(tc, k, getattr(tc, k) + v)
            for qf in sorted(work.glob("quarantine-*.ndjson")):  # in input order
                quarantine.append_file(qf)
            timings["read"] = time.perf_counter() - started
            memory["reader_peak_mb"] = _peak_rss_mb(children=n_workers > 1)
            bar.update(task, description="resolving and merging")
            t0 = time.perf_counter()
            merged = _merge(work, lake_dir, file_names, counts, quarantine, today, n_workers)
            timings["merge"] = time.perf_counter() - t0
            memory["process_peak_mb"] = _peak_rss_mb(children=False)
    finally:
        quarantine.close()
        shutil.rmtree(work, ignore_errors=True)
    return IngestResult(
        lake_dir=lake_dir,
        files=file_names,
        counts=counts,
        quarantine=quarantine.path if quarantine.written else None,
        quarantined=quarantine.errors,
        warnings=quarantine.warnings,
        rows_before=merged["before"],
        rows_after=merged["after"],
        changed=merged["changed"],
        seconds=time.perf_counter() - started,
        patients_new=merged["patients_new"],
        patients_matched=merged["patients_matched"],
        timings=timings | merged["timings"],
        memory=memory,
    )


def _peak_rss_mb(*, children: bool) -> float:
    """Peak resident memory (MB) of this process, or of the largest reader process it has waited for."""
    import resource

    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)  # Linux reports KB


# --- resolve and merge (DuckDB) -------------------------------------------------------------------------
def _empty_view(con: Any, name: str, table: str) -> None:
    empty = table_schema(table).arrow.empty_table()
    con.register(f"_empty_{name}", empty)
    con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM _empty_{name}")


def _lake_view(con: Any, lake: Lake, table: str) -> None:
    files = lake.files(table)
    if files:
        paths = ", ".join(f"'{f}'" for f in files)
        cols = ", ".join(f'"{c}"' for c in table_schema(table).column_names)
        con.execute(f"CREATE OR REPLACE VIEW lake_{table} AS SELECT {cols} FROM read_parquet([{paths}])")
    else:
        _empty_view(con, f"lake_{table}", table)


def _day(col: str) -> str:
    return f"(DATE '1970-01-01' + {col})"


def _merge(
    work: Path,
    lake_dir: Path,
    files: list[str],
    counts: dict[str, TypeCounts],
    quarantine: Quarantine,
    today: dt.date,
    threads: int,
) -> dict[str, Any]:
    import duckdb

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    lake = Lake(lake_dir)
    con = duckdb.connect()
    if os.environ.get("NHC_FHIR_TRACE"):  # per-statement timings on stderr, for tuning
        con = _Traced(con)
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET temp_directory = '{work / 'duck'}'")
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"SET threads = {max(1, threads)}")
    con.execute(f"SET memory_limit = '{MERGE_MEMORY}'")
    for name in STAGES:
        con.execute(f"CREATE VIEW s_{name} AS SELECT * FROM read_parquet('{work}/w*/{name}.parquet')")
    for t in TARGET_TABLES:
        _lake_view(con, lake, t)
    before = {t: con.execute(f"SELECT count(*) FROM lake_{t}").fetchone()[0] for t in TARGET_TABLES}
    run_day = today.toordinal() - m.EPOCH_ORDINAL

    # Patients: one per NHS number (the last one read wins), matched to the lake by NHS number.
    con.execute("""
        CREATE TABLE inc_p AS SELECT * FROM s_patients
        QUALIFY row_number() OVER (PARTITION BY nhs_number ORDER BY _seq DESC) = 1""")
    con.execute("""
        CREATE TABLE m_p AS
        SELECT i.*, e.patient_id AS existing_id,
               CASE WHEN regexp_full_match(i.id, '[1-9][0-9]{0,17}') THEN TRY_CAST(i.id AS BIGINT) END AS num_id
        FROM inc_p i LEFT JOIN lake_patients e USING (nhs_number)""")
    con.execute("""
        CREATE TABLE free_p AS
        SELECT nhs_number, num_id FROM m_p
        WHERE existing_id IS NULL AND num_id IS NOT NULL
          AND num_id NOT IN (SELECT patient_id FROM lake_patients)
        QUALIFY count(*) OVER (PARTITION BY num_id) = 1""")
    con.execute("""
        CREATE TABLE assigned AS
        WITH base AS (
            SELECT m_p.*, f.num_id AS free_id FROM m_p LEFT JOIN free_p f USING (nhs_number)),
        top AS (
            SELECT greatest(coalesce((SELECT max(patient_id) FROM lake_patients), 0),
                            coalesce((SELECT max(num_id) FROM free_p), 0)) AS top)
        SELECT base.*, coalesce(existing_id, free_id,
               (SELECT top FROM top) + row_number() OVER (
                   PARTITION BY existing_id IS NULL AND free_id IS NULL ORDER BY _seq)) AS patient_id
        FROM base""")
    patients_matched = con.execute("SELECT count(*) FROM assigned WHERE existing_id IS NOT NULL").fetchone()[
        0
    ]
    patients_new = con.execute("SELECT count(*) FROM assigned WHERE existing_id IS NULL").fetchone()[0]

    # Every way a resource may name a patient -> patient_id (this input's keys first, then the lake's).
    con.execute("""
        CREATE TABLE keymap AS
        SELECT key, patient_id FROM (
            SELECT k.key, a.patient_id, 0 AS prio, k._seq FROM s_keys k JOIN assigned a USING (nhs_number)
            UNION ALL SELECT 'nhs:' || nhs_number, patient_id, 1, 0 FROM lake_patients
            UNION ALL SELECT 'Patient/' || patient_id, patient_id, 2, 0 FROM lake_patients)
        QUALIFY row_number() OVER (PARTITION BY key ORDER BY prio, _seq DESC) = 1""")

    # Resolve subjects; the unresolved go to quarantine.
    for stage in ("events", "medications", "encounters", "episodes", "codings"):
        con.execute(f"""
            CREATE TABLE r_{stage} AS SELECT s.*, k.patient_id FROM s_{stage} s LEFT JOIN keymap k ON s.subject = k.key""")
    _quarantine_unresolved(con, files, counts, quarantine)
    timings["resolve"] = time.perf_counter() - t0
    t0 = time.perf_counter()

    new: dict[str, str] = {}  # table -> SQL of its merged content
    pcols = (
        "patient_id, nhs_number, given_name, family_name, sex, "
        + _day("date_of_birth")
        + " AS date_of_birth, ethnicity, small_area_code, address_line, postcode"
    )
    new["patients"] = f"""
        SELECT * FROM lake_patients WHERE patient_id NOT IN (SELECT patient_id FROM assigned)
        UNION ALL SELECT {pcols} FROM assigned"""

    # Deaths: a deceasedDateTime with a place replaces the lake's row; without a place it is a warning.
    for r in con.execute("""
            SELECT _file, _line, _entry, id FROM assigned
            WHERE death_date IS NOT NULL AND death_place IS NULL ORDER BY _seq""").fetchall():
        quarantine.add(
            file=files[r[0]],
            line=r[1],
            entry=None if r[2] < 0 else r[2],
            resource_type="Patient",
            resource_id=r[3],
            field="extension[place-of-death]",
            severity="warning",
            reason="deceasedDateTime without a place of death: the patient was loaded, the death was "
            "not (the lake's deaths.place_of_death is required)",
        )
    new["deaths"] = f"""
        WITH inc AS (SELECT patient_id, {_day("death_date")} AS date_of_death, death_place AS place_of_death
                     FROM assigned WHERE death_date IS NOT NULL AND death_place IS NOT NULL)
        SELECT * FROM lake_deaths WHERE patient_id NOT IN (SELECT patient_id FROM inc)
        UNION ALL SELECT * FROM inc"""

    # Episodes: care homes and registrations, keyed by (patient, start); the last one read wins.
    for table, kind, code_col in (
        ("care_home_residence", "care_home", "care_home_code"),
        ("practice_registrations", "registration", "practice_code"),
    ):
        con.execute(f"""
            CREATE TABLE inc_{table} AS
            SELECT patient_id, org AS {code_col}, {_day("start_date")} AS start_date, {_day("end_date")} AS end_date
            FROM r_episodes WHERE kind = '{kind}' AND patient_id IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY patient_id, start_date ORDER BY _seq DESC) = 1""")
    # Patient.generalPractitioner: a current registration, unless one with that practice is open already.
    con.execute("""
        CREATE TABLE regs0 AS
        SELECT * FROM lake_practice_registrations r
        WHERE NOT EXISTS (SELECT 1 FROM inc_practice_registrations i
                          WHERE i.patient_id = r.patient_id AND i.start_date = r.start_date)
        UNION ALL SELECT * FROM inc_practice_registrations""")
    con.execute(f"""
        CREATE TABLE gp_new AS
        SELECT a.patient_id, a.gp_code AS practice_code,
               {_day(f"coalesce(a.gp_since, {run_day})")} AS start_date, NULL::DATE AS end_date
        FROM assigned a
        WHERE a.gp_code IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM regs0 r WHERE r.patient_id = a.patient_id AND r.practice_code = a.gp_code
              AND r.end_date IS NULL)""")
    new["practice_registrations"] = """
        SELECT r.patient_id, r.practice_code, r.start_date,
               CASE WHEN r.end_date IS NULL AND g.start_date > r.start_date THEN g.start_date - 1
                    ELSE r.end_date END AS end_date
        FROM regs0 r LEFT JOIN gp_new g USING (patient_id)
        WHERE NOT EXISTS (SELECT 1 FROM gp_new g2 WHERE g2.patient_id = r.patient_id AND g2.start_date = r.start_date)
        UNION ALL SELECT * FROM gp_new"""
    new["care_home_residence"] = """
        SELECT * FROM lake_care_home_residence r
        WHERE NOT EXISTS (SELECT 1 FROM inc_care_home_residence i
                          WHERE i.patient_id = r.patient_id AND i.start_date = r.start_date)
        UNION ALL SELECT * FROM inc_care_home_residence"""

    # Encounters: numeric FHIR ids are kept (unless the lake has that id for another patient); others
    # match a lake encounter with the same content, else get a new id.
    con.execute(f"""
        CREATE TABLE inc_enc0 AS
        SELECT *, CASE WHEN regexp_full_match(fhir_id, '[1-9][0-9]{{0,17}}') THEN TRY_CAST(fhir_id AS BIGINT) END AS num_id,
               {_day("start_date")} AS sd, {_day("end_date")} AS ed
        FROM r_encounters WHERE patient_id IS NOT NULL
        QUALIFY fhir_id IS NULL OR row_number() OVER (PARTITION BY fhir_id ORDER BY _seq DESC) = 1""")
    con.execute("""
        CREATE TABLE inc_enc1 AS
        SELECT i.*,
               CASE WHEN i.num_id IS NOT NULL AND (byid.patient_id IS NULL OR byid.patient_id = i.patient_id)
                    THEN i.num_id END AS keep_id,
               nat.encounter_id AS nat_id
        FROM inc_enc0 i
        LEFT JOIN lake_encounters byid ON byid.encounter_id = i.num_id
        LEFT JOIN (SELECT patient_id, type, start_date, end_date, provider_code, min(encounter_id) AS encounter_id
                   FROM lake_encounters GROUP BY ALL) nat
          ON nat.patient_id = i.patient_id AND nat.type = i.type AND nat.start_date = i.sd
             AND nat.end_date IS NOT DISTINCT FROM i.ed AND nat.provider_code = i.provider_code""")
    con.execute("""
        CREATE TABLE inc_enc2 AS
        SELECT coalesce(keep_id, nat_id, greatest(coalesce((SELECT max(encounter_id) FROM lake_encounters), 0),
                                                  coalesce((SELECT max(keep_id) FROM inc_enc1), 0))
                        + row_number() OVER (PARTITION BY keep_id IS NULL AND nat_id IS NULL ORDER BY _seq))
                   AS encounter_id,
               patient_id, type, sd AS start_date, ed AS end_date, provider_code, _seq
        FROM inc_enc1""")
    con.execute("""
        CREATE TABLE inc_encounters AS SELECT * FROM inc_enc2
        QUALIFY row_number() OVER (PARTITION BY encounter_id ORDER BY _seq DESC) = 1""")
    new["encounters"] = """
        SELECT * FROM lake_encounters WHERE encounter_id NOT IN (SELECT encounter_id FROM inc_encounters)
        UNION ALL SELECT encounter_id, patient_id, type, start_date, end_date, provider_code FROM inc_encounters"""

    # Events and medicines: multiset union by the whole row (idempotent, repeats within an input kept).
    for table, stage, cols in (
        ("clinical_events", "events", ("date", "snomed_code", "value", "unit")),
        ("medications", "medications", ("date", "dmd_code", "quantity")),
    ):
        inc_cols = ", ".join(_day(c) + " AS date" if c == "date" else c for c in cols)
        all_cols = "patient_id, " + ", ".join(cols)
        if before[table] == 0:  # first load: nothing to merge with
            new[table] = f"SELECT patient_id, {inc_cols} FROM r_{stage} WHERE patient_id IS NOT NULL"
            continue
        new[table] = f"""
            SELECT {all_cols} FROM (
                SELECT {all_cols}, row_number() OVER (PARTITION BY {all_cols}) AS rn FROM lake_{table}
                UNION
                SELECT {all_cols}, row_number() OVER (PARTITION BY {all_cols}) AS rn FROM (
                    SELECT patient_id, {inc_cols} FROM r_{stage} WHERE patient_id IS NOT NULL))"""
    # Side tables: other codings (set union) and non-default resource types.
    new["fhir_codings"] = f"""
        SELECT * FROM lake_fhir_codings
        UNION
        SELECT patient_id, rtype AS resource_type, {_day("date")} AS date, lake_code, system, code, display
        FROM r_codings WHERE patient_id IS NOT NULL"""
    new["fhir_record_types"] = f"""
        WITH inc AS (
            SELECT 'clinical_events' AS lake_table, patient_id, {_day("date")} AS date, snomed_code AS code,
                   rtype AS resource_type,
                   rtype <> CASE WHEN value IS NOT NULL THEN 'Observation' ELSE 'Condition' END AS differs
            FROM r_events WHERE patient_id IS NOT NULL
            UNION ALL
            SELECT 'medications', patient_id, {_day("date")}, dmd_code, rtype, rtype <> 'MedicationRequest'
            FROM r_medications WHERE patient_id IS NOT NULL)
        SELECT * FROM lake_fhir_record_types l
        WHERE NOT EXISTS (SELECT 1 FROM inc i WHERE i.lake_table = l.lake_table AND i.patient_id = l.patient_id
                          AND i.date = l.date AND i.code = l.code)
        UNION ALL
        SELECT lake_table, patient_id, date, code, min(resource_type) FROM inc WHERE differs GROUP BY ALL"""
    for t, sql in new.items():
        con.execute(f"CREATE TABLE new_{t} AS {sql}")
    timings["merge_sql"] = time.perf_counter() - t0
    t0 = time.perf_counter()

    changed = []
    for t in TARGET_TABLES:
        n_new = con.execute(f"SELECT count(*) FROM new_{t}").fetchone()[0]
        if n_new != before[t]:
            changed.append(t)
            continue
        diff = con.execute(
            f"SELECT count(*) FROM (SELECT * FROM new_{t} EXCEPT ALL SELECT * FROM lake_{t})"
        ).fetchone()[0]
        if diff:
            changed.append(t)
    after = {t: con.execute(f"SELECT count(*) FROM new_{t}").fetchone()[0] for t in TARGET_TABLES}
    if changed:
        _write_changed(con, lake, changed)
    con.close()
    timings["write"] = time.perf_counter() - t0
    return {
        "before": before,
        "after": after,
        "changed": changed,
        "patients_new": patients_new,
        "patients_matched": patients_matched,
        "timings": timings,
    }


class _Traced:
    def __init__(self, con: Any) -> None:
        self._con = con

    def execute(self, sql: str, *args: Any) -> Any:
        import sys

        t0 = time.perf_counter()
        out = self._con.execute(sql, *args)
        print(f"{time.perf_counter() - t0:7.2f}s {' '.join(sql.split())[:110]}", file=sys.stderr)
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _quarantine_unresolved(
    con: Any, files: list[str], counts: dict[str, TypeCounts], quarantine: Quarantine
) -> None:
    rows = con.execute("""
        SELECT DISTINCT _file, _line, _entry, rtype, subject FROM (
            SELECT _file, _line, _entry, rtype, subject FROM r_events WHERE patient_id IS NULL
            UNION ALL SELECT _file, _line, _entry, rtype, subject FROM r_medications WHERE patient_id IS NULL
            UNION ALL SELECT _file, _line, _entry, 'Encounter', subject FROM r_encounters WHERE patient_id IS NULL
            UNION ALL SELECT _file, _line, _entry, 'EpisodeOfCare', subject FROM r_episodes WHERE patient_id IS NULL
            UNION ALL SELECT _file, _line, _entry, rtype, subject FROM r_codings WHERE patient_id IS NULL)
        ORDER BY _file, _line, _entry""").fetchall()
    if not rows:
        return
    raw = _fetch_lines(files, {(f, ln) for f, ln, e, _t, _s in rows if e < 0})
    for f, ln, e, rtype, subject in rows:
        c = counts[rtype]
        c.accepted -= 1
        c.quarantined += 1
        fld = "patient" if rtype in ("AllergyIntolerance", "EpisodeOfCare") else "subject"
        quarantine.add(
            file=files[f],
            line=ln,
            entry=None if e < 0 else e,
            resource_type=rtype,
            field=fld,
            reason=f"patient {subject!r} is neither in this input nor in the lake",
            raw=raw.get((f, ln)),
        )


def _fetch_lines(
    files: list[str], wanted: set[tuple[int, int]], limit: int = 100_000
) -> dict[tuple[int, int], bytes]:
    """The raw text of some (file, line)s, read back for the quarantine (at most ``limit`` of them)."""
    out: dict[tuple[int, int], bytes] = {}
    by_file: dict[int, set[int]] = {}
    for f, ln in sorted(wanted)[:limit]:
        by_file.setdefault(f, set()).add(ln)
    for f, lines in by_file.items():
        path = Path(files[f])
        if not _is_ndjson(path):
            continue
        last = max(lines)
        with _open(path) as fh:
            for n, data in enumerate(fh, start=1):
                if n in lines:
                    out[(f, n)] = data[:RAW_SMALL]
                if n >= last:
                    break
    return out


_ORDER = {
    "patients": "patient_id",
    "practice_registrations": "patient_id, start_date",
    "deaths": "patient_id",
    "clinical_events": "patient_id, date, snomed_code, value, unit",
    "medications": "patient_id, date, dmd_code, quantity",
    "encounters": "encounter_id",
    "care_home_residence": "patient_id, start_date",
    "fhir_codings": "patient_id, date, resource_type, lake_code, system, code, display",
    "fhir_record_types": "lake_table, patient_id, date, code",
}


def _write_changed(con: Any, lake: Lake, changed: list[str]) -> None:
    """Write a staging copy of the lake (changed tables new, the rest hard-linked) and swap it in."""
    from nhc.lake.store import PART_NAME, ROW_GROUP_SIZE

    root = lake.root
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = root.with_name(f".{root.name}.staging-{uuid.uuid4().hex}")
    staging.mkdir()
    try:
        if root.exists():
            for item in root.iterdir():
                if item.name.startswith(".") or item.name in changed:
                    continue
                _link_tree(item, staging / item.name)
        for t in changed:
            schema = table_schema(t)
            (staging / t).mkdir()
            path = staging / t / PART_NAME
            cols = ", ".join(f'"{c.name}"' for c in schema.columns)
            arrow_iter = con.execute(f"SELECT {cols} FROM new_{t} ORDER BY {_ORDER[t]}").to_arrow_reader(
                ROW_GROUP_SIZE
            )
            writer = None
            try:
                for batch in arrow_iter:
                    table = conform(pa.Table.from_batches([batch]), schema)
                    if writer is None:
                        writer = pq.ParquetWriter(
                            path, schema.arrow, compression="zstd", use_dictionary=True, write_statistics=True
                        )
                    writer.write_table(table, row_group_size=ROW_GROUP_SIZE)
                if writer is None:
                    pq.write_table(schema.arrow.empty_table(), path, compression="zstd")
            finally:
                if writer is not None:
                    writer.close()
        old = root.with_name(f".{root.name}.old-{uuid.uuid4().hex}")
        if root.exists():
            os.replace(root, old)
        os.replace(staging, root)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _link_tree(src: Path, dst: Path) -> None:
    if src.is_dir():
        dst.mkdir()
        for child in src.iterdir():
            _link_tree(child, dst / child.name)
        return
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
