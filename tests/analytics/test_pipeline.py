"""The pipeline end to end on a tiny hand-made lake: outputs, exclusions counted, bad input errors."""

from __future__ import annotations

import datetime as dt
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from nhc.analytics import pipeline
from nhc.errors import NhcError
from nhc.lake.engine import DuckDBEngine, SparkEngine
from nhc.lake.store import Lake, write_lake
from tests.spec.helpers import AS_OF, arrow, codelists, d, person

CODES = codelists(
    {
        "dm_cod": ["DM"],
        "hyp_cod": ["HYP"],
        "efi-falls": ["FALL"],
        "efi-weight-loss": ["WL"],
        "pregnancy-antenatal": ["PREG"],
        "hba1c": ["HBA"],
    }
)


def _lake(root, *, duplicate: bool = False) -> Lake:
    people = [
        person(1, "1940-01-01"),
        person(2, "1990-06-01"),
        person(3, "2015-01-01", "M"),
        person(4, "1950-01-01", "M"),
        person(5, "1960-01-01"),
    ]
    patients = [p for p, _ in people]
    if duplicate:
        patients.append(patients[0])
    regs = [r for _, r in people]
    events = [
        {"patient_id": 1, "date": d("2025-10-01"), "snomed_code": "FALL"},
        {"patient_id": 1, "date": d("2025-11-01"), "snomed_code": "WL"},
        {"patient_id": 1, "date": d("2010-01-01"), "snomed_code": "DM"},
        {"patient_id": 1, "date": d("2024-01-01"), "snomed_code": "HBA", "value": 80.0},
        {"patient_id": 2, "date": d("2026-01-10"), "snomed_code": "PREG"},
        {"patient_id": 4, "date": d("2026-05-01"), "snomed_code": "HYP"},  # future-dated: excluded, counted
        {"patient_id": 4, "date": d("2020-05-01"), "snomed_code": "UNKNOWN"},  # in no codelist: counted
    ]
    enc = [
        {"patient_id": 1, "type": "emergency_admission", "start_date": d(s)}
        for s in ("2025-04-01", "2025-06-01", "2025-09-01")
    ]
    enc += [{"patient_id": 5, "type": "gp", "start_date": d("2025-12-01")}]
    deaths = [{"patient_id": 5, "date_of_death": d("2026-01-01")}]
    tables = {
        "patients": arrow("patients", patients),
        "practice_registrations": arrow("practice_registrations", regs),
        "clinical_events": arrow("clinical_events", events),
        "medications": arrow("medications", []),
        "encounters": arrow("encounters", enc),
        "care_home_residence": arrow("care_home_residence", []),
        "deaths": arrow("deaths", deaths),
        "small_areas": arrow(
            "small_areas",
            [{"small_area_code": "SA1", "locality": "L", "neighbourhood": "N1", "imd_decile": 3}],
        ),
        "practices": arrow("practices", [{"practice_code": "P1", "locality": "L", "neighbourhood": "N1"}]),
    }
    return write_lake(root, tables)


def _engine(kind: str, lake: Lake, request):
    if kind == "duckdb":
        return DuckDBEngine.open(lake)
    spark = request.getfixturevalue("spark_engine")
    return SparkEngine(spark.backend, lake)


@pytest.mark.parametrize(
    "kind", ["duckdb", pytest.param("spark", marks=[pytest.mark.spark, pytest.mark.slow])]
)
def test_pipeline_tiny_lake(tmp_path, kind, request):
    lake = _lake(tmp_path / "lake")
    engine = _engine(kind, lake, request)
    result = pipeline.run(engine, AS_OF, codelists=CODES)
    s = result.summary
    assert s["population"] == 4  # patient 5 died
    assert s["excluded"]["future_dated_events"] == 1
    assert s["excluded"]["events_with_codes_in_no_codelist_ignored"] == 1
    assert s["cms_conditions_without_codelist"] == ["ibs", "constipation"]
    ins = {r["patient_id"]: r for r in lake.read("patient_insights").to_pylist()}
    assert set(ins) == {1, 2, 3, 4}
    assert ins[1]["png"] == 11 and ins[1]["band"] == "high" and ins[1]["pyramid_tier"] == 4
    assert ins[1]["registers"] == "diabetes"
    assert ins[2]["png"] == 6
    assert ins[3]["png"] == 1  # a child with no activity: non-user
    assert ins[4]["registers"] == ""  # hypertension only in the future
    ev = lake.read("patient_evidence").to_pylist()
    assert {(r["kind"], r["item"]) for r in ev if r["patient_id"] == 1} >= {
        ("register", "diabetes"),
        ("efi", "efi-falls"),
        ("frailty_marker", "falls"),
    }
    cube = lake.read("population_cube")
    assert cube.num_rows > 0
    assert all(c is None or (c > 7 and c % 5 == 0) for c in cube.column("count").to_pylist())
    wl = lake.read("worklists").to_pylist()
    assert ("diabetes_unreviewed_high_hba1c", 1) in {(r["worklist"], r["patient_id"]) for r in wl}
    # the summary is published whole, one row per item (the timings are the run's, not the lake's)
    items = lake.read("analytics_run").column("item").to_pylist()
    assert sorted(items) == sorted(set(s) - {"timings"}) and "population" in items


def test_missing_column_names_table_and_column(tmp_path):
    lake = _lake(tmp_path / "lake")
    ev = lake.read("clinical_events").drop_columns(["snomed_code"])
    pq.write_table(ev, lake.files("clinical_events")[0])
    with pytest.raises(NhcError, match="table clinical_events: missing column snomed_code"):
        pipeline.run(DuckDBEngine.open(lake), AS_OF, codelists=CODES, write=False)


def test_missing_table(tmp_path):
    lake = _lake(tmp_path / "lake")
    shutil.rmtree(lake.path("encounters"))
    with pytest.raises(NhcError, match="encounters"):
        pipeline.run(DuckDBEngine.open(lake), AS_OF, codelists=CODES, write=False)


def test_duplicate_patients(tmp_path):
    lake = _lake(tmp_path / "lake", duplicate=True)
    with pytest.raises(NhcError, match=r"1 patient_id value\(s\) occur more than once \(e.g. 1\)"):
        pipeline.run(DuckDBEngine.open(lake), AS_OF, codelists=CODES, write=False)


def test_codelist_without_cluster_column(tmp_path):
    lake = _lake(tmp_path / "lake")
    bad = pa.table({"code": ["X"], "cluster": ["y"]}).rename_columns(["code", "group"])
    with pytest.raises(NhcError, match="codelists: missing column cluster"):
        pipeline.run(DuckDBEngine.open(lake), dt.date(2026, 3, 31), codelists=bad, write=False)
