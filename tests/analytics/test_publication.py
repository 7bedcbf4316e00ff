"""A run publishes its insight tables as one unit: all new, or (after a failure) all old.

The lake's readers (the store, the engines, the insights pages) read ``<lake>/<table>/``; a run that
dies part-way through writing must leave every insight table as the previous run wrote it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa
import pytest

from nhc.analytics.pipeline import OUTPUT_TABLES, run
from nhc.lake import publish as publication
from nhc.lake.engine import DuckDBEngine
from nhc.lake.store import GENERATIONS, Lake, update_lake
from tests.analytics.engine_compare import canonical
from tests.analytics.test_pipeline import CODES, _lake

OLD, NEW = dt.date(2026, 3, 31), dt.date(2026, 6, 30)


class Disk(Exception):
    """The failure injected into a write."""


def _fail_on(monkeypatch, nth: int) -> list[str]:
    """Make the ``nth`` table write of a publication fail; return the names written before it."""
    written: list[str] = []
    real = publication.write_table
    # Counted as writes start, not as they finish: tables are written two at a time, so counting
    # finished ones could let every write start before any finished, and none would fail.
    started = itertools.count(1)

    def write_table(folder, name, table):
        if next(started) == nth:
            raise Disk(f"disk full writing {name}")
        real(folder, name, table)
        written.append(name)

    monkeypatch.setattr(publication, "write_table", write_table)
    return written


def _as_of_of_each(lake: Lake) -> dict[str, set]:
    """The as-of dates in each insight table (the evidence has none: the dates of the insights)."""
    dates = {
        n: set(lake.read(n).column("as_of").to_pylist()) for n in OUTPUT_TABLES if n != "patient_evidence"
    }
    return {"patient_evidence": dates["patient_insights"], **dates}


def test_the_two_runs_differ_in_every_table(tmp_path):
    """What the tests below rely on: a run at NEW changes each table, evidence included."""
    lake = _lake(tmp_path / "lake")
    old, new = _run(lake, OLD).tables, _run(lake, NEW).tables
    for name in OUTPUT_TABLES:
        assert canonical(name, old[name]) != canonical(name, new[name]), name


def _run(lake: Lake, as_of: dt.date):
    return run(DuckDBEngine.open(lake), as_of, codelists=CODES)


def test_a_failure_part_way_leaves_every_old_table_whole(tmp_path, monkeypatch):
    lake = _lake(tmp_path / "lake")
    old = _run(lake, OLD)
    before = {name: lake.read(name) for name in OUTPUT_TABLES}
    written = _fail_on(monkeypatch, 4)
    with pytest.raises(Disk):
        _run(lake, NEW)
    # new tables were written before the failure: the three before it (two are written at a time,
    # so perhaps the one beside it too)
    assert len(written) >= 3
    assert _as_of_of_each(lake) == {name: {OLD} for name in OUTPUT_TABLES}  # none mixed
    for name in OUTPUT_TABLES:
        assert lake.read(name).equals(before[name]), name  # the evidence too
    # ... and readable by an engine, as the old run left them
    engine = DuckDBEngine.open(lake)
    n = engine.to_arrow(engine.table("patient_insights").count()).as_py()
    assert n == old.summary["population"] == 4


def test_the_next_run_replaces_every_table_and_keeps_one_generation_back(tmp_path):
    lake = _lake(tmp_path / "lake")
    _run(lake, OLD)
    _run(lake, NEW)
    _run(lake, NEW)
    assert _as_of_of_each(lake) == {name: {NEW} for name in OUTPUT_TABLES}
    generations = [p for p in (lake.root / ".generations" / "insights").iterdir() if p.name.startswith("g-")]
    assert len(generations) == 2  # the current one and the one readers may still be reading
    assert publication.current_generation(lake) in generations
    assert set(lake.tables()) >= set(OUTPUT_TABLES)


def test_tables_written_before_generations_are_adopted_whole(tmp_path, monkeypatch):
    """A lake whose insight tables are plain folders (written one by one, as before)."""
    lake = _lake(tmp_path / "lake")
    old = _run(lake, OLD).tables
    for name in OUTPUT_TABLES:  # back to plain folders
        (lake.root / name).unlink()
        lake.write(name, old[name])
    assert not (lake.root / "patient_insights").is_symlink()
    _fail_on(monkeypatch, 2)
    with pytest.raises(Disk):
        _run(lake, NEW)
    assert _as_of_of_each(lake) == {name: {OLD} for name in OUTPUT_TABLES}
    monkeypatch.undo()
    _run(lake, NEW)
    assert _as_of_of_each(lake) == {name: {NEW} for name in OUTPUT_TABLES}
    assert (lake.root / "patient_insights").is_symlink()


def test_a_bad_table_fails_before_anything_is_written(tmp_path):
    lake = Lake(tmp_path / "lake")
    good = pa.table({"item": ["x"], "value": ["1"], "as_of": [OLD]})
    publication.publish(lake, {"analytics_run": good})
    bad = pa.table({"term": ["x"]})  # risk_model without its columns
    with pytest.raises(Exception, match="risk_model: missing column"):
        publication.publish(lake, {"analytics_run": good.slice(0, 0), "risk_model": bad})
    assert lake.read("analytics_run").to_pylist() == good.to_pylist()
    assert not lake.exists("risk_model")
    assert len(list((lake.root / ".generations" / "insights").glob("g-*"))) == 1


def test_an_ingest_after_a_run_keeps_the_published_generation(tmp_path):
    """A source-table update (the FHIR ingest's one atomic swap) keeps the insight links and their
    generation, so the next run swaps one link again rather than adopting plain folders."""
    lake = _lake(tmp_path / "lake")
    _run(lake, OLD)
    insights_before = {n: lake.read(n) for n in OUTPUT_TABLES}
    update_lake(lake.root, {"deaths": lake.read("deaths")})
    assert (lake.root / GENERATIONS).is_dir()
    for name in OUTPUT_TABLES:
        assert (lake.root / name).is_symlink(), name
        assert lake.read(name).equals(insights_before[name]), name
    _run(lake, NEW)
    assert _as_of_of_each(lake) == {n: {NEW} for n in OUTPUT_TABLES}


def test_a_table_still_being_built_is_written_when_it_is_given(tmp_path):
    lake = Lake(tmp_path / "lake")
    later = publication.Pending()
    made = publication.Pending(lambda: pa.table({"item": ["x"], "value": ["1"], "as_of": [NEW]}))
    with ThreadPoolExecutor(1) as pool:
        publishing = pool.submit(publication.publish, lake, {"analytics_run": made, "risk_model": later})
        later.set(
            pa.table(
                {"term": ["age"], "label": ["Age"], "coefficient": [0.5], "mean": [50.0], "as_of": [NEW]}
            )
        )
        publishing.result(timeout=60)
    assert lake.read("analytics_run").column("value").to_pylist() == ["1"]
    assert lake.read("risk_model").column("term").to_pylist() == ["age"]


def test_a_table_that_fails_to_be_built_leaves_every_old_table_whole(tmp_path):
    lake = Lake(tmp_path / "lake")
    good = pa.table({"item": ["x"], "value": ["1"], "as_of": [OLD]})
    publication.publish(lake, {"analytics_run": good})
    later = publication.Pending()
    with ThreadPoolExecutor(1) as pool:
        publishing = pool.submit(
            publication.publish, lake, {"analytics_run": good.slice(0, 0), "risk_model": later}
        )
        later.fail(Disk("the worklists could not be ranked"))
        with pytest.raises(Disk):
            publishing.result(timeout=60)
    assert lake.read("analytics_run").to_pylist() == good.to_pylist()
    assert not lake.exists("risk_model")
    assert len(list((lake.root / ".generations" / "insights").glob("g-*"))) == 1
