"""The nightly refresh on a small synthetic county with a day of new data for a few hundred people:
every insight table the refresh publishes equals a full run's on the changed lake (row order
aside; the same risk model, as a nightly refresh does not refit), through ``nhc run --incremental``.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from nhc.analytics.pipeline import OUTPUT_TABLES, run
from nhc.analytics.pipeline.refresh_state import load_state
from nhc.cli import app
from nhc.lake.engine import DuckDBEngine
from nhc.lake.store import Lake
from nhc.synth.county import SynthOptions, generate_to_lake
from tests.analytics.engine_compare import differences
from tests.analytics.incremental_day import a_day
from tests.spec.helpers import AS_OF

PEOPLE = 3_000
DAY = 0.1  # a tenth of the county: a few hundred people


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Lake:
    data = tmp_path_factory.mktemp("incremental-county")
    generate_to_lake(SynthOptions(patients=PEOPLE, seed=11), data / "lake")
    return Lake(data / "lake")


def _refresh(lake: Lake, monkeypatch, *options: str) -> dict:
    monkeypatch.setenv("NHC_DATA", str(lake.root.parent))
    monkeypatch.setenv("NHC_ENGINE", "duckdb")
    out = CliRunner().invoke(app, ["run", "--incremental", *options, "--json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def test_a_day_of_new_data_refreshed_equals_a_full_run(county, monkeypatch):
    first = _refresh(county, monkeypatch)
    assert first["refresh"]["mode"] == "full"
    admissions_before = _admissions(county.read("patient_insights"))
    people = a_day(county, DAY, 1, AS_OF)
    assert 200 <= people <= 400

    done = _refresh(county, monkeypatch)

    assert done["refresh"] == {"mode": "incremental", "changed_patients": people, "reason": None}
    published = {name: county.read(name) for name in OUTPUT_TABLES}
    full = run(DuckDBEngine.open(county), AS_OF, write=False, model=load_state(county.root).model)
    problems = [p for name in OUTPUT_TABLES for p in differences(name, full.tables[name], published[name])]
    assert not problems, "\n".join(problems)
    # the day is in the published tables: more emergency admissions than before
    assert done["population"] == first["population"]
    assert _admissions(published["patient_insights"]) > admissions_before


def _admissions(insights) -> int:
    return sum(insights.column("emergency_admissions_12m").to_pylist())


def test_asked_for_a_full_run_the_refresh_refits(county, monkeypatch):
    done = _refresh(county, monkeypatch, "--full")

    assert done["refresh"]["mode"] == "full" and done["refresh"]["reason"] == "a full run was asked for"
