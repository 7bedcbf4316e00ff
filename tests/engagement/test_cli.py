"""``nhc engagement import`` (all rows or none, a bad row named by file, line and field) and
``nhc engagement themes --json``, run in-process through the real entry point."""

from __future__ import annotations

import json

import pytest

from nhc.cli.root import main
from nhc.db import Database
from nhc.engagement.services import EngagementService

HEADER = "neighbourhood,channel,received,text,age_band,imd_quintile,tags\n"


def nhc(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


def _rows(tmp_path) -> list:
    db = Database(f"sqlite:///{tmp_path / 'data' / 'nhc.sqlite3'}")
    try:
        db.upgrade()  # a file refused before the database was opened leaves none
        return EngagementService(db).inbox()
    finally:
        db.dispose()


def test_import_keeps_every_row_scrubbed(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("NHC_DATABASE_URL", raising=False)
    notes = tmp_path / "notes.csv"
    notes.write_text(
        HEADER + "Witney,meeting_note,2026-02-01,Mr Jones said he waits weeks for an appointment,65-74,,ppg\n"
        'Banbury,survey,2026-02-02,"The app is hard, email me at a@b.com",,2,app;survey\n'
    )
    code, out, err = nhc(
        capsys, "engagement", "import", str(notes), "--by", "lead", "--data", str(tmp_path / "data")
    )
    assert code == 0, err
    assert "Imported 2 notes" in out
    texts = sorted(i.text.text for i in _rows(tmp_path))
    assert texts == [
        "Mr [name] said he waits weeks for an appointment",
        "The app is hard, email me at [email]",
    ]


@pytest.mark.parametrize(
    ("row", "where"),
    [
        ("Witney,meeting_note,yesterday,text,,,", "notes.csv:3: 'yesterday' is not a date [field received]"),
        (
            "Witney,letter,2026-02-01,text,,,",
            "notes.csv:3: channel: unknown channel 'letter' [field channel]",
        ),
        ("Atlantis,survey,2026-02-01,text,,,", "notes.csv:3: neighbourhood:"),
        ("Witney,survey,2026-02-01,text,,9,", "notes.csv:3: imd_quintile:"),
    ],
)
def test_a_bad_row_names_file_line_and_field_and_nothing_is_written(
    tmp_path, capsys, monkeypatch, row, where
) -> None:
    monkeypatch.delenv("NHC_DATABASE_URL", raising=False)
    notes = tmp_path / "notes.csv"
    notes.write_text(HEADER + "Witney,survey,2026-02-01,A good row,,,\n" + row + "\n")
    code, _, err = nhc(capsys, "engagement", "import", str(notes), "--data", str(tmp_path / "data"))
    assert code == 2 and where in err and "Traceback" not in err
    assert _rows(tmp_path) == []


def test_a_file_without_a_required_column_is_refused(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("NHC_DATABASE_URL", raising=False)
    notes = tmp_path / "notes.csv"
    notes.write_text("neighbourhood,channel,text\nWitney,survey,hi\n")
    code, _, err = nhc(capsys, "engagement", "import", str(notes), "--data", str(tmp_path / "data"))
    assert code == 2 and "notes.csv:1: missing column [field received]" in err


def test_themes_json_is_the_disclosure_controlled_summary(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("NHC_DATABASE_URL", raising=False)
    data = str(tmp_path / "data")
    assert nhc(capsys, "engagement", "demo", "--data", data)[0] == 0
    code, out, err = nhc(capsys, "engagement", "themes", "--json", "--data", data)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["total"] == 240 and doc["neighbourhood"] is None
    assert [t["theme"] for t in doc["themes"]] == [
        "access", "continuity", "navigation", "digital", "empathy", "integrated", "prevention", "triage",
    ]  # fmt: skip
    assert all(t["count"] is None or t["count"] % 5 == 0 for t in doc["themes"])
    assert len(doc["by_neighbourhood"]) == 24
