"""The quarantine: rejected resources, one JSON object a line, with where they came from and why.

Each line holds ``file``, ``line`` (1-based), ``entry`` (the Bundle entry index, if any),
``resourceType``, ``id``, ``field`` (the FHIR path at fault), ``reason``, ``severity`` (``error``:
the resource was not loaded; ``warning``: it was loaded but part of it was not) and ``raw``: the
original text (cut to :data:`RAW_LIMIT` characters, with ``truncated`` set), so it can be repaired
and sent again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RAW_LIMIT = 65_536


class Quarantine:
    """Appends rejects to an NDJSON file, created on the first reject."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.errors = 0
        self.warnings = 0
        self._fh: Any = None

    def add(
        self,
        *,
        file: str,
        line: int | None,
        field: str,
        reason: str,
        resource_type: str | None = None,
        resource_id: str | None = None,
        entry: int | None = None,
        raw: bytes | str | None = None,
        severity: str = "error",
    ) -> None:
        record: dict[str, Any] = {
            "file": file,
            "line": line,
            "entry": entry,
            "resourceType": resource_type,
            "id": resource_id,
            "field": field,
            "reason": reason,
            "severity": severity,
        }
        if raw is not None:
            text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes | bytearray) else raw
            if len(text) > RAW_LIMIT:
                record["raw"] = text[:RAW_LIMIT]
                record["truncated"] = True
            else:
                record["raw"] = text.rstrip("\n")
        self._write(json.dumps(record, ensure_ascii=False) + "\n", severity)

    def append_file(self, other: Path) -> None:
        """Append another quarantine file's records (a worker's), counting them."""
        with other.open(encoding="utf-8") as src:
            for line in src:
                if line.strip():
                    self._write(line, "warning" if '"severity": "warning"' in line else "error")

    def _write(self, line: str, severity: str) -> None:
        """Write one record's line (creating the file on the first) and count it."""
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("w", encoding="utf-8")
        self._fh.write(line)
        if severity == "error":
            self.errors += 1
        else:
            self.warnings += 1

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    @property
    def written(self) -> bool:
        return self.errors + self.warnings > 0


def read_quarantine(path: Path) -> list[dict[str, Any]]:
    """The quarantine file's records (for tests and the CLI summary)."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
