"""``nhc visits plan --date ... --json`` through a real subprocess; a bad date exits 2 with one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def nhc(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "nhc.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_visits_plan_prints_routes_with_reasons_as_json() -> None:
    args = ["visits", "plan", "--date", "2026-03-02", "--json", "--visits", "20", "--clinicians", "3"]
    run = nhc(*args, "--seconds", "0.5", "--compare")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["date"] == "2026-03-02"
    assert doc["summary"]["visits"] == 20 and doc["baseline"]["method"] == "naive"
    assert [r["clinician"] for r in doc["routes"]] == ["C01", "C02", "C03"]
    planned = [s for r in doc["routes"] for s in r["stops"] if s["kind"] == "visit"]
    assert len(planned) + len(doc["unplanned"]) == 20
    assert all(s["reason"] for s in planned) and all(u["reason"] for u in doc["unplanned"])


def test_a_bad_date_is_one_line_and_exit_2() -> None:
    run = nhc("visits", "plan", "--date", "2026-13-40")
    assert run.returncode == 2
    assert run.stderr.strip().startswith("error: --date: not a date") and "Traceback" not in run.stderr


def test_hubs_publish_simulate_and_report(tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "200", "NHC_DATA": str(tmp_path)}
    env.pop("NHC_DATABASE_URL", None)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "nhc.cli", "hubs", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )

    published = run("publish", "--from", "2026-03-02", "--weeks", "1")
    assert published.returncode == 0, published.stderr
    assert published.stdout.startswith("24 hubs")
    simulated = run("simulate", "--from", "2026-03-02", "--weeks", "1")
    assert simulated.returncode == 0 and "booked" in simulated.stdout, simulated.stderr
    reported = run("report", "--from", "2026-03-02", "--weeks", "1", "--json")
    doc = json.loads(reported.stdout)
    assert set(doc["by_role"]) == {
        "gp",
        "practice-nurse",
        "physiotherapist",
        "clinical-pharmacist",
        "mental-health-practitioner",
    }
    assert 0 < doc["by_hub"]["hub-headington"]["utilisation"] <= 1
    assert doc["weekly"][0]["week"] == "2026-03-02"
    bad = run("report", "--from", "tomorrow")
    assert bad.returncode == 2 and bad.stderr.startswith("error: --from: not a date")


def test_an_urgent_visit_mid_day_is_planned_without_moving_started_stops() -> None:
    base = ["visits", "plan", "--date", "2026-03-02", "--json", "--visits", "30", "--clinicians", "4"]
    run = nhc(*base, "--seconds", "0.5", "--urgent-at", "11:15")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["replanned_at"] == "11:15" and doc["urgent"]["clinician"] is not None
    urgent = next(s for r in doc["routes"] for s in r["stops"] if s["visit"] == "URGENT")
    assert "11:15" <= urgent["start"] <= "13:15"
    started_before = [s for r in doc["routes"] for s in r["stops"] if s["start"] < "11:15"]
    assert 0 < len(started_before) <= doc["kept"]
    bad = nhc(*base, "--urgent-at", "25:00")
    assert bad.returncode == 2 and "--urgent-at: not a time" in bad.stderr
