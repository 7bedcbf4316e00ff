"""Compaction (``nhc lake compact``): the large insight tables written whole outside the nightly
refresh. On the tiny lake of :mod:`.test_incremental`: after a night with a delta, compaction
folds it into a new base, every table reads the same, and the next night still gives what a full
run gives."""

from __future__ import annotations

import json
import threading

import pytest

from nhc.analytics.pipeline import OUTPUT_TABLES, incremental
from nhc.analytics.pipeline.compaction import compact
from nhc.analytics.pipeline.incremental import refresh
from nhc.analytics.pipeline.refresh_state import load_state, refresh_lock
from nhc.cli import main
from nhc.lake.engine import DuckDBEngine
from nhc.lake.store import Lake
from tests.analytics.engine_compare import differences
from tests.analytics.incremental_day import write_day
from tests.analytics.test_incremental import CODES, EVERY, _lake, _rows, _same_as_full_run
from tests.spec.helpers import AS_OF, d

LARGE = ("patient_evidence", "patient_insights")


@pytest.fixture(autouse=True)
def large_tables_as_base_and_delta(monkeypatch):
    """As in :mod:`.test_incremental`: every change here is a large share of three people."""
    monkeypatch.setattr(incremental, "WHOLE_AGAIN_SHARE", EVERY)


def _a_code_for(lake: Lake, patient: int) -> None:
    new = [{"patient_id": patient, "date": d("2026-03-01"), "snomed_code": "DM"}]
    write_day(lake, {"clinical_events": _rows("clinical_events", new)})


def _night_with_a_delta(tmp_path) -> tuple[Lake, DuckDBEngine]:
    lake = _lake(tmp_path / "lake")
    engine = DuckDBEngine.open(lake)
    refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)
    _a_code_for(lake, 2)
    assert refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY).mode == "incremental"
    assert lake.delta("patient_insights") is not None
    return lake, engine


def test_compaction_folds_the_delta_into_a_new_base_and_every_table_reads_the_same(tmp_path):
    lake, _engine = _night_with_a_delta(tmp_path)
    before = {name: lake.read(name) for name in OUTPUT_TABLES}
    bases = {name: lake.files(name)[0].stat().st_ino for name in LARGE}
    worklists = lake.files("worklists")[0].stat().st_ino

    done = compact(lake)

    assert (done.done, done.replaced_people) == (True, 1)
    for name in LARGE:
        assert lake.delta(name) is None
        assert lake.files(name)[0].stat().st_ino != bases[name]  # written whole
    assert lake.files("worklists")[0].stat().st_ino == worklists  # linked, not written again
    for name in OUTPUT_TABLES:
        assert not differences(name, before[name], lake.read(name)), name
    state = load_state(lake.root)
    assert state.replaced.num_rows == 0 and state.evidence.num_rows == 0
    assert state.generation == done.generation


def test_the_night_after_a_compaction_gives_what_a_full_run_gives(tmp_path):
    lake, engine = _night_with_a_delta(tmp_path)
    compact(lake)
    _a_code_for(lake, 3)

    night = refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)

    assert (night.mode, night.changed) == ("incremental", 1), night.reason  # not a full run
    assert load_state(lake.root).replaced.column("patient_id").to_pylist() == [3]
    assert not _same_as_full_run(engine, night.result.tables)


def test_with_no_delta_or_no_refresh_state_there_is_nothing_to_compact(tmp_path):
    lake = _lake(tmp_path / "lake")
    assert "no refresh state" in compact(lake).reason
    refresh(DuckDBEngine.open(lake), AS_OF, codelists=CODES, max_changed=EVERY)  # written whole

    done = compact(lake)

    assert not done.done
    assert "no delta" in done.reason


def test_a_compaction_waits_for_a_refresh_that_is_running(tmp_path):
    lake, _engine = _night_with_a_delta(tmp_path)
    finished = threading.Event()
    with refresh_lock(lake.root):  # a refresh holds the lake
        worker = threading.Thread(target=lambda: (compact(lake), finished.set()))
        worker.start()
        assert not finished.wait(0.5)  # waiting, nothing published
        assert lake.delta("patient_insights") is not None
    worker.join(timeout=60)
    assert finished.is_set()
    assert lake.delta("patient_insights") is None


def test_the_command_reports_what_it_folded_in_as_json(tmp_path, capsys):
    lake, _engine = _night_with_a_delta(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(["lake", "compact", "--data", str(lake.root.parent), "--json"])
    assert exit_.value.code in (0, None)
    out = json.loads(capsys.readouterr().out)
    assert (out["compacted"], out["replaced_people"], out["reason"]) == (True, 1, None)

    with pytest.raises(SystemExit):
        main(["lake", "compact", "--data", str(lake.root.parent)])
    assert "Nothing to compact: the large tables have no delta" in capsys.readouterr().out
