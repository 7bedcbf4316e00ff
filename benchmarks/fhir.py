"""FHIR bulk export and ingest: resources/s and peak memory, and memory as the input grows.

    python benchmarks/fhir.py --patients 100000

For each size (``--patients`` and, with ``--growth``, a quarter and a half of it: inputs of 1x, 2x
and 4x) a synthetic county is generated with ``generate_to_lake``, exported with ``export_fhir``
and ingested into an empty lake with ``ingest_fhir``. Each step runs in a fresh process; its peak
memory is the largest summed RSS of the process and its workers (sampled every 50 ms) and its CPU
time is that of the whole process tree. The FHIR R4 model check (``--strict``) is costed on a
sample of the exported resources.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

# This file is called fhir.py: keep its folder off the import path so ``import fhir.resources`` works.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

STEP = r"""
import json, sys, time
from pathlib import Path
step, lake, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
t = time.perf_counter()
if step == "synth":
    from nhc.synth.county import SynthOptions, generate_to_lake
    r = generate_to_lake(SynthOptions(patients=int(sys.argv[4]), seed=1), lake)
    res = {"rows": r.rows}
elif step == "export":
    from nhc.fhir.export import export_fhir
    r = export_fhir(lake, out)
    res = {"resources": r.resources, "bytes": sum(p.stat().st_size for p in out.glob("*.ndjson"))}
else:
    from nhc.fhir.ingest import ingest_fhir
    r = ingest_fhir(out, lake, quarantine_path=lake.parent / "quarantine.ndjson", workers=int(sys.argv[4]) or None)
    res = {"resources": r.resources, "quarantined": r.quarantined, "timings": r.timings, "memory": r.memory}
res["seconds"] = time.perf_counter() - t
print(json.dumps(res))
"""


def run_step(*args: str) -> dict:
    """Run one step in a fresh process; add its peak tree RSS (MB) and the CPU seconds of its tree."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen([sys.executable, "-c", STEP, *args], stdout=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            rss = 0
            for p in [ps, *ps.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    rss += p.memory_info().rss
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.05)
    out, _ = proc.communicate()
    if proc.returncode:
        raise SystemExit(f"step {args[0]} failed ({proc.returncode})")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the step and every process it waited for
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_mb"] = peak / 2**20
    result["cpu_s"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return result


def model_check_cost(folder: Path, n: int = 3000) -> tuple[float, float]:
    """(µs per resource for the hot-path reader, µs per resource for the fhir.resources R4 model)."""
    import datetime as dt

    import orjson

    from nhc.fhir import mapping as m
    from nhc.fhir.validate import validate_resource

    lines = []
    for f in sorted(folder.glob("*.ndjson")):
        with f.open("rb") as fh:
            for i, line in enumerate(fh):
                if i >= n // 6:
                    break
                lines.append(line)
    dates = m.DateParser(dt.date.today())
    t = time.process_time()
    for line in lines:
        res = orjson.loads(line)
        rt = res["resourceType"]
        if rt == "Patient":
            m.read_patient(res, dates)
        elif rt == "Encounter":
            m.read_encounter(res, dates)
        elif rt == "EpisodeOfCare":
            m.read_episode(res, dates)
        elif rt in m.MEDICATION_DATES:
            m.read_medication(res, rt, dates)
        elif rt in m.EVENT_DATES:
            m.read_event(res, rt, dates)
    hot = (time.process_time() - t) / len(lines) * 1e6
    validate_resource(orjson.loads(lines[0]))  # import the models outside the timing
    t = time.process_time()
    for line in lines:
        validate_resource(orjson.loads(line))
    model = (time.process_time() - t) / len(lines) * 1e6
    return hot, model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument(
        "--growth",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run a quarter and a half of --patients (inputs of 1x, 2x, 4x)",
    )
    ap.add_argument("--workers", type=int, default=0, help="ingest reader processes (0: default)")
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    args = ap.parse_args()
    sizes = [args.patients // 4, args.patients // 2, args.patients] if args.growth else [args.patients]
    work = Path(args.work or tempfile.mkdtemp(prefix="nhc-fhir-bench-"))
    rows = []
    load_start = os.getloadavg()[0]
    for i, n in enumerate(sizes):
        base = work / f"p{n}"
        src, out, dst = base / "src" / "lake", base / "export", base / "dst" / "lake"
        run_step("synth", str(src), str(out), str(n))
        exp = run_step("export", str(src), str(out))
        ing = run_step("ingest", str(dst), str(out), str(args.workers))
        rows.append((n, f"{2**i if args.growth else 1}x", exp, ing))
        print(f"... {n:,} patients done", file=sys.stderr)
    cores = os.cpu_count()
    load = os.getloadavg()[0]
    print(
        f"\nFHIR bulk export / ingest ({cores} CPUs; load average {load_start:.1f} at the start, {load:.1f} at the end)\n"
    )
    print(
        "res/CPU-s: resources per CPU-second of the whole process tree (readers, merge, writes): with N "
        "idle cores and perfect parallelism, the rate would be about N times this.\n"
    )
    head = (
        "patients",
        "input",
        "resources",
        "NDJSON MB",
        "export res/s",
        "export peak MB",
        "ingest res/s",
        "ingest res/CPU-s",
        "ingest peak MB (tree)",
        "reader peak MB (per worker)",
        "merge peak MB",
        "read s",
        "merge s",
    )
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for n, scale, exp, ing in rows:
        print(
            "| "
            + " | ".join(
                [
                    f"{n:,}",
                    scale,
                    f"{exp['resources']:,}",
                    f"{exp['bytes'] / 2**20:,.0f}",
                    f"{exp['resources'] / exp['seconds']:,.0f}",
                    f"{exp['peak_mb']:,.0f}",
                    f"{ing['resources'] / ing['seconds']:,.0f}",
                    f"{ing['resources'] / max(ing['cpu_s'], 1e-9):,.0f}",
                    f"{ing['peak_mb']:,.0f}",
                    f"{ing['memory']['reader_peak_mb']:,.0f}",
                    f"{ing['memory']['process_peak_mb']:,.0f}",
                    f"{ing['timings']['read']:.1f}",
                    f"{ing['timings']['merge']:.1f}",
                ]
            )
            + " |"
        )
    hot, model = model_check_cost(work / f"p{sizes[-1]}" / "export")
    print(
        f"\nPer resource (one core): hot-path checks and mapping {hot:.1f} µs; fhir.resources R4 model "
        f"check {model:.0f} µs ({model / hot:.0f}x) -> --strict ingest is model-bound."
    )
    print(f"scratch: {work}")


if __name__ == "__main__":
    main()
