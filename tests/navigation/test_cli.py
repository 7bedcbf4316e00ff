"""The CLI contract: ``nhc navigate --json < request.json``, ``--reasons --json``, and exit 2 with one
line naming the field for a bad request. Run through a real subprocess (stdin, stdout, exit status)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUEST = {
    "age": 55,
    "sex": "male",
    "reason": "chest_pain",
    "red_flags": ["crushing_chest_pain"],
    "when": "2026-03-02T10:15:00",
    "practice_code": "K84013",
}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    environ = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NHC_DATA": str(data), "COLUMNS": "200"}
    environ.pop("NHC_DATABASE_URL", None)
    return environ


def nhc(env, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nhc.cli", *args],  # the `nhc` command itself
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_navigate_json_answers_the_contract(env):
    done = nhc(env, "navigate", "--json", stdin=json.dumps(REQUEST))
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["disposition"] == "emergency_999" and answer["timeframe_minutes"] == 0
    assert {"id", "name", "distance_km", "opens", "closes"} <= set(answer["services"][0])
    assert answer["explanation"] and answer["safety_net"] and answer["alternatives"]


def test_reasons_json_lists_reasons_and_their_red_flags(env):
    done = nhc(env, "navigate", "--reasons", "--json")
    assert done.returncode == 0, done.stderr
    reasons = {r["id"]: r for r in json.loads(done.stdout)["reasons"]}
    assert len(reasons) >= 32
    assert "crushing_chest_pain" in [f["id"] for f in reasons["chest_pain"]["red_flags"]]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reason": "toothache"}, "reason"),
        ({"age": 150}, "age"),
        ({"practice_code": "Z99999"}, "practice_code"),
    ],
    ids=["unknown reason", "impossible age", "unknown practice"],
)
def test_bad_request_exits_2_with_one_line_naming_the_field(env, change, field):
    done = nhc(env, "navigate", "--json", stdin=json.dumps({**REQUEST, **change}))
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {field}:") and "allowed:" in lines[0]
    assert "Traceback" not in done.stderr


def test_not_json_exits_2(env):
    done = nhc(env, "navigate", "--json", stdin="{oops")
    assert done.returncode == 2 and "not valid JSON" in done.stderr


def test_options_instead_of_json_print_plain_text(env):
    done = nhc(
        env,
        "navigate",
        "--age",
        "30",
        "--sex",
        "female",
        "--reason",
        "sore_throat",
        "--when",
        "2026-03-02T10:15",
    )
    assert done.returncode == 0, done.stderr
    assert "community_pharmacy" in done.stdout and "If it gets worse" in done.stdout


def test_directory_export_then_import(env, tmp_path):
    path = tmp_path / "dir.json"
    assert nhc(env, "directory", "export", str(path)).returncode == 0
    assert len(json.loads(path.read_text())["contents"]) >= 300
    done = nhc(env, "directory", "import", str(path))
    assert done.returncode == 0 and "services imported" in done.stdout


def test_directory_import_of_a_bad_file_exits_2_naming_the_record(env, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([{"id": "x1", "name": "No organisation", "status": "active"}]))
    done = nhc(env, "directory", "import", str(path))
    assert done.returncode == 2 and "record 0" in done.stderr and "organization" in done.stderr
