"""Outcome indicators: every indicator x every practice (and every other breakdown) x 60 months, and SPC
for every series, on a lake you point it at.

    python benchmarks/outcomes.py --data /path/to/data [--months 60] [--threads 2]

DuckDB, ``--threads`` threads (default 2). Two floors, measured in the same run: reading the inputs
(one scan of the columns the indicators read, counting rows) for the indicators, and touching every
published value once (the mean of each series) for SPC. Targets from issue 17: every indicator x 70
practices x 60 months in < 20 s, SPC for every series in < 2 s, on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import time
from pathlib import Path

from nhc.lake.engine import DuckDBEngine
from nhc.lake.store import Lake
from nhc.outcomes.report import build_report
from nhc.reference.codelists import load_codelists

AS_OF = dt.date(2026, 3, 31)
READ = {
    "patients": ("patient_id", "date_of_birth", "sex", "ethnicity", "small_area_code"),
    "practice_registrations": ("patient_id", "practice_code", "start_date", "end_date"),
    "clinical_events": ("patient_id", "date", "snomed_code", "value"),
    "medications": ("patient_id", "date", "dmd_code"),
    "encounters": ("patient_id", "type", "start_date"),
    "deaths": ("patient_id", "date_of_death", "place_of_death"),
}


def read_floor(engine: DuckDBEngine) -> tuple[float, float]:
    """Seconds (wall, CPU) to scan every column the indicators read once (counting non-null values)."""
    began, began_cpu = time.perf_counter(), time.process_time()
    for name, columns in READ.items():
        t = engine.table(name)
        engine.to_arrow(t.aggregate(**{c: t[c].count() for c in columns}))
    return time.perf_counter() - began, time.process_time() - began_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="data folder with a lake")
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--repeat", type=int, default=3, help="times the whole build is run (the machine's speed varies)"
    )
    args = parser.parse_args()
    engine = DuckDBEngine.open(Lake(args.data / "lake"), threads=args.threads)
    engine.backend.raw_sql("SET enable_progress_bar = false")
    codelists = engine.from_arrow(load_codelists().select(["code", "cluster"]), "nhc_codelists")
    read_floor(engine)  # warm-up: the file system's cache and DuckDB's metadata
    load_before = os.getloadavg()
    runs = [one_run(engine, codelists, args.months) for _ in range(max(args.repeat, 1))]
    print_runs(runs)
    print_steps(args, runs[-1])
    loads = " / ".join(f"{a:.2f} {b:.2f} {c:.2f}" for a, b, c in (load_before, os.getloadavg()))
    print(f"load average (1, 5, 15 min) before / after: {loads}; {os.cpu_count()} CPUs")
    print(json.dumps({"unavailable": runs[-1]["report"].unavailable}))


def one_run(engine: DuckDBEngine, codelists, months: int) -> dict:
    """The floor, then every indicator and SPC for every series, timed (wall and CPU)."""
    floor = read_floor(engine)
    cpu: dict[str, float] = {}
    last = [time.process_time(), ""]

    def step(message: str) -> None:
        now = time.process_time()
        if last[1]:
            cpu[str(last[1])] = now - float(last[0])
        last[:] = [now, message]

    began, began_cpu = time.perf_counter(), time.process_time()
    report = build_report(engine, codelists, AS_OF, months, progress=step, chart=False)
    step("")
    indicators_s, indicators_cpu = time.perf_counter() - began, time.process_time() - began_cpu
    values = [s.published_values() for s in report.series.values()]
    began = time.perf_counter()
    for v in values:
        sum(v) / len(v) if v else None
    spc_floor = time.perf_counter() - began
    began, began_cpu = time.perf_counter(), time.process_time()
    report.chart_all()
    spc_s, spc_cpu = time.perf_counter() - began, time.process_time() - began_cpu
    return {
        "floor": floor,
        "indicators": (indicators_s, indicators_cpu),
        "spc": (spc_s, spc_cpu),
        "spc_floor": spc_floor,
        "cpu": cpu,
        "report": report,
        "points": sum(map(len, values)),
    }


def print_runs(runs: list[dict]) -> None:
    """One line per run, then the median: the floor beside each says how fast the machine was."""
    print(f"{'run':<8}{'floor s':>10}{'indicators s':>14}{'CPU s':>10}{'x floor':>10}{'SPC s':>10}")
    for i, r in enumerate(runs, 1):
        ind, cpu = r["indicators"]
        print(
            f"{i:<8}{r['floor'][0]:>10.3f}{ind:>14.3f}{cpu:>10.3f}{ind / r['floor'][0]:>10.0f}{r['spc'][0]:>10.3f}"
        )
    med = statistics.median(r["indicators"][0] for r in runs)
    spc = statistics.median(r["spc"][0] for r in runs)
    print(f"{'median':<8}{'':>10}{med:>14.3f}{'':>10}{'':>10}{spc:>10.3f}   targets: < 20 s, < 2 s\n")


def print_steps(args: argparse.Namespace, run: dict) -> None:
    """The last run's steps, with their CPU seconds."""
    report, cpu = run["report"], run["cpu"]
    practices = len({g for (_, by, g) in report.series if by == "practice"})
    rows = [
        ("read the inputs (floor)", *run["floor"], None),
        *((f"  step: {k}", v, cpu.get(k, 0.0), None) for k, v in report.timings.items()),
        ("every indicator, every breakdown", *run["indicators"], 20),
        ("touch every value (SPC floor)", run["spc_floor"], run["spc_floor"], None),
        ("SPC for every series", *run["spc"], 2),
    ]
    print(
        f"lake {args.data}; {args.months} months; {practices} practices; {len(report.series)} series; "
        f"{run['points']} published points; {args.threads} threads; the last run's steps:"
    )
    print(f"{'step':<42}{'seconds':>10}{'CPU s':>10}{'target':>10}")
    for name, seconds, cpu_s, target in rows:
        print(f"{name:<42}{seconds:>10.3f}{cpu_s:>10.3f}{'' if target is None else f'< {target}':>10}")
    print("CPU s: this process's CPU time, all threads (on a busy machine the wall clock is not its own)")


if __name__ == "__main__":
    main()
