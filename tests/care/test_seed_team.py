"""``nhc care seed-team`` does what its help says (issue 20, item 7): with no --neighbourhood it gives
every neighbourhood of the county a demo team, and running it again changes nothing."""

from __future__ import annotations

import re

from rich.console import Console
from typer.testing import CliRunner

from nhc.care.directory import neighbourhoods
from nhc.cli import care as cli_care
from tests.care.test_cli import _app

#: The county's neighbourhoods (nhc.reference.geography): 24 of them, in 6 localities.
COUNTY_NEIGHBOURHOODS = 24


def test_help_says_every_neighbourhood(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    r = CliRunner().invoke(_app(), ["care", "seed-team", "--help"])
    assert r.exit_code == 0
    assert "every neighbourhood of the county" in " ".join(r.output.replace("│", " ").split())
    assert "Oxford City" not in r.output


def test_seed_team_covers_every_neighbourhood(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("NHC_DATABASE_URL", raising=False)
    monkeypatch.setattr(cli_care, "console", Console(width=250))
    app, runner = _app(), CliRunner()
    r = runner.invoke(app, ["care", "seed-team", "--data", str(tmp_path)])
    assert r.exit_code == 0, r.output
    added = re.findall(r"^(.+): 9 staff added\.$", r.output, re.M)
    assert len(added) == COUNTY_NEIGHBOURHOODS and set(added) == set(neighbourhoods())
    services = cli_care._services(tmp_path, with_lake=False)
    for nb in neighbourhoods():
        team = services.care.list_staff(nb)
        assert len(team) == 9 and sum(s.is_lead for s in team) == 1, nb
    r = runner.invoke(app, ["care", "seed-team", "--data", str(tmp_path)])
    assert r.output.count("already has staff") == COUNTY_NEIGHBOURHOODS
