"""The nightly refresh on a tiny hand-made lake: after a full refresh and a change to some people's
rows, the incremental refresh publishes exactly the tables a full run gives on the changed lake
(given the same risk model: a nightly refresh does not refit), and it falls back to a full run
when it cannot know what changed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pyarrow as pa
import pytest

from nhc.analytics.pipeline import OUTPUT_TABLES, incremental, refresh_tables, run
from nhc.analytics.pipeline.incremental import refresh
from nhc.analytics.pipeline.refresh_state import load_state, save_state
from nhc.lake.engine import DuckDBEngine
from nhc.lake.store import Lake, update_lake, write_lake
from tests.analytics.engine_compare import differences
from tests.analytics.incremental_day import write_day
from tests.spec.helpers import AS_OF, arrow, codelists, d, person

#: Every change is a large share of three people: the refresh must not run in full for that.
EVERY = 1.0
CODES = codelists({"dm_cod": ["DM"], "efi-falls": ["FALL"], "hba1c": ["HBA"], "copd_cod": ["COPD"]})
ENGINES = ["duckdb", pytest.param("spark", marks=[pytest.mark.spark, pytest.mark.slow])]


def _lake(root) -> Lake:
    people = [person(1, "1940-01-01"), person(2, "1990-06-01"), person(3, "1950-01-01", "M")]
    events = [
        {"patient_id": 1, "date": d("2010-01-01"), "snomed_code": "DM"},
        {"patient_id": 1, "date": d("2024-01-01"), "snomed_code": "HBA", "value": 80.0},
        {"patient_id": 3, "date": d("2025-10-01"), "snomed_code": "FALL"},
    ]
    enc = [{"patient_id": 1, "type": "emergency_admission", "start_date": d("2025-06-01")}]
    return write_lake(
        root,
        {
            "patients": arrow("patients", [p for p, _ in people]),
            "practice_registrations": arrow("practice_registrations", [r for _, r in people]),
            "clinical_events": arrow("clinical_events", events),
            "medications": arrow("medications", []),
            "encounters": arrow("encounters", enc),
            "care_home_residence": arrow("care_home_residence", []),
            "deaths": arrow("deaths", []),
            "small_areas": arrow(
                "small_areas",
                [{"small_area_code": "SA1", "locality": "L", "neighbourhood": "N1", "imd_decile": 3}],
            ),
            "practices": arrow(
                "practices", [{"practice_code": "P1", "locality": "L", "neighbourhood": "N1"}]
            ),
        },
    )


@pytest.fixture(autouse=True)
def large_tables_as_base_and_delta(monkeypatch):
    """On a county a day changes a few people in a thousand, and the large tables are published as
    their base and those people's rows (:mod:`nhc.lake.merge_on_read`); here every change is a
    third of everyone or more, which would write them whole: so the tests take the county's path
    unless they say otherwise."""
    monkeypatch.setattr(incremental, "WHOLE_AGAIN_SHARE", EVERY)


def _rows(table: str, rows: list[dict]) -> pa.Table:
    return arrow(table, rows)


def _same_as_full_run(engine, published) -> list[str]:
    """What differs between the refresh's tables and a full run given the same model."""
    model = load_state(engine.lake.root).model
    full = run(engine, AS_OF, codelists=CODES, write=False, model=model)
    problems = []
    for name in OUTPUT_TABLES:
        problems += differences(name, full.tables[name], published[name])
    return problems


def _insights(lake: Lake) -> dict[int, dict]:
    return {r["patient_id"]: r for r in lake.read("patient_insights").to_pylist()}


@pytest.mark.parametrize("kind", ENGINES)
@pytest.mark.parametrize("large", ["base and delta", "whole"])
def test_a_new_code_for_one_person_gives_what_a_full_run_gives(
    tmp_path, kind, large, engine_for, monkeypatch
):
    if large == "whole":
        monkeypatch.setattr(incremental, "WHOLE_AGAIN_SHARE", 0.0)
    lake = _lake(tmp_path / "lake")
    engine = engine_for(kind, lake)
    assert refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY).mode == "full"
    assert _insights(lake)[2]["registers"] == ""
    write_day(
        lake,
        {
            "clinical_events": _rows(
                "clinical_events", [{"patient_id": 2, "date": d("2026-03-01"), "snomed_code": "DM"}]
            )
        },
    )

    done = refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)

    assert (done.mode, done.changed) == ("incremental", 1), done.reason
    assert _insights(lake)[2]["registers"] == "diabetes"  # published: the change is in the lake
    assert not _same_as_full_run(engine, done.result.tables)


def test_a_writer_that_records_no_after_image_is_read_from_the_source_tables(tmp_path):
    lake = _lake(tmp_path / "lake")
    engine = DuckDBEngine.open(lake)
    refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)
    new = [{"patient_id": 2, "date": d("2026-03-01"), "snomed_code": "DM"}]
    write_day(lake, {"clinical_events": _rows("clinical_events", new)}, after_image=False)

    done = refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)

    assert (done.mode, done.changed) == ("incremental", 1), done.reason
    assert _insights(lake)[2]["registers"] == "diabetes"
    assert not _same_as_full_run(engine, done.result.tables)


def test_a_death_takes_the_person_out_of_the_insights_and_worklists(tmp_path):
    lake = _lake(tmp_path / "lake")
    engine = DuckDBEngine.open(lake)
    refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)
    write_day(lake, {"deaths": _rows("deaths", [{"patient_id": 1, "date_of_death": d("2026-02-01")}])})

    done = refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)

    assert done.mode == "incremental"
    assert set(_insights(lake)) == {2, 3}
    assert 1 not in lake.read("worklists").column("patient_id").to_pylist()
    assert not _same_as_full_run(engine, done.result.tables)


def test_a_newly_registered_person_is_added(tmp_path):
    lake = _lake(tmp_path / "lake")
    engine = DuckDBEngine.open(lake)
    refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)
    patient, registration = person(4, "1945-03-03", "M")
    event = {"patient_id": 4, "date": d("2020-01-01"), "snomed_code": "COPD"}
    write_day(
        lake,
        {
            "patients": _rows("patients", [patient]),
            "practice_registrations": _rows("practice_registrations", [registration]),
            "clinical_events": _rows("clinical_events", [event]),
        },
    )

    done = refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)

    assert done.mode == "incremental"
    assert _insights(lake)[4]["registers"] == "copd"
    assert json.loads(_summary(lake)["population"]) == 4
    assert not _same_as_full_run(engine, done.result.tables)


def _summary(lake: Lake) -> dict[str, str]:
    return {r["item"]: r["value"] for r in lake.read("analytics_run").to_pylist()}


def test_a_nightly_refresh_scores_with_the_model_of_the_last_full_run(tmp_path):
    lake = _lake(tmp_path / "lake")
    engine = DuckDBEngine.open(lake)
    refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)
    before = lake.read("risk_model")
    admission = {
        "encounter_id": 99,
        "patient_id": 2,
        "type": "emergency_admission",
        "start_date": d("2026-03-01"),
    }
    write_day(lake, {"encounters": _rows("encounters", [admission])})

    refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)

    assert lake.read("risk_model").equals(before)
    assert _insights(lake)[2]["emergency_admissions_12m"] == 1


def test_the_large_tables_are_written_whole_again_once_a_share_of_everyone_was_recomputed(
    tmp_path, monkeypatch
):
    lake = _lake(tmp_path / "lake")
    engine = DuckDBEngine.open(lake)
    refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)
    base = lake.files("patient_insights")[0].stat().st_ino
    monkeypatch.setattr(incremental, "WHOLE_AGAIN_SHARE", 0.5)  # of three people: two changed

    def a_code_for(patient: int) -> None:
        new = [{"patient_id": patient, "date": d("2026-03-01"), "snomed_code": "DM"}]
        write_day(lake, {"clinical_events": _rows("clinical_events", new)})

    a_code_for(2)
    first = refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)
    assert lake.files("patient_insights")[0].stat().st_ino == base  # the same base, not written
    assert lake.delta("patient_insights") is not None
    assert load_state(lake.root).replaced.column("patient_id").to_pylist() == [2]

    a_code_for(3)
    second = refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)
    assert lake.files("patient_insights")[0].stat().st_ino != base  # a new base, written whole
    assert lake.delta("patient_insights") is None
    assert load_state(lake.root).replaced.num_rows == 0
    assert (first.mode, second.mode) == ("incremental", "incremental")
    assert not _same_as_full_run(engine, second.result.tables)


def test_nothing_changed_republishes_the_same_tables(tmp_path):
    lake = _lake(tmp_path / "lake")
    engine = DuckDBEngine.open(lake)
    first = refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)

    again = refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)

    assert (again.mode, again.changed) == ("incremental", 0)
    for name in OUTPUT_TABLES:
        assert not differences(name, first.result.tables[name], again.result.tables[name])


def test_a_write_the_change_log_does_not_know_gets_a_full_run(tmp_path):
    lake = _lake(tmp_path / "lake")
    engine = DuckDBEngine.open(lake)
    refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)
    update_lake(lake.root, {"deaths": arrow("deaths", [{"patient_id": 1, "date_of_death": d("2026-02-01")}])})

    done = refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)

    assert done.mode == "full" and "change log" in done.reason
    assert set(_insights(lake)) == {2, 3}


def test_a_new_as_of_date_gets_a_full_run(tmp_path):
    lake = _lake(tmp_path / "lake")
    engine = DuckDBEngine.open(lake)
    refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)

    done = refresh(engine, AS_OF + dt.timedelta(days=1), codelists=CODES, max_changed=EVERY)

    assert done.mode == "full" and "as-of date" in done.reason


def test_insights_published_by_another_run_since_get_a_full_run(tmp_path):
    lake = _lake(tmp_path / "lake")
    engine = DuckDBEngine.open(lake)
    refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)
    run(engine, AS_OF, codelists=CODES)  # `nhc run`: its tables are not the refresh's state

    done = refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)

    assert done.mode == "full" and "another run" in done.reason


def test_asked_for_a_full_run_it_runs_one(tmp_path):
    lake = _lake(tmp_path / "lake")
    engine = DuckDBEngine.open(lake)
    refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)

    assert refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY, full=True).mode == "full"


def test_a_refresh_prunes_the_change_log_it_has_read(tmp_path):
    lake = _lake(tmp_path / "lake")
    engine = DuckDBEngine.open(lake)
    refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)
    for day in (1, 2):
        new = [{"patient_id": 2, "date": d(f"2026-03-0{day}"), "snomed_code": "DM"}]
        write_day(lake, {"clinical_events": _rows("clinical_events", new)})

    assert len(list((lake.root / "_changes").glob("*.parquet"))) == 2
    assert refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY).mode == "incremental"
    assert list((lake.root / "_changes").iterdir()) == []


def _a_code_on(lake: Lake, day: int) -> None:
    new = [{"patient_id": 2, "date": d(f"2026-03-0{day}"), "snomed_code": "DM"}]
    write_day(lake, {"clinical_events": _rows("clinical_events", new)})


def test_nightly_refreshes_run_the_sql_the_full_run_prepared(tmp_path):
    lake = _lake(tmp_path / "lake")
    engine = DuckDBEngine.open(lake)
    assert refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY).compiled == ("recompute", "population")
    for day in (1, 2):
        _a_code_on(lake, day)

        done = refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)

        assert (done.mode, done.compiled) == ("incremental", ()), done.reason
    # the second night ran the SQL the first kept (the other tests check a night on its own)
    assert not _same_as_full_run(engine, done.result.tables)


def test_sql_prepared_for_other_code_tables_or_model_is_compiled_again(tmp_path):
    lake = _lake(tmp_path / "lake")
    engine = DuckDBEngine.open(lake)
    refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)
    state = load_state(lake.root)
    stale = {
        name: dataclasses.replace(p, key="made for something else") for name, p in state.prepared.items()
    }
    save_state(lake.root, dataclasses.replace(state, prepared=stale))
    _a_code_on(lake, 1)

    done = refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)

    assert (done.mode, done.compiled) == ("incremental", ("recompute", "population"))
    assert not _same_as_full_run(engine, done.result.tables)
    assert "made for something else" not in {p.key for p in load_state(lake.root).prepared.values()}


def test_a_refresh_that_fails_while_building_publishes_nothing_and_keeps_its_state(tmp_path, monkeypatch):
    lake = _lake(tmp_path / "lake")
    engine = DuckDBEngine.open(lake)
    refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)
    before, state = {name: lake.read(name) for name in OUTPUT_TABLES}, load_state(lake.root)
    _a_code_on(lake, 1)

    def broken(*_args):
        raise RuntimeError("the run summary could not be made")

    # fails after the insights and the evidence are built (and being written)
    monkeypatch.setattr(refresh_tables.o, "summarise", broken)
    with pytest.raises(RuntimeError, match="run summary"):
        refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)

    for name in OUTPUT_TABLES:
        assert lake.read(name).equals(before[name]), name
    assert load_state(lake.root).generation == state.generation
    monkeypatch.undo()
    done = refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)
    assert done.mode == "incremental" and not _same_as_full_run(engine, done.result.tables)


def test_the_web_app_and_the_equity_report_read_a_night_with_a_delta_as_it_is(tmp_path):
    """The insights service (the web pages) and the equity report read the large tables with
    the day's people replaced (:mod:`nhc.lake.merge_on_read`): a new code, a death."""
    from nhc.insights.service import InsightsService
    from nhc.navigation.services.equity import LakePeople

    lake = _lake(tmp_path / "lake")
    engine = DuckDBEngine.open(lake)
    refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)
    service = InsightsService(lake.root, check_seconds=0)
    assert service.patient(2)["person"]["registers_list"] == []

    _a_code_on(lake, 1)
    write_day(lake, {"deaths": _rows("deaths", [{"patient_id": 3, "date_of_death": d("2026-02-01")}])})
    assert refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY).mode == "incremental"

    assert lake.delta("patient_insights") is not None
    seen = service.patient(2)
    assert seen["person"]["registers_list"] == ["diabetes"]
    assert [e["item"] for e in seen["evidence"] if e["kind"] == "register"] == ["diabetes"]
    assert sorted(LakePeople(lake.root).details([1, 2, 3])) == [1, 2]  # 3 died: not in the insights
