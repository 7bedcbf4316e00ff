"""Benchmark: the synthetic county generator at several sizes.

Prints, per size: patients, rows per table, seconds, CPU seconds (user + system, all threads: on a
busy shared machine this, not the wall clock, says what the generator costs), peak memory (RSS)
and rows written per second. Each size runs in a fresh process so peak memory is that size's own.

    .venv/bin/python benchmarks/synth.py                 # 100k and 726k (the county)
    .venv/bin/python benchmarks/synth.py --patients 20000 --keep data/bench

Target (issue #2): the whole county in under 2 minutes and under 6 GiB on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from nhc.synth.county import SynthOptions, generate_to_lake
started = time.perf_counter()
result = generate_to_lake(SynthOptions(patients=int(sys.argv[1]), seed=1), Path(sys.argv[2]))
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu = usage.ru_utime + usage.ru_stime
print(json.dumps({"rows": result.rows, "seconds": seconds, "cpu": cpu, "peak_mib": usage.ru_maxrss / 1024}))
"""


def run(patients: int, lake: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(patients), str(lake)], capture_output=True, text=True
    )
    if proc.returncode:
        sys.exit(f"generator failed for {patients:,} patients:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, nargs="+", default=[100_000, 726_000])
    parser.add_argument("--keep", type=Path, help="write the lakes here (default: a temporary folder)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        results = {n: run(n, base / f"lake-{n}") for n in args.patients}

    tables = list(next(iter(results.values()))["rows"])
    header = ["patients", "seconds", "CPU s", "peak MiB", "rows/s", *tables]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for n, r in results.items():
        total = sum(r["rows"].values())
        cells = [f"{n:,}", f"{r['seconds']:.1f}", f"{r['cpu']:.1f}", f"{r['peak_mib']:,.0f}"]
        cells.append(f"{total / r['seconds']:,.0f}")
        cells += [f"{r['rows'][t]:,}" for t in tables]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
