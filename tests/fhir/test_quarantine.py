"""Bad input is quarantined with file, line, field and reason; the lake stays byte for byte the same."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nhc.fhir.ingest import ingest_fhir
from nhc.fhir.quarantine import read_quarantine
from nhc.lake import store

from .conftest import lake_fingerprint

GOOD_NHS = "9990000026"  # passes the modulus 11 check (9990000026: check digit 6)


def patient(pid: str = "p1", nhs: str = GOOD_NHS, **extra) -> dict:
    return {
        "resourceType": "Patient",
        "id": pid,
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}],
        "name": [{"family": "Test", "given": ["Ann"]}],
        "gender": "female",
        "birthDate": "1950-01-01",
        **extra,
    }


def condition(subject: str | None = "Patient/1", onset: str = "2020-05-01", code: str = "38341003") -> dict:
    res = {
        "resourceType": "Condition",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": code}]},
        "onsetDateTime": onset,
    }
    if subject is not None:
        res["subject"] = {"reference": subject}
    return res


def write_ndjson(path: Path, lines: list) -> Path:
    with path.open("w") as fh:
        for item in lines:
            fh.write((item if isinstance(item, str) else json.dumps(item)) + "\n")
    return path


@pytest.fixture
def lake(county: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "data" / "lake"
    shutil.copytree(county, dst)
    return dst


def test_is_valid_test_nhs_number():
    from nhc.synth.identity import is_valid_nhs_number

    assert is_valid_nhs_number(GOOD_NHS)
    assert not is_valid_nhs_number(GOOD_NHS[:-1] + "7")


def test_crafted_bad_inputs_are_quarantined_and_the_lake_is_unchanged(lake: Path, tmp_path: Path):
    src = tmp_path / "in"
    src.mkdir()
    write_ndjson(
        src / "bad.ndjson",
        [
            '{"resourceType": "Condition", "subject": ',  # 1 broken JSON
            condition(subject=None),  # 2 missing subject
            {"resourceType": "Spaceship", "id": "x"},  # 3 unknown type
            patient(nhs=GOOD_NHS[:-1] + "7"),  # 4 wrong check digit
            condition(onset="2025-02-30"),  # 5 impossible date
            condition(subject="Patient/99999999"),  # 6 patient nowhere
            condition(onset="2999-01-01"),  # 7 future date
            patient(gender="unknown"),  # 8 sex the lake cannot hold
            {"resourceType": "Immunization", "id": "imm"},  # 9 real FHIR type, not modelled, invalid
        ],
    )
    # 10: a 50 MB line, in its own file (never held in memory whole).
    with (src / "huge.ndjson").open("w") as fh:
        fh.write('{"resourceType": "Observation", "note": [{"text": "' + "x" * (50 * 1024 * 1024) + '"}]}\n')
    before = lake_fingerprint(lake)
    q = tmp_path / "q.ndjson"
    result = ingest_fhir(src, lake, quarantine_path=q, max_line_bytes=8 * 1024 * 1024)
    assert lake_fingerprint(lake) == before
    assert result.changed == []
    records = read_quarantine(q)
    by_line = {(Path(r["file"]).name, r["line"]): r for r in records}
    assert len(records) == 10 == result.quarantined
    expect = {
        ("bad.ndjson", 1): ("(json)", "not valid JSON"),
        ("bad.ndjson", 2): ("subject", "missing patient reference"),
        ("bad.ndjson", 3): ("resourceType", "unknown resourceType 'Spaceship'"),
        ("bad.ndjson", 4): ("identifier.value", "modulus 11"),
        ("bad.ndjson", 5): ("onsetDateTime", "impossible or malformed date '2025-02-30'"),
        ("bad.ndjson", 6): ("subject", "neither in this input nor in the lake"),
        ("bad.ndjson", 7): ("onsetDateTime", "in the future"),
        ("bad.ndjson", 8): ("gender", "female or male"),
        ("bad.ndjson", 9): ("patient", "R4 model"),  # stored whole when valid: this one lacks .patient
        ("huge.ndjson", 1): ("(line)", "longer than the 8,388,608-byte limit"),
    }
    for where, (fld, reason) in expect.items():
        assert by_line[where]["field"] == fld, where
        assert reason in by_line[where]["reason"], (where, by_line[where]["reason"])
    assert len(by_line[("huge.ndjson", 1)]["raw"]) <= 1024
    assert by_line[("bad.ndjson", 6)]["raw"].startswith('{"resourceType": "Condition"')
    assert result.counts["Condition"].quarantined == 4


def test_good_and_bad_together_loads_only_the_good(lake: Path, tmp_path: Path):
    src = write_ndjson(
        tmp_path / "mixed.ndjson",
        [
            patient(pid="new-1"),
            condition(subject="Patient/new-1"),
            condition(subject="Patient/new-1", onset="2025-02-30"),
        ],
    )
    result = ingest_fhir(src, lake, quarantine_path=tmp_path / "q.ndjson")
    assert result.patients_new == 1
    assert result.counts["Condition"].accepted == 1
    assert result.counts["Condition"].quarantined == 1
    assert set(result.changed) == {"patients", "clinical_events", "fhir_resources"}
    assert result.rows_after["clinical_events"] == result.rows_before["clinical_events"] + 1


def test_a_failing_run_leaves_the_lake_as_it_was(lake: Path, tmp_path: Path, monkeypatch):
    src = write_ndjson(tmp_path / "ok.ndjson", [patient(pid="new-2")])
    before = lake_fingerprint(lake)

    def boom(*args, **kwargs):
        raise OSError("disk full")

    # The merge writes through the lake store, which checks each table as it writes it.
    monkeypatch.setattr(store, "conform", boom)
    with pytest.raises(OSError):
        ingest_fhir(src, lake, quarantine_path=tmp_path / "q.ndjson")
    assert lake_fingerprint(lake) == before
    assert not [p for p in lake.parent.iterdir() if p.name.startswith(".")]


def test_a_failure_writing_the_second_changed_table_leaves_the_lake_as_it_was(
    lake: Path, tmp_path: Path, monkeypatch
):
    """The merge writes every changed table through the store as one unit: one failing undoes all."""
    src = write_ndjson(tmp_path / "ok.ndjson", [patient(pid="new-3"), condition(subject="Patient/new-3")])
    before = lake_fingerprint(lake)
    written = []
    real = store.write_batches

    def second_fails(batches, schema, path):
        written.append(schema.name)
        if len(written) == 2:
            raise OSError("disk full")
        return real(batches, schema, path)

    monkeypatch.setattr(store, "write_batches", second_fails)
    with pytest.raises(OSError, match="disk full"):
        ingest_fhir(src, lake, quarantine_path=tmp_path / "q.ndjson")
    assert written == ["patients", "clinical_events"]
    assert lake_fingerprint(lake) == before
    assert not [p for p in lake.parent.iterdir() if p.name.startswith(".")]

    monkeypatch.setattr(store, "write_batches", real)
    result = ingest_fhir(src, lake, quarantine_path=tmp_path / "q2.ndjson")
    assert set(result.changed) == {"patients", "clinical_events", "fhir_resources"}
    assert lake_fingerprint(lake) != before


def test_merge_statement_timings_are_printed_only_when_traced(tmp_path: Path, capsys):
    src = write_ndjson(tmp_path / "in.ndjson", [patient(pid="1"), condition(subject="Patient/1")])
    ingest_fhir(src, tmp_path / "a" / "lake", quarantine_path=tmp_path / "q.ndjson")
    assert capsys.readouterr().err == ""
    ingest_fhir(src, tmp_path / "b" / "lake", quarantine_path=tmp_path / "q.ndjson", trace=True)
    traced = capsys.readouterr().err.splitlines()
    assert any("CREATE TABLE assigned" in line for line in traced)
    assert all(line.split()[0].endswith("s") for line in traced)
