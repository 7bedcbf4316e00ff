"""Bulk FHIR R4 export: the lake as NDJSON, one file per resource type, with a ``$export`` manifest.

What is exported:

* every resource stored whole in ``fhir_resources`` (what an ingest received, as received: third-party
  data round-trips without loss) that is about no patient, of a type the lake does not project
  (Immunization, Claim, ...), or about a patient whose Patient resource is stored;
* what NHC derives from the analytic tables for every other patient (NHC's own synthetic data, and
  lake patients that an ingest only added records to: those records come back as derived, as
  before, so nothing is exported twice), and the practices as Organizations unless an
  Organization with that id is stored.

A patient who came in by ingest is exported as sent, not also as derived (the derived resources would
name the patient by NHC's key, which the stored ones do not use).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from nhc.errors import NhcError
from nhc.fhir import mapping as m
from nhc.fhir import queries as q
from nhc.fhir.validate import validate_resource
from nhc.lake.store import Lake
from nhc.lake.tables import table_schema
from nhc.lake.tables.fhir import FHIR_RESOURCES

BATCH = 50_000
OUTPUT_TYPES = (
    "Organization",
    "Patient",
    "EpisodeOfCare",
    "Encounter",
    "Condition",
    "Observation",
    "Procedure",
    "AllergyIntolerance",
    "MedicationRequest",
    "MedicationStatement",
)


@dataclass
class ExportResult:
    output_dir: Path
    counts: dict[str, int]
    seconds: float
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def resources(self) -> int:
        return sum(self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "output": str(self.output_dir),
            "resources": self.resources,
            "by_type": self.counts,
            "seconds": round(self.seconds, 2),
            "manifest": str(self.output_dir / "manifest.json"),
        }


def _rows(con: Any, sql: str) -> Iterator[dict[str, Any]]:
    reader = con.execute(sql).to_arrow_reader(BATCH)
    for batch in reader:
        yield from batch.to_pylist()


def iter_resources(con: Any, where_patient: str = "TRUE") -> Iterator[dict[str, Any]]:
    """Every resource the lake holds (optionally only for patients matching a SQL predicate)."""
    for r in _rows(con, q.patients_sql(where_patient) + " ORDER BY patient_id"):
        death = (
            {"date_of_death": r["date_of_death"], "place_of_death": r["place_of_death"]}
            if r["date_of_death"]
            else None
        )
        yield m.patient_resource(r, death, r["gp"])
    for r in _rows(
        con, f"SELECT * FROM practice_registrations WHERE {where_patient} ORDER BY patient_id, start_date"
    ):
        yield m.episode_resource(r, "gp-registration")
    for r in _rows(
        con, f"SELECT * FROM care_home_residence WHERE {where_patient} ORDER BY patient_id, start_date"
    ):
        yield m.episode_resource(r, "care-home")
    for r in _rows(con, f"SELECT * FROM encounters WHERE {where_patient} ORDER BY encounter_id"):
        yield m.encounter_resource(r)
    for r in _rows(con, q.events_sql(where_patient) + " ORDER BY ev.patient_id, ev.n"):
        yield m.event_resource(r, r["rtype"], q.clean_codings(r["extra"]))
    for r in _rows(con, q.medications_sql(where_patient) + " ORDER BY md.patient_id, md.n"):
        yield m.medication_resource(r, r["rtype"], q.clean_codings(r["extra"]))
    for r in _rows(con, q.uncoded_sql(where_patient) + " ORDER BY patient_id, n"):
        yield m.uncoded_resource(r, q.clean_codings(r["extra"]))


#: Patients whose resources are exported as stored, not derived.
STORED_PATIENTS = "patient_id IN (SELECT patient_id FROM fhir_resources WHERE resource_type = 'Patient')"
_PROJECTED = ", ".join(f"'{t}'" for t in sorted(m.MODELLED))


def _open(lake: Lake) -> Any:
    """The lake in DuckDB for the export: :func:`queries.open_lake` plus ``fhir_resources``."""
    con = q.open_lake(lake.root)
    con.execute("SET preserve_insertion_order = true")  # stored resources come out in the table's order
    schema = table_schema(FHIR_RESOURCES.name)
    files = lake.files(FHIR_RESOURCES.name)
    if files:
        paths = ", ".join(f"'{f}'" for f in files)
        cols = ", ".join(f'"{c}"' for c in schema.column_names)
        con.execute(f"CREATE VIEW fhir_resources AS SELECT {cols} FROM read_parquet([{paths}])")
    else:
        con.register("_empty_fhir_resources", schema.arrow.empty_table())
        con.execute("CREATE TABLE fhir_resources AS SELECT * FROM _empty_fhir_resources")
        con.unregister("_empty_fhir_resources")
    return con


def _stored(con: Any) -> Iterator[tuple[str, str]]:
    """(resource type, JSON text) of the stored resources to export (see the module doc), in the
    table's order."""
    reader = con.execute(f"""
        SELECT resource_type, resource FROM fhir_resources
        WHERE patient_id IS NULL OR resource_type NOT IN ({_PROJECTED}) OR {STORED_PATIENTS}""").to_arrow_reader(
        BATCH
    )
    for batch in reader:
        yield from zip(batch.column(0).to_pylist(), batch.column(1).to_pylist(), strict=True)


def _derived(con: Any) -> Iterator[dict[str, Any]]:
    """What NHC derives from the analytic tables, less what is stored (see the module doc)."""
    practices = _rows(
        con,
        """SELECT * FROM practices WHERE practice_code NOT IN (
               SELECT id FROM fhir_resources WHERE resource_type = 'Organization')
           ORDER BY practice_code""",
    )
    yield from (m.organization_resource(p) for p in practices)
    yield from iter_resources(con, f"NOT ({STORED_PATIENTS})")


def export_fhir(
    lake_dir: Path | str,
    output_dir: Path | str,
    *,
    progress: bool = False,
    validate: bool = False,
    base_url: str | None = None,
    on_resource: Callable[[dict], None] | None = None,
) -> ExportResult:
    """Write the lake as ``<Type>.ndjson`` files plus ``manifest.json`` into ``output_dir``."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    started = time.perf_counter()
    lake = Lake(lake_dir)
    if not lake.exists("patients"):
        raise NhcError(
            f"no patients table in the lake {lake.root}", hint="run `nhc synth` or `nhc ingest fhir` first"
        )
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.ndjson"):
        old.unlink()
    transaction_time = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    con = _open(lake)
    handles: dict[str, Any] = {}
    counts: dict[str, int] = {}
    dumps = orjson.dumps
    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            disable=not progress,
            transient=True,
        ) as bar:
            task = bar.add_task("export fhir", total=None)
            checked = validate or on_resource is not None
            for rtype, text in _stored(con):
                data = text.encode()
                if checked:
                    _check(orjson.loads(data), validate, on_resource)
                _write(out, handles, counts, rtype, data)
            for n, res in enumerate(_derived(con), start=1):
                rtype = res["resourceType"]
                if checked:
                    _check(res, validate, on_resource)
                _write(out, handles, counts, rtype, dumps(res))
                if (n & 0xFFFF) == 0:
                    bar.update(task, description=f"export fhir: {n:,} resources ({rtype})")
    finally:
        for fh in handles.values():
            fh.close()
        con.close()
    base = (base_url or out.resolve().as_uri()).rstrip("/")
    ordered = [t for t in OUTPUT_TYPES if t in counts] + sorted(set(counts) - set(OUTPUT_TYPES))
    manifest = {
        "transactionTime": transaction_time,
        "request": f"{base_url.rstrip('/') if base_url else '[base]'}/$export",
        "requiresAccessToken": False,
        "output": [{"type": t, "url": f"{base}/{t}.ndjson", "count": counts[t]} for t in ordered],
        "error": [],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return ExportResult(out, {t: counts[t] for t in ordered}, time.perf_counter() - started, manifest)


def _check(res: dict, validate: bool, on_resource: Callable[[dict], None] | None) -> None:
    """Validate ``res`` against R4 (raising :class:`NhcError`) and/or hand it to ``on_resource``."""
    if validate:
        problem = validate_resource(res)
        if problem is not None:
            raise NhcError(f"exported {res.get('resourceType')}/{res.get('id')} is not valid R4: {problem}")
    if on_resource is not None:
        on_resource(res)


def _write(out: Path, handles: dict[str, Any], counts: dict[str, int], rtype: str, data: bytes) -> None:
    """One NDJSON line to ``<rtype>.ndjson`` (opened on first use)."""
    fh = handles.get(rtype)
    if fh is None:
        fh = handles[rtype] = (out / f"{rtype}.ndjson").open("wb", buffering=1 << 20)
        counts[rtype] = 0
    fh.write(data)
    fh.write(b"\n")
    counts[rtype] += 1
