"""Chunking: large plain NDJSON files split into line-aligned byte ranges, read in parallel.

Each chunk knows the 1-based number of its first line, so a reader of any chunk reports the same
line numbers as a reader of the whole file. Gzipped files and JSON documents are one chunk each
(they cannot be entered in the middle).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO

from nhc.fhir.ingest.read import is_ndjson


@dataclass(frozen=True)
class Chunk:
    """A byte range of one file, starting at a line start (``first_line`` is its 1-based number)."""

    order: int
    file_index: int
    path: str
    start: int
    end: int  # -1: to the end of the file
    first_line: int

    def size(self) -> int:
        """The chunk's length in bytes (of the file as stored, for progress)."""
        return (self.end if self.end >= 0 else Path(self.path).stat().st_size) - self.start


def plan_chunks(files: list[Path], chunk_bytes: int) -> list[Chunk]:
    """Split plain NDJSON files into line-aligned chunks of about ``chunk_bytes`` (others: one chunk)."""
    chunks: list[Chunk] = []
    for fi, path in enumerate(files):
        size = path.stat().st_size
        if not is_ndjson(path) or path.name.lower().endswith(".gz") or size <= chunk_bytes:
            chunks.append(Chunk(len(chunks), fi, str(path), 0, -1, 1))
            continue
        start, line = 0, 1
        with path.open("rb") as fh:
            while start < size:
                target = start + chunk_bytes
                if target >= size:
                    chunks.append(Chunk(len(chunks), fi, str(path), start, -1, line))
                    break
                end, newlines = _line_end_after(fh, start, target, size)
                chunks.append(Chunk(len(chunks), fi, str(path), start, end if end < size else -1, line))
                line += newlines
                start = end
    return chunks


def _line_end_after(fh: IO[bytes], start: int, target: int, size: int) -> tuple[int, int]:
    """The end of the line that byte ``target`` falls in, and the newlines from ``start`` to it."""
    fh.seek(start)
    newlines = 0
    remaining = target - start
    while remaining > 0:  # count lines up to the target
        block = fh.read(min(remaining, 1 << 24))
        if not block:
            break
        newlines += block.count(b"\n")
        remaining -= len(block)
    end = target
    while True:  # then finish the line, in pieces (a line can be huge)
        piece = fh.read(1 << 16)
        if not piece:
            return size, newlines
        i = piece.find(b"\n")
        if i >= 0:
            return end + i + 1, newlines + 1
        end += len(piece)
