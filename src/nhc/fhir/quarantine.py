"""The quarantine: rejected resources, one JSON object a line, with where they came from and why.

Each line holds ``file``, ``line`` (1-based), ``entry`` (the Bundle entry index, if any),
``pointer`` (a JSON pointer to the resource within that line, or within the file for a JSON
document: ``""`` the whole of it, ``/entry/3/resource`` a Bundle entry), ``resourceType``, ``id``,
``field`` (the FHIR path at fault), ``reason``, ``severity`` (``error``:
the resource was not loaded; ``warning``: it was loaded but part of it was not) and ``raw``: the
original text (cut to :data:`RAW_LIMIT` characters, with ``truncated`` set), so it can be repaired
and sent again.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

RAW_LIMIT = 65_536

_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_NUMBER = re.compile(r"\d[\d,.]*")
_PARENS = re.compile(r"\([^()]*\)")


def reason_kind(reason: str) -> str:
    """A reason with its particulars (quoted values, numbers, parenthesised detail) replaced by ``…``,
    so records can be summarised by what went wrong rather than by each value."""
    return _NUMBER.sub("…", _QUOTED.sub("'…'", _PARENS.sub("(…)", reason)))


class Quarantine:
    """Appends rejects to an NDJSON file, created on the first reject."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.errors = 0
        self.warnings = 0
        self.by_reason: Counter[tuple[str, str, str, str]] = Counter()
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
            "pointer": "" if entry is None else f"/entry/{entry}/resource",
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
        self._write(record)

    def append_file(self, other: Path) -> None:
        """Append another quarantine file's records (a worker's), counting them."""
        with other.open(encoding="utf-8") as src:
            for line in src:
                if line.strip():
                    self._write(json.loads(line))

    def _write(self, record: dict[str, Any]) -> None:
        """Write one record as a line (creating the file on the first) and count it."""
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("w", encoding="utf-8")
        self._fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        severity = record["severity"]
        self.by_reason[
            (severity, record["resourceType"] or "", record["field"], reason_kind(record["reason"]))
        ] += 1
        if severity == "error":
            self.errors += 1
        else:
            self.warnings += 1

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def summary(self) -> list[dict[str, Any]]:
        """Records counted by (severity, resource type, field, kind of reason), most frequent first."""
        return [
            {"count": n, "severity": s, "resourceType": t, "field": f, "reason": r}
            for (s, t, f, r), n in sorted(self.by_reason.items(), key=lambda kv: (-kv[1], kv[0]))
        ]

    @property
    def written(self) -> bool:
        return self.errors + self.warnings > 0


def read_quarantine(path: Path) -> list[dict[str, Any]]:
    """The quarantine file's records (for tests and the CLI summary)."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
