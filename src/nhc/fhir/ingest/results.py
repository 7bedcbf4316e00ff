"""What an ingest run reports: counts per resource type, rows per table, timings and memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class TypeCounts:
    """Resources of one type: read, and of those accepted, quarantined or skipped (not modelled)."""

    read: int = 0
    accepted: int = 0
    quarantined: int = 0
    skipped: int = 0

    def add(self, other: dict[str, int]) -> None:
        """Add another reader's counts (a worker's, as a plain dict) to these."""
        for k, v in other.items():
            setattr(self, k, getattr(self, k) + v)


@dataclass
class IngestResult:
    """The outcome of :func:`nhc.fhir.ingest.ingest_fhir`."""

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
    patients_without_nhs_number: int = 0
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
            "patients_without_nhs_number": self.patients_without_nhs_number,
            "rows_before": self.rows_before,
            "rows_after": self.rows_after,
            "tables_changed": self.changed,
            "seconds": round(self.seconds, 2),
            "timings": {k: round(v, 2) for k, v in self.timings.items()},
            "memory_mb": self.memory,
        }
