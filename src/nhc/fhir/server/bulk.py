"""Bulk Data Access (FHIR Bulk Data 2.0 ``$export``), HTTP-free: jobs that write NDJSON files in the
background, their status and manifest, file look-up for the job's owner, and expiry.

A job is a folder ``<root>/<job id>/`` holding ``job.json`` (its state, so any worker process can
answer a status poll) and one ``<Type>.ndjson`` per exported type. Patients are exported in chunks
(:data:`CHUNK` people a query), so memory does not grow with the population. Who may be exported
is decided before a job starts (the caller's :class:`~nhc.fhir.server.dispatch.User`); a job only
writes what it was given.

``_since``: a care record resource is left out when it records a change time (``meta.lastUpdated``:
plans, tasks, referrals) earlier than ``_since``. Lake resources are always included: their
``meta.lastUpdated`` is the lake's generation (a rebuild), not a change of the row, and a client
missing a change is worse than one receiving a row again.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from nhc.fhir.server.params import Search
from nhc.fhir.server.table import CARE, EVERYTHING, ResourceType, Sources

#: People per query while exporting.
CHUNK = 500
#: How long the files of a finished job are kept (seconds).
LIFETIME = 3600
NDJSON = "application/fhir+ndjson"


@dataclass
class BulkJob:
    """A job's state as kept in ``job.json``."""

    id: str
    owner: str
    request: str
    types: list[str]
    since: str | None
    transaction_time: str
    status: str = "running"  # running | done | failed
    done_types: int = 0
    output: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    expires_at: float = 0.0

    @property
    def progress(self) -> str:
        return f"{self.done_types} of {len(self.types)} types written"

    def manifest(self, file_url: Callable[[str, str], str]) -> dict[str, Any]:
        """The completion manifest (Bulk Data 2.0), with URLs made by ``file_url(job, file)``."""
        return {
            "transactionTime": self.transaction_time,
            "request": self.request,
            "requiresAccessToken": True,
            "output": [
                {"type": o["type"], "url": file_url(self.id, o["file"]), "count": o["count"]}
                for o in self.output
            ],
            "error": [],
        }


def _changed_since(resource: dict[str, Any], since: dt.datetime | None) -> bool:
    if since is None:
        return True
    updated = (resource.get("meta") or {}).get("lastUpdated")
    if not isinstance(updated, str):
        return True  # no change time recorded: included (see the module notes)
    when = dt.datetime.fromisoformat(updated.replace("Z", "+00:00"))
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    return when >= since


class BulkExports:
    """The jobs under ``root``; ``lifetime`` seconds after finishing, a job and its files go."""

    def __init__(self, root: Path, lifetime: int = LIFETIME, clock: Callable[[], float] = time.time) -> None:
        self.root, self.lifetime, self.clock = root, lifetime, clock

    def _folder(self, job_id: str) -> Path | None:
        ok = len(job_id) <= 64 and job_id.replace("-", "").replace("_", "").isalnum() and job_id.isascii()
        return self.root / job_id if ok else None

    def _save(self, job: BulkJob) -> None:
        folder = self.root / job.id
        tmp = folder / "job.json.tmp"
        tmp.write_text(json.dumps(asdict(job)))
        tmp.replace(folder / "job.json")  # atomic: a poll never reads half a file

    def start(
        self,
        types: list[ResourceType],
        src: Sources,
        *,
        owner: str,
        request: str,
        patients: frozenset[int],
        since: dt.datetime | None,
        on_done: Callable[[BulkJob], None],
    ) -> BulkJob:
        """Start writing ``types`` for ``patients`` (reference types: every row) in the background."""
        self.sweep()
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        job = BulkJob(
            secrets.token_urlsafe(16),
            owner,
            request,
            [t.name for t in types],
            since.isoformat() if since else None,
            now.isoformat().replace("+00:00", "Z"),
        )
        (self.root / job.id).mkdir(parents=True)
        self._save(job)
        worker = threading.Thread(
            target=self._run,
            args=(job, types, src, patients, since, on_done),
            name=f"bulk-{job.id}",
            daemon=True,
        )
        worker.start()
        return job

    def _run(
        self,
        job: BulkJob,
        types: list[ResourceType],
        src: Sources,
        patients: frozenset[int],
        since: dt.datetime | None,
        on_done: Callable[[BulkJob], None],
    ) -> None:
        try:
            for rtype in types:
                count = self._write(self.root / job.id / f"{rtype.name}.ndjson", rtype, src, patients, since)
                if count:
                    job.output.append({"type": rtype.name, "file": f"{rtype.name}.ndjson", "count": count})
                job.done_types += 1
                self._save(job)
            job.status = "done"
        except Exception as exc:  # a failed job is reported to its poller, not lost
            job.status, job.error = "failed", f"{type(exc).__name__}: {str(exc)[:200]}"
        job.expires_at = self.clock() + self.lifetime
        self._save(job)
        on_done(job)

    @staticmethod
    def _write(
        path: Path, rtype: ResourceType, src: Sources, patients: frozenset[int], since: dt.datetime | None
    ) -> int:
        count = 0
        with path.open("wb") as fh:
            for scope in _chunks(patients) if rtype.person_level else [None]:
                for part in rtype.parts:
                    # the lake's meta.lastUpdated is its generation, not a change of the row: a lake
                    # resource is always exported (see the module notes); the care record's are filtered
                    when = since if part.source == CARE else None
                    found, _ = part.search(
                        src, Search(rtype.name, None, [], [], None, [], EVERYTHING, 0, scope)
                    )
                    for resource in found:
                        if _changed_since(resource, when):
                            fh.write(orjson.dumps(resource) + b"\n")
                            count += 1
        if count == 0:
            path.unlink()
        return count

    def job(self, job_id: str, owner: str) -> BulkJob | None:
        """The owner's job (``None``: unknown, someone else's, or expired and now deleted)."""
        folder = self._folder(job_id)
        if folder is None or not (folder / "job.json").exists():
            return None
        job = BulkJob(**json.loads((folder / "job.json").read_text()))
        if job.owner != owner:
            return None
        if job.status != "running" and job.expires_at < self.clock():
            shutil.rmtree(folder, ignore_errors=True)
            return None
        return job

    def file(self, job_id: str, owner: str, name: str) -> Path | None:
        job = self.job(job_id, owner)
        if job is None or job.status != "done" or name not in {o["file"] for o in job.output}:
            return None
        return self.root / job.id / name

    def delete(self, job_id: str, owner: str) -> bool:
        job = self.job(job_id, owner)
        if job is None:
            return False
        shutil.rmtree(self.root / job.id, ignore_errors=True)
        return True

    def sweep(self) -> None:
        """Delete finished jobs past their expiry."""
        if not self.root.exists():
            return
        for job_file in self.root.glob("*/job.json"):
            try:
                data = json.loads(job_file.read_text())
            except (OSError, ValueError):
                continue
            if data.get("status") != "running" and data.get("expires_at", 0) < self.clock():
                shutil.rmtree(job_file.parent, ignore_errors=True)


def _chunks(patients: Iterable[int]) -> list[frozenset[int]]:
    ordered = sorted(patients)
    return [frozenset(ordered[i : i + CHUNK]) for i in range(0, len(ordered), CHUNK)]
