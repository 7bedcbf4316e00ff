"""Large files are split into line-aligned chunks read by worker processes: same result, right line numbers."""

from __future__ import annotations

from pathlib import Path

from nhc.fhir.ingest import ingest_fhir, plan_chunks
from nhc.fhir.ingest.read import read_chunk
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


class RecordingSink:
    """A fake sink: what the reader hands on, with where it came from."""

    def __init__(self) -> None:
        self.handled: list[tuple] = []
        self.rejected: list[tuple] = []

    def handle(self, res, fi, line, entry, full_url, raw) -> None:
        self.handled.append(
            (res.get("id") if isinstance(res, dict) else res, line, entry, full_url, raw is not None)
        )

    def reject(self, fi, line, rtype, rid, fld, reason, raw, entry=None) -> None:
        self.rejected.append((line, fld, entry))

    def flush_full(self) -> None:
        pass

    def bundle_context(self, entries) -> None:
        pass


def test_reader_opens_bundles_numbers_lines_and_skips_blank_ones(tmp_path: Path):
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:a", "resource": {"resourceType": "Patient", "id": "a"}},
            {"request": {"method": "DELETE"}},
            {"resource": {"resourceType": "Condition", "id": "c"}},
        ],
    }
    path = write_ndjson(tmp_path / "in.ndjson", [{"resourceType": "Patient", "id": "p"}, "", bundle, "[1,"])
    sink = RecordingSink()
    read_chunk(plan_chunks([path], 1 << 20)[0], sink, max_line_bytes=1 << 20)
    assert sink.handled == [
        ("p", 1, None, None, True),
        ("a", 3, 0, "urn:uuid:a", False),
        ("c", 3, 2, None, False),
    ]
    assert sink.rejected == [(3, "entry[1].resource", 1), (4, "(json)", None)]


def test_reader_reports_a_long_line_and_reads_on_after_it(tmp_path: Path):
    path = write_ndjson(
        tmp_path / "in.ndjson",
        [{"resourceType": "Patient", "id": "x" * 5000}, {"resourceType": "Patient", "id": "after"}],
    )
    sink = RecordingSink()
    read_chunk(plan_chunks([path], 1 << 20)[0], sink, max_line_bytes=1000)
    assert sink.rejected == [(1, "(line)", None)]
    assert sink.handled == [("after", 2, None, None, True)]
