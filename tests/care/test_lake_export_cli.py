"""``nhc care export-lake``: the team's records land in the lake's ``care_records`` table."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from nhc.bootstrap import build
from nhc.care.directory import StaticDirectory
from nhc.cli import care as cli_care
from nhc.cli.common import settings_for
from nhc.lake import changes
from nhc.lake.store import Lake
from tests.care.conftest import people


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """test app"""

    cli_care.register(app)
    return app


def test_export_lake_writes_the_teams_records_into_the_lake(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("NHC_DATABASE_URL", raising=False)
    services = build(settings_for(tmp_path), care_directory=StaticDirectory(people()))
    services.care.admit(None, 101, worklist="high_risk")
    services.care.admit(None, 102, worklist="care_home")
    services.close()
    r = CliRunner().invoke(_app(), ["care", "export-lake", "--data", str(tmp_path), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {
        "records": 2,
        "by_type": {"virtual_ward": 2, "care_plan": 0, "mdt_review": 0, "social_prescribing": 0},
        "people_changed": 2,
    }
    lake = Lake(settings_for(tmp_path).lake_dir)
    assert sorted(lake.read("care_records").column("patient_id").to_pylist()) == [101, 102]
    # recorded for the nightly refresh: the two people changed since the empty lake
    assert changes.changed_since(lake.root, changes.sources_version(tmp_path / "nowhere")) == {101, 102}


def test_exporting_again_with_nothing_new_changes_nobody(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("NHC_DATABASE_URL", raising=False)
    services = build(settings_for(tmp_path), care_directory=StaticDirectory(people()))
    services.care.admit(None, 101, worklist="high_risk")
    services.close()
    args = ["care", "export-lake", "--data", str(tmp_path)]
    assert CliRunner().invoke(_app(), args).exit_code == 0
    r = CliRunner().invoke(_app(), args)
    assert r.exit_code == 0, r.output
    assert "1 care records written to the lake" in r.output
    assert "0 people's records changed since the last export" in r.output


def test_export_lake_says_what_it_wrote_in_plain_words(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("NHC_DATABASE_URL", raising=False)
    r = CliRunner().invoke(_app(), ["care", "export-lake", "--data", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "0 care records written to the lake" in r.output
