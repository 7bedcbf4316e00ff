"""Large files are split into line-aligned chunks read by worker processes: same result, right line numbers."""

from __future__ import annotations

from pathlib import Path

from nhc.fhir.ingest import ingest_fhir, plan_chunks
from nhc.fhir.quarantine import read_quarantine

from .test_quarantine import condition, patient, write_ndjson


def test_chunks_are_line_aligned_and_numbered(tmp_path: Path):
    lines = [f'{{"n": {i}, "pad": "{"x" * (i % 50)}"}}' for i in range(5000)]
    path = write_ndjson(tmp_path / "a.ndjson", lines)
    chunks = plan_chunks([path], 10_000)
    assert len(chunks) > 10
    data = path.read_bytes()
    for c in chunks:
        start = c.start
        assert start == 0 or data[start - 1 : start] == b"\n"
        assert data[:start].count(b"\n") + 1 == c.first_line
    assert chunks[-1].end == -1


def test_parallel_ingest_quarantines_with_the_right_line_numbers(county: Path, tmp_path: Path):
    import shutil

    lake = tmp_path / "data" / "lake"
    shutil.copytree(county, lake)
    rows: list = [patient(pid="900001")]
    bad_lines = set()
    for i in range(3000):
        if i % 500 == 7:
            rows.append(condition(subject="Patient/900001", onset="2025-02-30"))
            bad_lines.add(len(rows))
        else:
            rows.append(condition(subject="Patient/900001", onset=f"20{10 + i % 10}-01-{1 + i % 28:02d}"))
    src = write_ndjson(tmp_path / "in.ndjson", rows)
    result = ingest_fhir(src, lake, quarantine_path=tmp_path / "q.ndjson", workers=2, chunk_bytes=50_000)
    assert {r["line"] for r in read_quarantine(tmp_path / "q.ndjson")} == bad_lines
    assert result.counts["Condition"].accepted == 3000 - len(bad_lines)
    assert result.counts["Patient"].accepted == 1
    # The patient's id 900001 was free, so it is kept.
    assert result.rows_after["clinical_events"] - result.rows_before["clinical_events"] > 0
