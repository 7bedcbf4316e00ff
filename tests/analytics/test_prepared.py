"""Prepared SQL (:mod:`nhc.analytics.pipeline.prepared`): queries compiled once over tables of one
night run again over another night's tables, give that night's answers, clean up after
themselves, and are refused or compiled again when they could not be right."""

from __future__ import annotations

import ibis
import pyarrow as pa
import pytest

from nhc.analytics.pipeline.prepared import Prepared, fetch_all, key_of, prepare
from nhc.lake.engine import DuckDBEngine


def _visits(engine: DuckDBEngine, name: str, rows: dict[int, list[int]]) -> ibis.Table:
    """Table ``name``: patient_id and one row per visit length."""
    flat = [(p, n) for p, lengths in rows.items() for n in lengths]
    return engine.from_arrow(
        pa.table({"patient_id": [p for p, _ in flat], "days": [n for _, n in flat]}), name
    )


def _longest_stays(visits: ibis.Table):
    """Each person's longest stay, through a block the later query reads (cached)."""

    def build(cache):
        per_person = cache("per_person", visits.group_by("patient_id").aggregate(longest=visits.days.max()))
        return {
            "longest": per_person.order_by("patient_id"),
            "people": per_person.aggregate(n=per_person.count()),
        }

    return build


def test_sql_prepared_one_night_runs_on_the_next_nights_tables():
    engine = DuckDBEngine.open()
    monday = _visits(engine, "visits_monday", {1: [3, 5], 2: [1]})
    program = prepare(engine, {"visits": monday}, _longest_stays(monday), as_of="2026-03-31")
    _visits(engine, "visits_tuesday", {1: [9], 3: [2, 4]})

    got = program.run(engine, {"visits": "visits_tuesday"})

    assert got["longest"].to_pylist() == [{"patient_id": 1, "longest": 9}, {"patient_id": 3, "longest": 4}]
    assert got["people"].to_pylist() == [{"n": 2}]


def test_the_tables_a_program_makes_are_dropped_after_it_runs():
    engine = DuckDBEngine.open()
    monday = _visits(engine, "visits_monday", {1: [3]})
    program = prepare(engine, {"visits": monday}, _longest_stays(monday))

    program.run(engine, {"visits": "visits_monday"})

    temporary = engine.backend.con.sql("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
    assert temporary == []


def test_a_program_that_fails_still_drops_what_it_made():
    engine = DuckDBEngine.open()
    monday = _visits(engine, "visits_monday", {1: [3]})
    program = prepare(engine, {"visits": monday}, _longest_stays(monday))
    broken = Prepared(
        program.key,
        program.reads,
        (
            *program.steps[:1],
            *(s.__class__(s.name, "SELECT nonsense FROM nowhere", s.schema) for s in program.steps[1:]),
        ),
    )

    with pytest.raises(Exception, match="nowhere"):
        broken.run(engine, {"visits": "visits_monday"})

    assert engine.backend.con.sql("SELECT * FROM duckdb_tables() WHERE temporary").fetchall() == []


def test_a_program_reads_back_from_its_saved_form_the_same():
    engine = DuckDBEngine.open()
    monday = _visits(engine, "visits_monday", {1: [3, 5]})
    program = prepare(engine, {"visits": monday}, _longest_stays(monday))

    again = Prepared.from_dict(program.as_dict())

    assert again == Prepared(program.key, program.reads, program.steps)
    assert again.run(engine, {"visits": "visits_monday"})["longest"].to_pylist() == [
        {"patient_id": 1, "longest": 5}
    ]


def test_queries_that_read_a_table_held_in_python_are_not_prepared_but_still_run():
    engine = DuckDBEngine.open()
    monday = _visits(engine, "visits_monday", {1: [3], 2: [7]})
    wards = ibis.memtable({"patient_id": [1, 2], "ward": ["A", "B"]})  # registered under Ibis's own name

    def build(cache):
        joined = cache("joined", monday.join(wards, "patient_id"))
        return {"by_ward": joined.group_by("ward").aggregate(days=joined.days.sum()).order_by("ward")}

    assert prepare(engine, {"visits": monday}, build) is None
    got, program = fetch_all(engine, {"visits": monday}, build, None)
    assert program is None
    assert got["by_ward"].to_pylist() == [{"ward": "A", "days": 3}, {"ward": "B", "days": 7}]


def test_a_key_names_the_columns_and_facts_not_the_tables_names():
    engine = DuckDBEngine.open()
    monday = _visits(engine, "visits_monday", {1: [3]})
    tuesday = _visits(engine, "visits_tuesday", {2: [4], 3: [1]})
    wider = engine.from_arrow(pa.table({"patient_id": [1], "days": [3], "ward": ["A"]}), "visits_wider")
    as_doubles = engine.from_arrow(pa.table({"patient_id": [1], "days": [3.0]}), "visits_doubles")

    assert key_of({"visits": monday}, as_of="2026-03-31") == key_of({"visits": tuesday}, as_of="2026-03-31")
    assert key_of({"visits": monday}, as_of="2026-03-31") != key_of({"visits": monday}, as_of="2026-04-01")
    assert key_of({"visits": monday}) != key_of({"visits": wider})
    assert key_of({"visits": monday}) != key_of({"visits": as_doubles})


def test_a_kept_program_of_another_key_is_compiled_again():
    engine = DuckDBEngine.open()
    monday = _visits(engine, "visits_monday", {1: [3]})
    kept = prepare(engine, {"visits": monday}, _longest_stays(monday), as_of="2026-03-31")

    got, program = fetch_all(engine, {"visits": monday}, _longest_stays(monday), kept, as_of="2026-04-01")

    assert program is not None and program.key != kept.key
    assert got["people"].to_pylist() == [{"n": 1}]
