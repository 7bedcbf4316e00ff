"""``nhc --help`` lists every area's commands, and every command and group has its own help."""

from __future__ import annotations

import pytest

from nhc.cli import main

TOP_LEVEL = ("synth", "lake", "run", "explain", "ingest", "export", "serve", "demo-users", "users", "db")
COMMANDS = (
    ("synth",),
    ("lake",),
    ("lake", "info"),
    ("lake", "dictionary"),
    ("lake", "export-delta"),
    ("lake", "compact"),
    ("run",),
    ("explain",),
    ("ingest", "fhir"),
    ("export", "fhir"),
    ("serve",),
    ("demo-users",),
    ("users", "create"),
    ("users", "list"),
    ("users", "set-password"),
    ("users", "disable"),
    ("users", "enable"),
    ("db", "upgrade"),
    ("db", "current"),
    ("care", "seed-team"),
    ("care", "staff"),
    ("care", "admit-worklist"),
    ("care", "allocate"),
    ("demo",),
)


def _help(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as exit_:
        main([*args, "--help"])
    out = capsys.readouterr()
    assert exit_.value.code == 0, out.err
    return out.out


def test_the_top_level_help_lists_every_area(capsys) -> None:
    text = _help(capsys)
    for name in (*TOP_LEVEL, "care", "demo"):
        assert f" {name} " in text, name


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_each_command_explains_itself(capsys, command) -> None:
    text = _help(capsys, *command)
    assert f"Usage: nhc {' '.join(command)}" in " ".join(text.split())


@pytest.mark.parametrize(
    "option_of", [("synth",), ("run",), ("explain",), ("users", "list"), ("care", "staff")]
)
def test_commands_share_the_data_option(capsys, option_of) -> None:
    assert "--data" in _help(capsys, *option_of)


def test_explain_offers_reading_as_a_named_account(capsys) -> None:
    text = " ".join(_help(capsys, "explain").split())
    assert "--as" in text and "same access decision" in text
