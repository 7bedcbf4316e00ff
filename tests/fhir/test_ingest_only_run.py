"""A lake made by ``nhc ingest fhir`` alone can be analysed: the source tables the analytics read are
completed (reference geography shipped with NHC, empty tables for what the input had none of), a
``Patient.generalPractitioner`` -- also one naming an Organization of the same Bundle -- is the
person's registration, and ``nhc run`` then gives need groups for the registered people and says
who it leaves out."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from nhc.cli import app
from nhc.fhir.ingest import ingest_fhir
from nhc.lake.store import Lake
from nhc.lake.tables.sources import SOURCES

from .test_third_party import HERE, UK, US

OTHER = HERE / "us_batch_other_types.json"
INGESTED_ON = dt.date(2026, 3, 1)  # registrations whose start the input does not say open on this day
AS_OF = "2026-03-31"
REFERENCE_PRACTICE = "K84013"  # a practice of the shipped geography (Central Oxford)


def _copy_inputs(folder: Path, gp: bool) -> Path:
    """The US/UK hand-written inputs, as they are or with each Patient's generalPractitioner set:
    the UK one by ``Organization/<id>`` of its Bundle (ODS identifier B86001), the US one by the
    ``urn:uuid`` of its Bundle's Organization (an NPI, no ODS code: its id), the third by an ODS
    identifier of a practice in the reference geography."""
    folder.mkdir(parents=True)
    refs = {
        UK: {"reference": "Organization/org-surgery"},
        US: {"reference": "urn:uuid:8c95253e-8ee8-9ae8-6d40-021d702dc78e"},
        OTHER: {
            "identifier": {
                "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                "value": REFERENCE_PRACTICE,
            }
        },
    }
    for path, ref in refs.items():
        doc = json.loads(path.read_text())
        if gp:
            doc = copy.deepcopy(doc)
            for e in doc["entry"]:
                if e["resource"]["resourceType"] == "Patient":
                    e["resource"]["generalPractitioner"] = [ref]
        (folder / path.name).write_text(json.dumps(doc))
    return folder


def _run(data: Path):
    return CliRunner().invoke(app, ["run", "--data", str(data), "--as-of", AS_OF])


def test_an_ingest_only_lake_gets_every_source_table_and_says_what_it_added(tmp_path: Path):
    result = ingest_fhir(
        _copy_inputs(tmp_path / "in", gp=False), tmp_path / "data" / "lake", today=INGESTED_ON
    )
    lake = Lake(tmp_path / "data" / "lake")
    assert all(lake.files(t.name) for t in SOURCES)
    assert lake.read("practice_registrations").num_rows == 0
    assert lake.read("practices").num_rows == 0  # no registration names one
    assert lake.read("small_areas").num_rows > 0  # the shipped geography
    notes = "\n".join(result.notes)
    assert "practice_registrations: none in the input" in notes
    assert "practices: none ingested or named by a registration" in notes
    assert "3 patient(s) have no known practice registration" in notes
    # the analytics run, with nobody registered to analyse: no stack trace, a summary
    out = _run(tmp_path / "data")
    assert out.exit_code == 0, out.output
    assert "Excluded" in out.output


def test_general_practitioners_make_the_people_analysable(tmp_path: Path):
    result = ingest_fhir(
        _copy_inputs(tmp_path / "in", gp=True), tmp_path / "data" / "lake", today=INGESTED_ON
    )
    assert result.quarantined == 0
    assert not any("no known practice registration" in n for n in result.notes)
    lake_dir = tmp_path / "data" / "lake"
    regs = sorted(
        (r["practice_code"], str(r["start_date"]), r["end_date"])
        for r in Lake(lake_dir).read("practice_registrations").to_pylist()
    )
    assert regs == [
        ("8c95253e-8ee8-9ae8-6d40-021d702dc78e", "2026-03-01", None),
        ("B86001", "2026-03-01", None),
        (REFERENCE_PRACTICE, "2026-03-01", None),
    ]
    practices = Lake(lake_dir).read("practices").to_pylist()
    assert [(p["practice_code"], p["neighbourhood"]) for p in practices] == [
        (REFERENCE_PRACTICE, "Central Oxford")
    ]
    out = _run(tmp_path / "data")
    assert out.exit_code == 0, out.output
    rows = duckdb.sql(
        f"SELECT practice_code, neighbourhood, png, pyramid_tier, registers "
        f"FROM read_parquet('{lake_dir}/patient_insights/*.parquet') ORDER BY practice_code"
    ).fetchall()
    assert len(rows) == 3  # the three people, each with a need group and a pyramid tier
    assert all(png is not None and tier is not None for _, _, png, tier, _ in rows)
    by_practice = {r[0]: r for r in rows}
    assert by_practice[REFERENCE_PRACTICE][1] == "Central Oxford"
    assert by_practice["B86001"][1] == "Unknown"  # a practice outside the reference geography
    # the US patient's type 2 diabetes (SNOMED 44054006) puts them on the diabetes register
    assert "diabetes" in by_practice["8c95253e-8ee8-9ae8-6d40-021d702dc78e"][4].lower()


def test_a_second_ingest_changes_no_completed_table(tmp_path: Path):
    src = _copy_inputs(tmp_path / "in", gp=True)
    ingest_fhir(src, tmp_path / "data" / "lake", today=INGESTED_ON)
    again = ingest_fhir(src, tmp_path / "data" / "lake", today=INGESTED_ON)
    assert again.changed == [] and again.notes == []
