"""Benchmark: the synthetic county generator at several sizes, up to a system of millions.

Prints, per size: patients, places, seconds, CPU seconds (user + system, all threads: on a busy
shared machine this, not the wall clock, says what the generator costs), peak memory (RSS),
rows written per second and rows per table. Each size runs in a fresh process so peak memory is
that size's own.

    .venv/bin/python benchmarks/synth.py                       # 100k, 726k (the county) and 3.2M
    .venv/bin/python benchmarks/synth.py --patients 726000 3200000 --keep /work/bench/synth
    .venv/bin/python benchmarks/synth.py --patients 3200000 --places 8

A system larger than one place (the 999 NHS number test range holds about 909,000 people) is the
county repeated as several places (``nhc synth --places``); by default a size gets the fewest
places of at most 726,000 people each (3.2M: 5 places). The places are generated one at a time,
so peak memory follows the place size, not the system size.

Targets: the county in under 2 minutes on 2 cores (issue #2); 3.2 million people in under 6 GiB
(issue #22). With ``--keep DIR`` each size's lake stays at ``DIR/<patients>/lake`` (a data folder
for ``NHC_DATA=DIR/<patients>``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from nhc.synth.places import suggested_places

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from nhc.synth.county import SynthOptions, generate_to_lake
started = time.perf_counter()
options = SynthOptions(patients=int(sys.argv[1]), seed=1, places=int(sys.argv[2]))
result = generate_to_lake(options, Path(sys.argv[3]))
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu = usage.ru_utime + usage.ru_stime
print(json.dumps({"rows": result.rows, "seconds": seconds, "cpu": cpu, "peak_mib": usage.ru_maxrss / 1024}))
"""


def run(patients: int, places: int, lake: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(patients), str(places), str(lake)], capture_output=True, text=True
    )
    if proc.returncode:
        sys.exit(f"generator failed for {patients:,} patients:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, nargs="+", default=[100_000, 726_000, 3_200_000])
    parser.add_argument("--places", type=int, help="places for every size (default: as suggested per size)")
    parser.add_argument("--keep", type=Path, help="write the lakes under here (default: a temporary folder)")
    args = parser.parse_args()

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        for n in args.patients:
            places = args.places or suggested_places(n)
            results[n] = (places, run(n, places, base / str(n) / "lake"))
            print(f"{n:,} patients done", file=sys.stderr, flush=True)

    tables = list(next(iter(results.values()))[1]["rows"])
    header = ["patients", "places", "seconds", "CPU s", "peak RSS MiB", "rows/s", *tables]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for n, (places, r) in results.items():
        total = sum(r["rows"].values())
        cells = [f"{n:,}", str(places), f"{r['seconds']:.1f}", f"{r['cpu']:.1f}", f"{r['peak_mib']:,.0f}"]
        cells.append(f"{total / r['seconds']:,.0f}")
        cells += [f"{r['rows'][t]:,}" for t in tables]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
