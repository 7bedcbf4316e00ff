"""The team's own records reach the worklists at the next nightly refresh: exporting them
(``nhc care export-lake``) records the people whose records changed in the lake's change log, and
the refresh recomputes just them. On the tiny lake of :mod:`.test_incremental`, a socially isolated
person leaves "frail or isolated, no social prescribing referral" the night after a link worker's
referral, and the tables equal a full run's."""

from __future__ import annotations

import pyarrow as pa
import pytest

from nhc.analytics.pipeline import OUTPUT_TABLES, incremental, run
from nhc.analytics.pipeline.incremental import refresh
from nhc.analytics.pipeline.refresh_state import load_state
from nhc.lake import changes
from nhc.lake.store import Lake
from tests.analytics.engine_compare import differences
from tests.analytics.incremental_day import write_day
from tests.analytics.test_incremental import ENGINES, EVERY, _lake, _rows
from tests.spec.helpers import AS_OF, codelists, d

REFERRAL, DECLINED = "871731000000106", "871711000000103"
LIST = "frail_or_isolated_no_social_prescribing"
CODES = codelists(
    {
        "dm_cod": ["DM"],
        "efi-falls": ["FALL"],
        "hba1c": ["HBA"],
        "efi-social-vulnerability": ["LONELY"],
        "social-care-prescribing-referral": [REFERRAL],
    }
)


@pytest.fixture(autouse=True)
def large_tables_as_base_and_delta(monkeypatch):
    """As in :mod:`.test_incremental`: every change here is a large share of three people."""
    monkeypatch.setattr(incremental, "WHOLE_AGAIN_SHARE", EVERY)


def _referral(patient: int, code: str = REFERRAL, rid: int = 1) -> dict:
    return {
        "patient_id": patient,
        "record_type": "social_prescribing",
        "code_system": "http://snomed.info/sct",
        "code": code,
        "start_date": d("2026-03-20"),
        "end_date": None,
        "outcome": None,
        "neighbourhood": "N1",
        "source_id": f"sp-referral-{rid}",
        "value": None,
    }


def _records(*rows: dict) -> pa.Table:
    return _rows("care_records", list(rows))


def _on_the_list(lake: Lake) -> list[int]:
    w = lake.read("worklists").to_pylist()
    return sorted(r["patient_id"] for r in w if r["worklist"] == LIST)


def _isolated_person(tmp_path, kind, engine_for):
    """The lake with person 2 coded as living alone, refreshed in full."""
    lake = _lake(tmp_path / "lake")
    lonely = [{"patient_id": 2, "date": d("2026-01-10"), "snomed_code": "LONELY"}]
    write_day(lake, {"clinical_events": _rows("clinical_events", lonely)})
    engine = engine_for(kind, lake)
    assert refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY).mode == "full"
    assert _on_the_list(lake) == [2]
    return lake, engine


def _same_as_full_run(engine, published) -> list[str]:
    model = load_state(engine.lake.root).model
    full = run(engine, AS_OF, codelists=CODES, write=False, model=model)
    return [p for name in OUTPUT_TABLES for p in differences(name, full.tables[name], published[name])]


@pytest.mark.parametrize("kind", ENGINES)
def test_a_referral_sent_from_nhc_takes_the_person_off_the_list_the_next_night(tmp_path, kind, engine_for):
    lake, engine = _isolated_person(tmp_path, kind, engine_for)

    changed = changes.replace_team_table(lake.root, "care_records", _records(_referral(2)))
    night = refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)

    assert changed == {2}
    assert (night.mode, night.changed) == ("incremental", 1), night.reason
    assert _on_the_list(lake) == []
    assert not _same_as_full_run(engine, night.result.tables)


def test_a_referral_the_service_declined_leaves_the_person_on_the_list(tmp_path, engine_for):
    lake, engine = _isolated_person(tmp_path, "duckdb", engine_for)
    changes.replace_team_table(lake.root, "care_records", _records(_referral(2)))
    refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)

    # the service said no: the export now carries the "declined" code
    changed = changes.replace_team_table(lake.root, "care_records", _records(_referral(2, DECLINED)))
    night = refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)

    assert changed == {2} and night.mode == "incremental"
    assert _on_the_list(lake) == [2]
    assert not _same_as_full_run(engine, night.result.tables)


def test_exporting_the_same_records_again_changes_nobody(tmp_path, engine_for):
    lake, engine = _isolated_person(tmp_path, "duckdb", engine_for)
    records = _records(_referral(2), _referral(3, rid=2))
    assert changes.replace_team_table(lake.root, "care_records", records) == {2, 3}
    refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)

    again = changes.replace_team_table(lake.root, "care_records", records)
    night = refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)

    assert again == set()
    assert (night.mode, night.changed) == ("incremental", 0), night.reason


def test_a_batch_without_an_after_image_is_read_from_the_tables(tmp_path, engine_for, monkeypatch):
    """Too many people for an after-image: the refresh reads their rows from the source tables."""
    lake, engine = _isolated_person(tmp_path, "duckdb", engine_for)
    monkeypatch.setattr(changes, "wants_after_image", lambda touched, people_before: False)

    changes.replace_team_table(lake.root, "care_records", _records(_referral(2)))
    assert changes.rows_since(lake.root, load_state(lake.root).sources) is None
    night = refresh(engine, AS_OF, codelists=CODES, max_changed=EVERY)

    assert night.mode == "incremental" and _on_the_list(lake) == []
    assert not _same_as_full_run(engine, night.result.tables)


def test_only_a_team_table_can_be_replaced_so(tmp_path):
    with pytest.raises(ValueError, match="not a team table"):
        changes.replace_team_table(tmp_path, "clinical_events", _records())
