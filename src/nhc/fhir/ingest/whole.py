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
staging Parquet file every :data:`BATCH_ROWS` rows; the merge links them to patients.
"""

from __future__ import annotations

import hashlib
from array import array
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

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
    """Buffered rows of the ``resources`` staging table, written to ``path`` in batches."""

    def __init__(self, path: Path) -> None:
        self.schema = pa.schema(COLUMNS)
        self.writer = pq.ParquetWriter(path, self.schema, compression="none", write_statistics=False)
        self.rows = 0
        self._reset()

    def _reset(self) -> None:
        self.meta: list[tuple] = []  # (rtype, id, version_id, last_updated, subject, seq, file, line, entry)
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
            end = len(raw)
            while end and raw[end - 1] in b"\r\n":
                end -= 1
            self.buf += raw[:end] if end != len(raw) else raw
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
        if type(meta) is dict:
            vid, lu = meta.get("versionId"), meta.get("lastUpdated")
            vid = vid if isinstance(vid, str) else None
            lu = lu if isinstance(lu, str) else None
        else:
            vid = lu = None
        self.meta.append((rtype, rid, vid, lu, subject, *loc))
        if len(self.meta) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        n = len(self.meta)
        if not n:
            return
        cols = list(zip(*self.meta, strict=True))
        json = pa.Array.from_buffers(
            pa.large_string(), n, [None, pa.py_buffer(self.offsets), pa.py_buffer(self.buf)]
        )
        arrays = [pa.array(c, type=t) for c, (_n, t) in zip(cols[:5], COLUMNS[:5], strict=True)]
        arrays.append(json)
        arrays += [pa.array(c, type=t) for c, (_n, t) in zip(cols[5:], COLUMNS[6:], strict=True)]
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        self.rows += n
        self._reset()

    def close(self) -> None:
        self.flush()
        self.writer.close()
