"""Reading: FHIR files to resources, each with the file, line and Bundle entry it came from.

Files are NDJSON (``$export`` output; ``.ndjson``/``.jsonl``) or JSON documents (a resource, a
Bundle or a list of resources; ``.json``), each optionally gzipped. NDJSON is read a line at a
time: a line longer than ``max_line_bytes`` is skipped in pieces, never held whole, and reported.
A top-level Bundle is opened and each entry's resource is read with its entry index and
``fullUrl``. Every resource (or reason it could not be read) goes to a :class:`Sink`; nothing here
knows what the lake models.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

import orjson

from nhc.errors import NhcError

if TYPE_CHECKING:  # chunks.py reads file formats from here
    from nhc.fhir.ingest.chunks import Chunk

DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024
MAX_JSON_FILE_BYTES = 512 * 1024 * 1024
SUFFIXES = (".ndjson", ".jsonl", ".json", ".ndjson.gz", ".jsonl.gz", ".json.gz")
RAW_SMALL = 65_536  # the most of a rejected input kept as its raw text


class Sink(Protocol):
    """Where read resources go. ``fi`` indexes the run's file list; ``line`` is 1-based."""

    def handle(
        self, res: Any, fi: int, line: int, entry: int | None, full_url: str | None, raw: Any
    ) -> None: ...

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
    ) -> None: ...

    def flush_full(self) -> None:
        """A moment to write out full buffers (called every few thousand resources)."""

    def bundle_context(self, entries: list | None) -> None:
        """Called with a Bundle's entries before they are handled (so references between them can be
        resolved whatever their order), and with ``None`` after the last one."""


def input_files(path: Path) -> list[Path]:
    """The FHIR files at ``path``: the file itself, or every .ndjson/.jsonl/.json(.gz) below a folder.

    Hidden files and folders and a Bulk Data ``manifest.json`` are left out. Raises
    :class:`NhcError` if ``path`` does not exist or a folder holds no FHIR file.
    """
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


def open_input(path: Path) -> IO[bytes]:
    """``path`` opened for binary reading, decompressed if its name ends in ``.gz``."""
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")


def is_ndjson(path: Path) -> bool:
    """True for NDJSON files (one resource a line), false for JSON documents."""
    name = path.name.lower().removesuffix(".gz")
    return name.endswith((".ndjson", ".jsonl"))


def dump(obj: Any) -> str:
    """``obj`` as compact JSON text (its repr, cut short, if it is not JSON-serialisable)."""
    try:
        return orjson.dumps(obj).decode()
    except TypeError:
        return repr(obj)[:RAW_SMALL]


def read_chunk(chunk: Chunk, sink: Sink, max_line_bytes: int) -> None:
    """Read every resource in ``chunk`` into ``sink``."""
    path = Path(chunk.path)
    if is_ndjson(path):
        _read_ndjson(path, chunk, sink, max_line_bytes)
    else:
        _read_json(path, chunk.file_index, sink)
    sink.flush_full()


def _read_ndjson(path: Path, chunk: Chunk, sink: Sink, limit: int) -> None:
    loads = orjson.loads
    fi = chunk.file_index
    with open_input(path) as fh:
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
                rest = _skip_rest_of_line(readline)
                pos += rest
                reason = f"line of {len(data) + rest:,} bytes is longer than the {limit:,}-byte limit"
                sink.reject(fi, line_no, None, None, "(line)", reason, data[:1024])
                continue
            if (line_no & 0x3FFF) == 0:
                sink.flush_full()
            try:
                res = loads(data)
            except orjson.JSONDecodeError as exc:
                if not data.isspace():
                    sink.reject(fi, line_no, None, None, "(json)", f"not valid JSON: {exc}", data)
                continue
            _read_top(res, fi, line_no, data, sink)


def _skip_rest_of_line(readline: Any) -> int:
    """Read to the end of the current line in pieces without holding it; the bytes skipped."""
    skipped = 0
    while True:
        piece = readline(1 << 20)
        skipped += len(piece)
        if not piece or piece.endswith(b"\n"):
            return skipped


def _read_json(path: Path, fi: int, sink: Sink) -> None:
    with open_input(path) as fh:
        data = fh.read(MAX_JSON_FILE_BYTES + 1)
    if len(data) > MAX_JSON_FILE_BYTES:
        reason = f"JSON file larger than {MAX_JSON_FILE_BYTES:,} bytes: split it or send NDJSON"
        sink.reject(fi, None, None, None, "(file)", reason, data[:1024])
        return
    try:
        res = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        sink.reject(fi, 1, None, None, "(json)", f"not valid JSON: {exc}", data[:RAW_SMALL])
        return
    if isinstance(res, list):  # a list of resources (a Bundle in it is not opened)
        for i, r in enumerate(res):
            sink.handle(r, fi, 1, i, None, None)
    else:
        _read_top(res, fi, 1, None, sink)


def _read_top(res: Any, fi: int, line: int, raw: Any, sink: Sink) -> None:
    """A top-level resource: a Bundle is opened, anything else goes to the sink as it is."""
    if type(res) is dict and res.get("resourceType") == "Bundle":
        _read_bundle(res, fi, line, raw, sink)
    else:
        sink.handle(res, fi, line, None, None, raw)


def _read_bundle(res: dict, fi: int, line: int, raw: Any, sink: Sink) -> None:
    entries = res.get("entry")
    if entries is None:
        return
    if not isinstance(entries, list):
        sink.reject(fi, line, "Bundle", res.get("id"), "entry", "Bundle.entry is not a list", raw)
        return
    sink.bundle_context(entries)
    try:
        _read_entries(entries, fi, line, sink)
    finally:
        sink.bundle_context(None)


def _read_entries(entries: list, fi: int, line: int, sink: Sink) -> None:
    for i, ent in enumerate(entries):
        if not isinstance(ent, dict) or not isinstance(ent.get("resource"), dict):
            sink.reject(
                fi, line, None, None, f"entry[{i}].resource", "Bundle entry without a resource", dump(ent), i
            )
            continue
        full_url = ent.get("fullUrl")
        sink.handle(ent["resource"], fi, line, i, full_url if isinstance(full_url, str) else None, None)
        if (i & 0x3FFF) == 0:
            sink.flush_full()


def read_records(
    files: list[str], wanted: set[tuple[int, int, int]], limit: int = 100_000
) -> dict[tuple[int, int, int], str]:
    """The raw text of some resources, read back for the quarantine: (file index, line, entry) -> text.

    ``entry`` is -1 for a resource that is a whole NDJSON line (its line is given as read), else the
    index of a Bundle entry (its resource is given as compact JSON), in a JSON file (line 1) or in a
    Bundle on an NDJSON line. At most ``limit`` resources are read back.
    """
    picked = sorted(wanted)[:limit]
    lines = read_lines(files, {(f, ln) for f, ln, _e in picked if is_ndjson(Path(files[f]))}, limit)
    docs: dict[tuple[int, int], Any] = {}
    out: dict[tuple[int, int, int], str] = {}
    for f, ln, e in picked:
        if e < 0:
            if (f, ln) in lines:
                out[(f, ln, e)] = lines[(f, ln)].decode("utf-8", errors="replace")
            continue
        if (f, ln) not in docs:
            docs[(f, ln)] = _document(files[f], lines.get((f, ln)))
        entries = docs[(f, ln)].get("entry") if isinstance(docs[(f, ln)], dict) else docs[(f, ln)]
        if isinstance(entries, list) and e < len(entries):
            ent = entries[e]
            out[(f, ln, e)] = dump(ent.get("resource", ent) if isinstance(ent, dict) else ent)[:RAW_SMALL]
    return out


def _document(path: str, line: bytes | None) -> Any:
    """A JSON document (a file, or one NDJSON line) parsed, or ``None`` when it cannot be."""
    try:
        if line is not None:
            return orjson.loads(line)
        with open_input(Path(path)) as fh:
            return orjson.loads(fh.read(MAX_JSON_FILE_BYTES + 1))
    except (orjson.JSONDecodeError, OSError):
        return None


def read_lines(
    files: list[str], wanted: set[tuple[int, int]], limit: int = 100_000
) -> dict[tuple[int, int], bytes]:
    """The raw text of some (file index, line)s of NDJSON files, read back for the quarantine.

    At most ``limit`` lines are read back; lines of JSON documents are not (their line is the file).
    """
    out: dict[tuple[int, int], bytes] = {}
    by_file: dict[int, set[int]] = {}
    for f, ln in sorted(wanted)[:limit]:
        by_file.setdefault(f, set()).add(ln)
    for f, lines in by_file.items():
        path = Path(files[f])
        if not is_ndjson(path):
            continue
        last = max(lines)
        with open_input(path) as fh:
            for n, data in enumerate(fh, start=1):
                if n in lines:
                    out[(f, n)] = data[:RAW_SMALL]
                if n >= last:
                    break
    return out
