"""The web commands through a Typer app with ``nhc.cli.web.register`` (as nhc.cli.root wires it)."""

from __future__ import annotations

import re

import typer
from typer.testing import CliRunner

from nhc.cli import web as cli_web


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        pass

    cli_web.register(app)
    return app


def test_demo_users_users_and_db_commands(fixture_lake, tmp_path, monkeypatch) -> None:
    data = fixture_lake.root.parent
    monkeypatch.setenv("NHC_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    runner = CliRunner()
    app = _app()
    r = runner.invoke(app, ["demo-users", "--data", str(data)])
    assert r.exit_code == 0, r.output
    assert "http://127.0.0.1:8000/" in r.output
    for user in ("analyst", "clinician", "team", "admin"):
        assert re.search(rf"{user}\s.*\w{{5}}-\w{{5}}-\w{{5}}-\w{{5}}", r.output), r.output
    r = runner.invoke(
        app,
        [
            "users",
            "create",
            "nurse",
            "--role",
            "team_member",
            "--neighbourhood",
            "Witney",
            "--password",
            "a-long-enough-password",
            "--data",
            str(data),
        ],
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["users", "list", "--data", str(data)])
    assert "nurse" in r.output and "Witney" in r.output
    r = runner.invoke(app, ["db", "upgrade", "--data", str(data)])
    assert r.exit_code == 0 and "revision" in r.output
    r = runner.invoke(app, ["demo-users", "--data", str(data)])  # again: new passwords, no error
    assert r.exit_code == 0, r.output
