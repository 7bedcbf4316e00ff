"""The wheel ships the navigator's rules (decision tables, reasons, dispositions, bank holidays) and
the migration, so `pip install nhc` then `nhc navigate` works outside a checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RULES = (
    "red_flags",
    "triage",
    "out_of_hours",
    "reasons",
    "dispositions",
    "bank_holidays",
    "swemwbs_conversion",
)


def test_the_wheel_ships_the_rules_and_the_migration(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("nhc-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"nhc/navigation/rules/{name}.json" for name in RULES} <= names
    assert "nhc/navigation/rules/PROVENANCE.md" in names
    assert "nhc/db/migrations/versions/0005_navigation.py" in names
