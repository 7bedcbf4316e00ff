"""Mistakes at the command line: one line naming the problem and a hint, exit status 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nhc.cli import main


def _nhc(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


@pytest.mark.parametrize(
    ("args", "problem", "hint"),
    [
        (("explain",), "Missing argument 'NHS_NUMBER'", "(see `nhc explain --help`)"),
        (("synth", "--patients", "abc"), "Invalid value for '--patients'", "(see `nhc synth --help`)"),
        (("nosuch",), "No such command 'nosuch'", "(see `nhc --help`)"),
        (("care", "staff"), "Missing option '--neighbourhood'", "(see `nhc care staff --help`)"),
        (("run", "--as-of", "31/03/2026"), "--as-of must be a date like 2026-03-31", None),
    ],
)
def test_a_usage_error_is_one_line_with_a_hint(capsys, args, problem, hint) -> None:
    code, out, err = _nhc(capsys, *args)
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert problem in err
    if hint:
        assert err.rstrip().endswith(hint)


def test_an_nhc_error_prints_its_message_and_its_hint(capsys, tmp_path: Path) -> None:
    code, out, err = _nhc(capsys, "lake", "info", "--data", str(tmp_path))
    assert code == 2 and out == ""
    assert err == f"error: no lake tables in {tmp_path / 'lake'} (run `nhc synth` first)\n"


def test_bad_settings_in_the_environment_are_one_line_too(capsys, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NHC_ENGINE", "excel")
    code, _, err = _nhc(capsys, "lake", "info", "--data", str(tmp_path))
    assert code == 2
    assert err == "error: unknown analytics engine 'excel' (set NHC_ENGINE to one of: duckdb, spark)\n"


def test_the_console_script_prints_no_traceback() -> None:
    """What the ``nhc`` console script runs (``nhc.cli:main``), in a process of its own."""
    script = "import sys; from nhc.cli import main; sys.argv[0] = 'nhc'; main()"
    for args in (["explain"], ["synth", "--patients", "abc"], ["nosuch"]):
        proc = subprocess.run(
            [sys.executable, "-c", script, *args],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "COLUMNS": "60"},  # a narrow terminal still gets one line
        )
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and proc.stderr.startswith("error: ")
        assert proc.stdout == ""
