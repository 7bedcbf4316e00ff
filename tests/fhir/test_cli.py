"""``nhc ingest fhir`` and ``nhc export fhir``: thin commands with tables or --json."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from nhc.cli import fhir as cli_fhir
from nhc.synth.county import SynthOptions, generate_to_lake


def make_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """nhc"""

    cli_fhir.register(app)
    return app


def test_export_then_ingest_with_json(tmp_path: Path):
    generate_to_lake(SynthOptions(patients=200, seed=2), tmp_path / "src" / "lake")
    runner = CliRunner()
    app = make_app()
    out = runner.invoke(
        app, ["export", "fhir", "--data", str(tmp_path / "src"), "--output", str(tmp_path / "x"), "--json"]
    )
    assert out.exit_code == 0, out.output
    exported = json.loads(out.output)
    assert exported["by_type"]["Patient"] > 0
    res = runner.invoke(
        app, ["ingest", "fhir", str(tmp_path / "x"), "--data", str(tmp_path / "dst"), "--json"]
    )
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    assert summary["by_type"]["Patient"]["accepted"] == exported["by_type"]["Patient"]
    assert "patients" in summary["tables_changed"]
    table = runner.invoke(app, ["ingest", "fhir", str(tmp_path / "x"), "--data", str(tmp_path / "dst")])
    assert table.exit_code == 0, table.output
    assert "accepted" in table.output and "lake unchanged" in table.output
