"""Spark's driver as the population grows: seconds and peak memory of the pipeline on Spark local[2]
beside DuckDB on the same lakes.

Each run is a child process (a fresh JVM and a fresh DuckDB), running the whole pipeline without
writing back. For each it prints the seconds, the peak resident memory of the Python process and,
for Spark, of its JVM (the children of the Python process: in local mode the JVM is the driver and
its executors at once), and the ratio of Spark's seconds to DuckDB's on the same lake.

    python benchmarks/spark_driver.py build/bench-web/100000/lake /work/bench/five/lake
    python benchmarks/spark_driver.py --engines duckdb spark --lakes ...

The lakes must hold the source tables (``nhc synth --patients N`` makes one).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

AS_OF = dt.date(2026, 3, 31)


class PeakRss:
    """Peak resident memory of this process and, separately, of its children (the Spark JVM)."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval, self.python, self.children = interval, 0, 0
        self._stop = threading.Event()

    def _sample(self) -> None:
        proc = psutil.Process()
        while not self._stop.is_set():
            try:
                self.python = max(self.python, proc.memory_info().rss)
                kids = sum(c.memory_info().rss for c in proc.children(recursive=True))
                self.children = max(self.children, kids)
            except psutil.Error:
                pass
            time.sleep(self.interval)

    def __enter__(self) -> PeakRss:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def child(engine_name: str, lake_dir: str) -> dict:
    """Run the pipeline once in this process; what it took."""
    from nhc.analytics import pipeline
    from nhc.lake.engine import DuckDBEngine, SparkEngine
    from nhc.lake.store import Lake

    lake = Lake(Path(lake_dir))
    with PeakRss() as peak:
        started = time.perf_counter()
        engine = DuckDBEngine.open(lake) if engine_name == "duckdb" else SparkEngine.open(lake)
        opened = time.perf_counter()
        result = pipeline.run(engine, AS_OF, write=False)
        seconds = time.perf_counter() - opened
    return {
        "engine": engine_name,
        "lake": lake_dir,
        "population": result.summary["population"],
        "n_train": result.summary["risk_model"]["n_train"],
        "start_seconds": round(opened - started, 1),
        "seconds": round(seconds, 1),
        "python_gb": round(peak.python / 2**30, 2),
        "jvm_gb": round(peak.children / 2**30, 2),
        "timings": result.timings,
    }


def run_child(engine_name: str, lake_dir: str) -> dict:
    cmd = [sys.executable, __file__, "--child", engine_name, lake_dir]
    out = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy(), check=False)
    for line in reversed(out.stdout.splitlines()):
        if line.startswith("{"):
            row = json.loads(line)
            # Spark's warnings of local data shipped inside tasks, and of Arrow falling back
            row["large_task_warnings"] = out.stderr.count("very large size")
            row["arrow_fallbacks"] = out.stderr.count("Cannot convert pyarrow")
            return row
    sys.stderr.write(out.stderr[-4000:])
    raise SystemExit(f"{engine_name} on {lake_dir} failed (exit {out.returncode})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("lakes", nargs="*", help="lake folders, smallest first")
    parser.add_argument("--engines", nargs="+", default=["duckdb", "spark"], choices=["duckdb", "spark"])
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "LAKE"), help=argparse.SUPPRESS)
    parser.add_argument("--timings", action="store_true", help="print each run's step timings too")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(*args.child)), flush=True)
        return 0
    rows = []
    for lake in args.lakes:
        for engine_name in args.engines:
            row = run_child(engine_name, lake)
            rows.append(row)
            print(json.dumps({k: v for k, v in row.items() if k != "timings"}), flush=True)
            if args.timings:
                print(json.dumps(row["timings"]), flush=True)
    duck = {r["lake"]: r["seconds"] for r in rows if r["engine"] == "duckdb"}
    print()
    print("| engine | people | seconds | x DuckDB | Python peak GB | JVM peak GB | trained on | warnings |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        ratio = f"{r['seconds'] / duck[r['lake']]:.1f}" if r["lake"] in duck and duck[r["lake"]] else "-"
        print(
            f"| {r['engine']} | {r['population']:,} | {r['seconds']} | {ratio} | {r['python_gb']} | "
            f"{r['jvm_gb'] if r['engine'] == 'spark' else '-'} | {r['n_train']:,} | "
            f"{r['large_task_warnings']} large tasks, {r['arrow_fallbacks']} Arrow fallbacks |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
