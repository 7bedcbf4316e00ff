"""What an ingest run reports: counts per resource type, rows per table, timings and memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class TypeCounts:
    """Resources of one type: read, and of those accepted, quarantined or skipped.

    ``stored_only`` counts the accepted resources of a type the lake does not project: stored whole
    in ``fhir_resources`` only (Organization, Immunization, Claim, ...).
    """

    read: int = 0
    accepted: int = 0
    quarantined: int = 0
    skipped: int = 0
    stored_only: int = 0

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
    #: Quarantine records by kind: {count, severity, resourceType, field, reason}, most frequent first.
    quarantine_summary: list[dict[str, Any]] = field(default_factory=list)
    #: What was done to make the lake analysable, and who the analytics will leave out
    #: (:func:`nhc.fhir.ingest.complete.complete_sources`).
    notes: list[str] = field(default_factory=list)

    @property
    def resources(self) -> int:
        return sum(c.read for c in self.counts.values())

    @property
    def accepted(self) -> int:
        """Resources loaded into the lake (after the resolve stage moved the unresolved out)."""
        return sum(c.accepted for c in self.counts.values())

    @property
    def rejected(self) -> int:
        """Resources and unreadable inputs (bad lines, unknown types) quarantined."""
        return sum(c.quarantined for c in self.counts.values())

    @property
    def considered(self) -> int:
        """Everything the input held: accepted, rejected and skipped (the rejection rate's denominator)."""
        return sum(c.accepted + c.quarantined + c.skipped for c in self.counts.values())

    def rejection_rate(self) -> float:
        """The share of :attr:`considered` that was rejected (0 for an empty input)."""
        return self.rejected / self.considered if self.considered else 0.0

    def failed(self, max_reject: float) -> bool:
        """True when nothing was accepted, or the rejection rate exceeds ``max_reject`` (a fraction)."""
        return self.accepted == 0 or self.rejection_rate() > max_reject

    def as_dict(self) -> dict[str, Any]:
        return {
            "lake": str(self.lake_dir),
            "files": self.files,
            "resources": self.resources,
            "by_type": {k: vars(v) for k, v in sorted(self.counts.items())},
            "accepted": self.accepted,
            "quarantined": self.quarantined,
            "rejection_rate": round(self.rejection_rate(), 6),
            "quarantine_by_reason": self.quarantine_summary,
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
            "notes": self.notes,
        }
