"""Neighbourhood health plans: seconds to build each neighbourhood's plan and write its PDF.

    python benchmarks/plans.py --data /path/to/data    # an analysed lake (read only)

Reads the lake in ``--data`` and never writes there: the operational database (for the priorities,
seeded with the starter set) is a throwaway SQLite file in a temporary folder. The warm-up, timed
apart, is what the first plan pays once per lake: the insight tables' load and disclosure audit,
the outcomes report (24 months, every indicator) and the planning model's example scenario. Then
each neighbourhood's plan is built and rendered to PDF (WeasyPrint), one after another in this
process, and the table prints seconds per plan (build and PDF apart), their median and maximum, and
the load average before and after (the machine is shared), and each plan's CPU seconds (the
process's own time, which other work on the machine does not inflate). Floor: the same PDF made from a plan of
one empty section, measured in the same run (WeasyPrint's fixed cost). Target from issue 21: every
PDF in < 5 s on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from nhc import bootstrap
from nhc.plans.plan import NeighbourhoodPlan, Scope, Section
from nhc.settings import Settings
from nhc.web.plans.render import pdf_bytes

TARGET_S = 5.0


def floor_seconds() -> float:
    """One PDF of a plan with a single section saying it is not ready."""
    plan = NeighbourhoodPlan(
        Scope("neighbourhood", "Floor"), None, dt.datetime.now(), (Section.waiting("feedback", "Nothing."),)
    )
    pdf_bytes(plan)  # the first PDF loads fonts
    began = time.perf_counter()
    pdf_bytes(plan)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="data folder with an analysed lake")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="nhc-plans-bench-") as tmp:
        settings = Settings(data_dir=args.data, database_url=f"sqlite:///{Path(tmp) / 'nhc.sqlite3'}")
        services = bootstrap.build(settings)
        svc = services.plans
        began = time.perf_counter()
        names = list(svc.neighbourhoods())
        svc.seed_starter(names)
        svc.build(svc.scope(names[0]))
        warm_s = time.perf_counter() - began
        floor_s = floor_seconds()
        rows = []
        for name in names:
            c0, t0 = time.process_time(), time.perf_counter()
            plan = svc.build(svc.scope(name))
            t1 = time.perf_counter()
            size = len(pdf_bytes(plan))
            t2, c2 = time.perf_counter(), time.process_time()
            rows.append(
                {
                    "neighbourhood": name,
                    "build_s": t1 - t0,
                    "pdf_s": t2 - t1,
                    "total_s": t2 - t0,
                    "cpu_s": c2 - c0,
                    "bytes": size,
                }
            )
        services.close()
    totals, cpu = [r["total_s"] for r in rows], [r["cpu_s"] for r in rows]
    result = {
        "data": str(args.data),
        "plans": len(rows),
        "warm_up_s": round(warm_s, 2),
        "floor_pdf_s": round(floor_s, 3),
        "median_s": round(statistics.median(totals), 3),
        "max_s": round(max(totals), 3),
        "median_cpu_s": round(statistics.median(cpu), 3),
        "max_cpu_s": round(max(cpu), 3),
        "target_s": TARGET_S,
        "all_under_target": max(totals) < TARGET_S,
        "load_before": [round(v, 2) for v in load_before],
        "load_after": [round(v, 2) for v in os.getloadavg()],
        "cores": os.cpu_count(),
    }
    if args.json:
        print(json.dumps({**result, "rows": rows}, indent=2))
        return
    print(f"{'neighbourhood':<28}{'build s':>9}{'PDF s':>9}{'total s':>9}{'CPU s':>8}{'KB':>6}")
    for r in rows:
        print(
            f"{r['neighbourhood']:<28}{r['build_s']:>9.3f}{r['pdf_s']:>9.3f}{r['total_s']:>9.3f}"
            f"{r['cpu_s']:>8.3f}{r['bytes'] / 1024:>6.0f}"
        )
    for key, value in result.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
