"""The lake's tables exported as Delta Lake tables (``nhc lake export-delta``): read back by the
Delta reader as the lake holds them, a new version only when a table changed, earlier versions
still readable, and plain Parquet underneath."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from nhc.cli import main
from nhc.errors import NhcError
from nhc.lake.delta import export_delta
from nhc.lake.store import Lake


def _deaths(*rows: tuple[int, dt.date, str]) -> pa.Table:
    ids, dates, places = zip(*rows, strict=True)
    return pa.table({"patient_id": list(ids), "date_of_death": list(dates), "place_of_death": list(places)})


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    lake = Lake(tmp_path / "data" / "lake")
    lake.write("deaths", _deaths((1, dt.date(2025, 1, 2), "home"), (2, dt.date(2025, 3, 4), "hospital")))
    return lake


def test_a_delta_table_reads_back_as_the_lake_holds_it(lake: Lake, tmp_path: Path) -> None:
    export_delta(lake, tmp_path / "delta")

    back = DeltaTable(tmp_path / "delta" / "deaths").to_pyarrow_table().sort_by("patient_id")
    assert back.column("patient_id").to_pylist() == [1, 2]
    assert back.column("date_of_death").to_pylist() == [dt.date(2025, 1, 2), dt.date(2025, 3, 4)]
    assert back.column("place_of_death").to_pylist() == ["home", "hospital"]
    assert back.schema.equals(lake.read("deaths").schema)  # the data dictionary's types


def test_an_unchanged_table_gets_no_new_version(lake: Lake, tmp_path: Path) -> None:
    first = export_delta(lake, tmp_path / "delta")
    again = export_delta(lake, tmp_path / "delta")

    assert [(e.table, e.version, e.committed) for e in first] == [("deaths", 0, True)]
    assert [(e.table, e.version, e.committed) for e in again] == [("deaths", 0, False)]
    assert len(DeltaTable(tmp_path / "delta" / "deaths").history()) == 1


def test_a_changed_table_is_a_new_version_and_the_old_one_still_reads(lake: Lake, tmp_path: Path) -> None:
    export_delta(lake, tmp_path / "delta")
    lake.write("deaths", _deaths((3, dt.date(2025, 6, 7), "care_home")))
    (done,) = export_delta(lake, tmp_path / "delta")

    assert (done.version, done.committed, done.rows) == (1, True, 1)
    path = tmp_path / "delta" / "deaths"
    assert DeltaTable(path).to_pyarrow_table().column("patient_id").to_pylist() == [3]
    assert sorted(DeltaTable(path, version=0).to_pyarrow_table().column("patient_id").to_pylist()) == [1, 2]


def test_under_the_log_the_files_are_plain_parquet(lake: Lake, tmp_path: Path) -> None:
    export_delta(lake, tmp_path / "delta")
    files = DeltaTable(tmp_path / "delta" / "deaths").file_uris()
    assert files and all(f.endswith(".parquet") for f in files)
    assert sum(pq.read_table(f.removeprefix("file://")).num_rows for f in files) == 2


def test_an_unknown_or_missing_table_fails_before_anything_is_written(lake: Lake, tmp_path: Path) -> None:
    with pytest.raises(NhcError, match="unknown lake table 'nosuch'"):
        export_delta(lake, tmp_path / "delta", ["deaths", "nosuch"])
    with pytest.raises(NhcError, match="'patients' not found"):
        export_delta(lake, tmp_path / "delta", ["deaths", "patients"])
    assert not (tmp_path / "delta" / "deaths").exists()


def test_the_command_prints_each_table_as_json(lake: Lake, tmp_path: Path, capsys) -> None:
    data = lake.root.parent
    with pytest.raises(SystemExit) as exit_:
        main(["lake", "export-delta", "--to", str(tmp_path / "delta"), "--data", str(data), "--json"])
    assert exit_.value.code in (0, None)
    out = json.loads(capsys.readouterr().out)
    assert out["to"] == str(tmp_path / "delta")
    assert [(t["table"], t["rows"], t["version"], t["committed"]) for t in out["tables"]] == [
        ("deaths", 2, 0, True)
    ]


def test_a_file_in_the_way_is_one_line_naming_it(lake: Lake, tmp_path: Path, capsys) -> None:
    (tmp_path / "taken").write_text("not a folder")
    with pytest.raises(SystemExit) as exit_:
        main(["lake", "export-delta", "--to", str(tmp_path / "taken"), "--data", str(lake.root.parent)])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert err == f"error: cannot export to {tmp_path / 'taken'}: it is a file (give a folder with --to)\n"
