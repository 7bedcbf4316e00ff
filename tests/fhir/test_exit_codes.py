"""Quarantine records keep raw, id and pointer at every stage; a summary by reason; exit status 3 rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nhc.cli.root import main
from nhc.fhir.ingest import ingest_fhir
from nhc.fhir.quarantine import read_quarantine


def patient(pid: str) -> dict:
    return {"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1955-05-05"}


def condition(cid: str, subject: str) -> dict:
    return {
        "resourceType": "Condition",
        "id": cid,
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "38341003"}]},
        "subject": {"reference": subject},
        "onsetDateTime": "2022-02-02",
    }


def ndjson(path: Path, *resources: dict) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in resources))
    return path


def run(*args: str, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(["ingest", "fhir", *args])
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def test_an_unresolved_bundle_entry_is_quarantined_with_raw_id_and_pointer(tmp_path: Path):
    src = tmp_path / "b.json"
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:a", "resource": patient("a")},
            {"resource": condition("c-7", "urn:uuid:nobody")},
        ],
    }
    src.write_text(json.dumps(bundle))
    ingest_fhir(src, tmp_path / "data" / "lake", quarantine_path=tmp_path / "q.ndjson")
    [record] = read_quarantine(tmp_path / "q.ndjson")
    assert record["id"] == "c-7"
    assert record["pointer"] == "/entry/1/resource"
    assert (record["file"], record["line"], record["entry"]) == (str(src), 1, 1)
    assert json.loads(record["raw"]) == bundle["entry"][1]["resource"]
    assert "neither in this input nor in the lake" in record["reason"]


def test_an_unresolved_ndjson_line_keeps_its_id_and_text(tmp_path: Path):
    src = ndjson(tmp_path / "c.ndjson", patient("a"), condition("c-1", "Patient/zzz"))
    ingest_fhir(src, tmp_path / "data" / "lake", quarantine_path=tmp_path / "q.ndjson")
    [record] = read_quarantine(tmp_path / "q.ndjson")
    assert (record["id"], record["line"], record["pointer"]) == ("c-1", 2, "")
    assert json.loads(record["raw"]) == condition("c-1", "Patient/zzz")


def test_the_quarantine_is_summarised_by_reason(tmp_path: Path):
    src = ndjson(
        tmp_path / "c.ndjson",
        patient("a"),
        condition("c-1", "Patient/x1"),
        condition("c-2", "Patient/x2"),
        {"resourceType": "Spaceship"},
    )
    result = ingest_fhir(src, tmp_path / "data" / "lake", quarantine_path=tmp_path / "q.ndjson")
    assert result.quarantine_summary == [
        {
            "count": 2,
            "severity": "error",
            "resourceType": "Condition",
            "field": "subject",
            "reason": "patient '…' is neither in this input nor in the lake",
        },
        {
            "count": 1,
            "severity": "error",
            "resourceType": "Spaceship",
            "field": "resourceType",
            "reason": "unknown resourceType '…'",
        },
    ]


def test_exit_3_when_nothing_is_accepted(tmp_path: Path, capsys):
    src = ndjson(tmp_path / "c.ndjson", condition("c-1", "Patient/x1"), condition("c-2", "Patient/x2"))
    code, _out, err = run(str(src), "--data", str(tmp_path / "data"), "--json", capsys=capsys)
    assert code == 3
    assert "nothing was accepted" in err
    assert "0 accepted, 2 rejected" in err


def test_exit_3_when_rejections_exceed_max_reject(tmp_path: Path, capsys):
    src = ndjson(
        tmp_path / "c.ndjson", patient("a"), condition("c-1", "Patient/a"), condition("c-2", "Patient/x")
    )
    code, out, err = run(str(src), "--data", str(tmp_path / "data"), capsys=capsys)
    assert code == 3
    assert "2 accepted, 1 rejected" in err and "--max-reject 5%" in err
    assert "Quarantined, by reason" in out
    # The same input under a looser limit succeeds (and the lake already has what was accepted).
    code, _out, err = run(str(src), "--data", str(tmp_path / "data"), "--max-reject", "40", capsys=capsys)
    assert code == 0, err


def test_exit_0_when_everything_is_accepted(tmp_path: Path, capsys):
    src = ndjson(tmp_path / "c.ndjson", patient("a"), condition("c-1", "Patient/a"))
    code, out, err = run(str(src), "--data", str(tmp_path / "data"), "--json", capsys=capsys)
    assert code == 0, err
    summary = json.loads(out)
    assert (summary["accepted"], summary["quarantined"], summary["rejection_rate"]) == (2, 0, 0)
