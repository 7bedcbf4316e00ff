"""Whole resources: every accepted resource kept as received, for the lake's ``fhir_resources``.

The analytic tables are a projection; this keeps the resource itself, so an export can give it back
without loss. What is stored (the contract :class:`WholeStage` writes):

* an NDJSON line is stored byte for byte, without its line end: no parsing again, no serialising;
* a Bundle entry's resource (and a resource of a JSON document) is serialised compactly with
  ``orjson``, after references to another entry's ``urn:uuid:``/``urn:oid:`` ``fullUrl`` are
  rewritten to that entry's ``<Type>/<id>`` (a ``urn:uuid`` means nothing outside its Bundle);
* the id is the resource's own; else the uuid of its ``urn:uuid`` fullUrl (or the last part of any
  other fullUrl); else ``h-`` and 20 hex digits of the SHA-1 of its JSON. An id that was not in the
  resource is written into the stored JSON, so references to it resolve.

Rows are buffered as one byte buffer plus offsets (no Python string per resource) and written to a
staging Arrow IPC file every :data:`BATCH_ROWS` rows: a plain copy of the buffers, read back memory
mapped without decoding (DuckDB scans it as an Arrow dataset); the merge links them to patients.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from nhc.fhir.mapping import Reject
from nhc.fhir.mapping.read import subject_key

BATCH_ROWS = 100_000
URN_PREFIXES = ("urn:uuid:", "urn:oid:")
#: The staging table's columns (``json`` is built from a byte buffer and its offsets).
COLUMNS: list[tuple[str, pa.DataType]] = [
    ("rtype", pa.string()),
    ("id", pa.string()),
    ("version_id", pa.string()),
    ("last_updated", pa.string()),
    ("subject", pa.string()),
    ("json", pa.large_string()),
    ("_seq", pa.int64()),
    ("_file", pa.int32()),
    ("_line", pa.int64()),
    ("_entry", pa.int32()),
]


def id_from_url(full_url: str | None) -> str | None:
    """The id a Bundle ``fullUrl`` gives: the uuid of ``urn:uuid:<uuid>``, else its last path part."""
    if not full_url:
        return None
    if full_url.startswith(URN_PREFIXES):
        return full_url.split(":", 2)[2] or None
    last = full_url.rstrip("/").rsplit("/", 1)[-1]
    return last or None


def bundle_urls(entries: list) -> dict[str, str]:
    """A Bundle's ``urn:uuid``/``urn:oid`` fullUrls -> ``<Type>/<id>`` of the resource each names."""
    urls: dict[str, str] = {}
    for ent in entries:
        if not isinstance(ent, dict):
            continue
        url, res = ent.get("fullUrl"), ent.get("resource")
        if not (isinstance(url, str) and url.startswith(URN_PREFIXES) and isinstance(res, dict)):
            continue
        rtype, rid = res.get("resourceType"), res.get("id")
        rid = rid if isinstance(rid, str) and rid else id_from_url(url)
        if isinstance(rtype, str) and rid:
            urls[url] = f"{rtype}/{rid}"
    return urls


def rewrite_references(obj: Any, urls: dict[str, str]) -> Any:
    """``obj`` with every ``reference`` naming a key of ``urls`` rewritten to its value.

    Returns ``obj`` itself when nothing changes (no copy); changed containers are new objects, so
    the input is never modified.
    """
    if isinstance(obj, dict):
        out = None
        for k, v in obj.items():
            if k == "reference" and isinstance(v, str) and v in urls:
                new: Any = urls[v]
            elif isinstance(v, dict | list):
                new = rewrite_references(v, urls)
            else:
                continue
            if new is not v:
                if out is None:
                    out = dict(obj)
                out[k] = new
        return obj if out is None else out
    if isinstance(obj, list):
        items = [rewrite_references(v, urls) for v in obj]
        return obj if all(a is b for a, b in zip(items, obj, strict=True)) else items
    return obj


def patient_reference(res: dict) -> str | None:
    """The patient key of a resource the lake does not project (its ``subject`` or ``patient``, when
    that names a Patient), or ``None``."""
    for name in ("subject", "patient"):
        ref = res.get(name)
        if isinstance(ref, dict):
            try:
                return subject_key(ref, name)
            except Reject:
                return None
    return None


class WholeStage:
    """Buffered rows of the ``resources`` staging table, written to ``path`` in batches.

    Column by column (lists, and ``array`` buffers handed to Arrow without copying): this runs once
    per resource, so it is kept to a few appends.
    """

    def __init__(self, path: Path) -> None:
        self.schema = pa.schema(COLUMNS)
        self.writer = pa.ipc.new_file(str(path), self.schema)
        self.rows = 0
        self._reset()

    def _reset(self) -> None:
        self.rtypes: list[str] = []
        self.ids: list[str] = []
        self.subjects: list[str | None] = []
        self.metas: list[tuple[int, Any, Any]] = []  # (row, versionId, lastUpdated): few resources have meta
        self.seqs = array("q")
        self.files = array("i")
        self.lines = array("q")
        self.entries = array("i")
        self.buf = bytearray()
        self.offsets = array("q", [0])

    def add(
        self,
        res: dict,
        rtype: str,
        raw: Any,
        full_url: str | None,
        urls: dict[str, str],
        subject: str | None,
        loc: tuple[int, int, int, int],
    ) -> None:
        """Keep ``res`` (read from ``raw`` bytes when it was a whole NDJSON line); ``loc`` is
        (seq, file, line, entry)."""
        rid = res.get("id")
        if type(raw) is bytes and type(rid) is str and rid:
            buf = self.buf
            buf += raw
            if buf[-1] == 10:  # the line end, dropped in place (no copy of the line)
                del buf[-1]
                if buf and buf[-1] == 13:
                    del buf[-1]
        else:
            if urls:
                res = rewrite_references(res, urls)
            if not (isinstance(rid, str) and rid):
                rid = id_from_url(full_url)
                if rid is None:
                    rid = "h-" + hashlib.sha1(orjson.dumps(res)).hexdigest()[:20]
                res = {"resourceType": rtype, "id": rid} | {k: v for k, v in res.items() if k != "id"}
            self.buf += orjson.dumps(res)
        self.offsets.append(len(self.buf))
        meta = res.get("meta")
        if meta is not None and type(meta) is dict:
            vid, lu = meta.get("versionId"), meta.get("lastUpdated")
            self.metas.append(
                (len(self.ids), vid if type(vid) is str else None, lu if type(lu) is str else None)
            )
        self.rtypes.append(rtype)
        self.ids.append(rid)
        self.subjects.append(subject)
        seq, fi, line, entry = loc
        self.seqs.append(seq)
        self.files.append(fi)
        self.lines.append(line)
        self.entries.append(entry)
        if len(self.ids) >= BATCH_ROWS:
            self.flush()

    def _meta_column(self, n: int, k: int) -> pa.Array:
        if not self.metas:
            return pa.nulls(n, pa.string())
        values: list[Any] = [None] * n
        for m in self.metas:
            values[m[0]] = m[k]
        return pa.array(values, type=pa.string())

    def flush(self) -> None:
        n = len(self.ids)
        if not n:
            return

        def ints(a: array, t: pa.DataType) -> pa.Array:
            return pa.Array.from_buffers(t, n, [None, pa.py_buffer(a)])

        arrays = [
            pa.array(self.rtypes, type=pa.string()),
            pa.array(self.ids, type=pa.string()),
            self._meta_column(n, 1),
            self._meta_column(n, 2),
            pa.array(self.subjects, type=pa.string()),
            pa.Array.from_buffers(
                pa.large_string(), n, [None, pa.py_buffer(self.offsets), pa.py_buffer(self.buf)]
            ),
            ints(self.seqs, pa.int64()),
            ints(self.files, pa.int32()),
            ints(self.lines, pa.int64()),
            ints(self.entries, pa.int32()),
        ]
        self.writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=self.schema))
        self.rows += n
        self._reset()

    def close(self) -> None:
        self.flush()
        self.writer.close()


STAGED_NAME = "resources.arrow"


def staged_files(work: Path) -> list[Path]:
    """Every worker's staged resources, in the order read (``w<order>`` folders, by number)."""
    return sorted(work.glob(f"w*/{STAGED_NAME}"), key=lambda p: int(p.parent.name[1:]))


def _read_staged(path: Path) -> Iterator[pa.RecordBatch]:
    """The batches of a staged file, memory mapped (no copy, no decoding)."""
    reader = pa.ipc.open_file(pa.memory_map(str(path)))
    for i in range(reader.num_record_batches):
        yield reader.get_batch(i)


def lake_batches(keep: pa.Table, staged: list[Path], files: list[str]) -> Iterator[pa.RecordBatch]:
    """The ``fhir_resources`` rows of a first load, straight from the staged files: the rows whose
    ``_seq`` is in ``keep`` (``_seq``, ``patient_id``, sorted by ``_seq``), in the order read.

    Nothing is sorted and the JSON is not copied through DuckDB: for NHC's own bulk exports the
    stored resources are most of the bytes an ingest handles.
    """
    kseq = keep.column("_seq").to_numpy()
    kpid = keep.column("patient_id").combine_chunks()
    sources = pa.array(files, type=pa.string())
    for path in staged:
        for batch in _read_staged(path):
            seq = batch.column("_seq").to_numpy()
            pos = np.minimum(np.searchsorted(kseq, seq), max(len(kseq) - 1, 0))
            hit = kseq[pos] == seq if len(kseq) else np.zeros(len(seq), dtype=bool)
            if not hit.any():
                continue
            b = batch if hit.all() else batch.filter(pa.array(hit))
            entry = b.column("_entry")
            yield pa.RecordBatch.from_arrays(
                [
                    b.column("rtype"),
                    b.column("id"),
                    b.column("version_id"),
                    b.column("last_updated"),
                    kpid.take(pa.array(pos[hit])),
                    sources.take(b.column("_file")),
                    b.column("_line"),
                    pc.if_else(pc.less(entry, 0), pa.scalar(None, pa.int32()), entry),
                    b.column("json").cast(pa.string()),
                ],
                names=[
                    "resource_type",
                    "id",
                    "version_id",
                    "last_updated",
                    "patient_id",
                    "source",
                    "line",
                    "entry",
                    "resource",
                ],
            )
