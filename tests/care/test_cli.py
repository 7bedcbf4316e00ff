"""``nhc care`` commands: seed a demo team, list it, propose and accept an allocation."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from nhc.cli import care as cli_care


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """test app"""

    cli_care.register(app)
    return app


def test_seed_team_staff_and_allocate(tmp_path, monkeypatch) -> None:
    from rich.console import Console

    monkeypatch.delenv("NHC_DATABASE_URL", raising=False)
    monkeypatch.setattr(cli_care, "console", Console(width=250))
    app, runner = _app(), CliRunner()
    r = runner.invoke(app, ["care", "seed-team", "-n", "Headington", "--data", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "Headington: 9 staff added." in r.output
    r = runner.invoke(app, ["care", "seed-team", "-n", "Headington", "--data", str(tmp_path)])
    assert "already has staff" in r.output
    r = runner.invoke(app, ["care", "staff", "-n", "Headington", "--data", str(tmp_path)])
    assert r.exit_code == 0 and "Care home support" in r.output and "(lead)" in r.output
    r = runner.invoke(app, ["care", "allocate", "-n", "Headington", "--accept", "--data", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "accepted" in r.output
