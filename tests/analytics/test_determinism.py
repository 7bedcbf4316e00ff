"""The synthetic county and the pipeline give the same tables in every process.

Python salts string hashing per process (``PYTHONHASHSEED``): anything that iterates a set or dict
of strings into the output, or depends on the order an engine returns rows, would show here as two
processes disagreeing. Two processes with different seeds build the county and run the pipeline;
every lake table they write must hold exactly the same rows (the same values, to the last bit).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from nhc.lake.store import Lake
from tests.analytics.engine_compare import differences

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import sys
from nhc.analytics.pipeline import run
from nhc.lake.engine import DuckDBEngine
from nhc.lake.store import Lake
from nhc.synth.county import SynthOptions, generate_to_lake

lake = sys.argv[1]
generate_to_lake(SynthOptions(patients=412, seed=5), lake)
run(DuckDBEngine.open(Lake(lake), threads=2))
"""


def _build(lake: Path, hash_seed: str) -> Lake:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(lake)], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return Lake(lake)


def test_two_processes_with_different_hash_seeds_write_the_same_lake(tmp_path):
    one = _build(tmp_path / "one" / "lake", "1")
    two = _build(tmp_path / "two" / "lake", "2")
    assert one.tables() == two.tables()
    assert {"patient_insights", "worklists", "analytics_run", "patients"} <= set(one.tables())
    problems = []
    for name in one.tables():
        problems += differences(name, one.read(name), two.read(name))  # exactly equal
    assert not problems, "\n".join(problems)
    assert one.read("patient_insights").num_rows > 300
