"""FHIR bulk export and ingest: resources/s and peak memory, and memory as the input grows; and
the FHIR API's search latency under concurrent clients.

    python benchmarks/fhir.py --patients 100000
    python benchmarks/fhir.py --search-only --patients 100000 --clients 20 --seconds 60

For each size (``--patients`` and, with ``--growth``, a quarter and a half of it: inputs of 1x, 2x
and 4x) a synthetic county is generated with ``generate_to_lake``, exported with ``export_fhir``
and ingested into an empty lake with ``ingest_fhir``. Each step runs in a fresh process; its peak
memory is the largest summed RSS of the process and its workers (sampled every 50 ms) and its CPU
time is that of the whole process tree. The FHIR R4 model check (``--strict``) is costed on a
sample of the exported resources.

The search benchmark (``--search``, on by default; ``--search-only`` skips the rest) serves the
largest county with the FHIR app (``nhc.web.fhir_app``, one uvicorn worker, the lake held in
DuckDB) and runs ``--clients`` concurrent clients for ``--seconds``, each sending a mix of searches
real clients make about one random person (by patient, code, date, ``_sort``, ``_lastUpdated``,
``_include`` and ``_revinclude``), and reports p50/p95/p99 latency against the 150 ms p95 target.
Measure it on a quiet machine: the load average is printed beside the result.

The Bulk Data benchmark (``--bulk``, or ``--bulk-only``) serves the same lake with the FHIR server's
Bulk Data routes to a backend allowed to export everyone (what a ``system/*.read`` token is granted
after the access decision; token checks are measured by the tests, not here), kicks off
``GET /fhir/$export`` with ``Prefer: respond-async``, polls its status URL as a client would and
reports resources/s from kick-off to manifest, the NDJSON written and the server's peak RSS.

    python benchmarks/fhir.py --bulk-only --lake /path/to/data/lake
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


BULK_APP = r"""
import sys
from pathlib import Path

import duckdb
import uvicorn
from fastapi import FastAPI

from nhc.fhir.server import FhirServer, LakeReader, Sources, User
from nhc.fhir.server.bulk import BulkExports
from nhc.web.fhir import get_current_user, get_server, router

lake, port, root = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
everyone = frozenset(
    r[0] for r in duckdb.sql(f"SELECT patient_id FROM '{lake}/patients/*.parquet'").fetchall()
)
server = FhirServer(Sources(LakeReader(lake)), bulk=BulkExports(root))
backend = User("bench-backend", ("system",), population=lambda group: everyone, owner="client:bench")
app = FastAPI()
app.include_router(router)
app.dependency_overrides[get_server] = lambda: server
app.dependency_overrides[get_current_user] = lambda: backend
uvicorn.run(app, port=port, log_level="warning")
"""


#: The searches each client sends, in turn, about one random person ({p}); ``{u}``: the lake's
#: generation read from the first answer, so ``_lastUpdated`` matches as a client would ask.
SEARCHES = (
    "Observation?patient={p}&_count=50",
    "Condition?patient={p}&code=http://snomed.info/sct|44054006,38341003",
    "Encounter?patient={p}&_sort=-date&_count=20",
    "MedicationRequest?patient={p}&date=ge2020-01-01",
    "Observation?patient={p}&_lastUpdated=ge{u}&_summary=count",
    "Patient?_id={p}&_revinclude=Encounter:patient",
    "Observation?patient={p}&_include=Observation:patient&_count=10",
    "EpisodeOfCare?patient={p}",
)


def _client_loop(
    base: str, people: list[int], until: float, stamp: str, seed: int
) -> tuple[list[float], int]:
    """One client: searches in turn until ``until``; (latencies in ms, number of errors)."""
    import random

    import httpx

    rng, out, errors, i = random.Random(seed), [], 0, seed
    with httpx.Client(base_url=base, timeout=30) as http:
        while time.perf_counter() < until:
            url = "/fhir/" + SEARCHES[i % len(SEARCHES)].format(p=rng.choice(people), u=stamp)
            t = time.perf_counter()
            r = http.get(url)
            out.append((time.perf_counter() - t) * 1000)
            errors += r.status_code != 200
            i += 1
    return out, errors


def search_benchmark(lake: Path, clients: int, seconds: float, port: int) -> None:
    """Serve ``lake`` over HTTP and measure search latency with ``clients`` concurrent clients."""
    import statistics
    from concurrent.futures import ThreadPoolExecutor

    import duckdb
    import httpx

    con = duckdb.connect()
    people = [r[0] for r in con.execute(f"SELECT patient_id FROM '{lake}/patients/*.parquet'").fetchall()]
    con.close()
    env = {**os.environ, "NHC_DATA": str(lake.parent)}
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "nhc.web.fhir_app:create_fhir_app"]
    server = subprocess.Popen(
        [*cmd, "--port", str(port), "--log-level", "warning"], env=env, stdout=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # the lake is loaded into DuckDB on the first request
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/fhir/metadata", timeout=5).status_code == 200:
                    break
            time.sleep(0.5)
        first = httpx.get(f"{base}/fhir/Patient", params={"_id": people[0]}, timeout=300).json()
        stamp = first["entry"][0]["resource"]["meta"]["lastUpdated"]
        _client_loop(base, people, time.perf_counter() + 3, stamp, 0)  # warm up
        load_start = os.getloadavg()[0]
        until = time.perf_counter() + seconds
        with ThreadPoolExecutor(clients) as pool:
            runs = list(pool.map(lambda k: _client_loop(base, people, until, stamp, k), range(clients)))
    finally:
        server.terminate()
        server.wait(30)
    times = sorted(t for ms, _ in runs for t in ms)
    errors = sum(e for _, e in runs)
    cut = statistics.quantiles(times, n=100)
    p95 = cut[94]
    print(
        f"\nFHIR search, {len(people):,} people, {clients} concurrent clients for {seconds:.0f} s "
        f"({os.cpu_count()} CPUs; load average {load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end)\n"
    )
    print("| searches | per s | errors | p50 ms | p95 ms | p99 ms | target p95 |")
    print("|---|---|---|---|---|---|---|")
    verdict = "met" if p95 < 150 else "NOT met"
    print(
        f"| {len(times):,} | {len(times) / seconds:,.0f} | {errors} | {cut[49]:.0f} | {p95:.0f} | {cut[98]:.0f} "
        f"| < 150 ms: {verdict} |"
    )


def _wait_for(base: str, proc: subprocess.Popen) -> None:
    import httpx

    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit("the FHIR app under test stopped")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/fhir/metadata", timeout=5).status_code == 200:
                return
        time.sleep(0.5)
    raise SystemExit("the FHIR app under test did not start")


def bulk_benchmark(lake: Path, port: int) -> None:
    """Serve ``lake`` and time a system-level ``$export`` from kick-off to manifest over HTTP."""
    import httpx

    folder = Path(tempfile.mkdtemp(prefix="nhc-bulk-bench-"))
    proc = subprocess.Popen(
        [sys.executable, "-c", BULK_APP, str(lake), str(port), str(folder)], stdout=subprocess.DEVNULL
    )
    ps, base, peak = psutil.Process(proc.pid), f"http://127.0.0.1:{port}", 0
    try:
        _wait_for(base, proc)
        load_start = os.getloadavg()[0]
        with httpx.Client(base_url=f"{base}/fhir", timeout=60) as http:
            t = time.perf_counter()
            kick = http.get("/$export", headers={"Prefer": "respond-async"})
            if kick.status_code != 202:
                raise SystemExit(f"kick-off answered {kick.status_code}: {kick.text[:300]}")
            status = kick.headers["content-location"]
            while True:
                peak = max(peak, ps.memory_info().rss)
                poll = http.get(status)
                if poll.status_code == 200:
                    break
                if poll.status_code != 202:
                    raise SystemExit(f"status answered {poll.status_code}: {poll.text[:300]}")
                time.sleep(0.2)  # a client honours Retry-After; polling faster only sharpens the timing
            seconds = time.perf_counter() - t
        manifest = poll.json()
    finally:
        proc.terminate()
        proc.wait(30)
    resources = sum(o["count"] for o in manifest["output"])
    size = sum(f.stat().st_size for f in folder.rglob("*.ndjson"))
    print(
        f"\nFHIR Bulk Data $export over HTTP, {lake} ({os.cpu_count()} CPUs; load average "
        f"{load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end)\n"
    )
    print("| files | resources | NDJSON MB | seconds | resources/s | server peak RSS MB |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {len(manifest['output'])} | {resources:,} | {size / 2**20:,.0f} | {seconds:.1f} "
        f"| {resources / seconds:,.0f} | {peak / 2**20:,.0f} |"
    )


def _bytes_under(folder: Path) -> int:
    """Bytes of every file below ``folder`` (what the ingest stored on disk)."""
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


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
    ap.add_argument(
        "--search", action=argparse.BooleanOptionalAction, default=True, help="run the search benchmark"
    )
    ap.add_argument(
        "--search-only", action="store_true", help="generate the county and run only the search benchmark"
    )
    ap.add_argument("--clients", type=int, default=20, help="concurrent search clients")
    ap.add_argument("--seconds", type=float, default=60.0, help="how long the search clients run")
    ap.add_argument("--port", type=int, default=8765, help="port for the FHIR app under test")
    ap.add_argument("--lake", type=Path, default=None, help="an existing lake for --search-only/--bulk-only")
    ap.add_argument(
        "--bulk", action=argparse.BooleanOptionalAction, default=True, help="run the $export benchmark"
    )
    ap.add_argument("--bulk-only", action="store_true", help="only the $export benchmark")
    args = ap.parse_args()
    if args.bulk_only or (args.search_only and args.lake):
        lake = args.lake
        if lake is None:
            raise SystemExit("--bulk-only needs --lake PATH (a lake folder, e.g. data/lake)")
        if args.search_only:
            search_benchmark(lake, args.clients, args.seconds, args.port)
        if args.bulk_only:
            bulk_benchmark(lake, args.port + 1)
        return
    if args.search_only:
        work = Path(args.work or tempfile.mkdtemp(prefix="nhc-fhir-bench-"))
        lake = work / f"p{args.patients}" / "src" / "lake"
        if not lake.exists():
            run_step("synth", str(lake), str(work / "unused"), str(args.patients))
        search_benchmark(lake, args.clients, args.seconds, args.port)
        return
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
        ing["stored"] = _bytes_under(dst), _bytes_under(dst / "fhir_resources")
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
        "lake B/resource",
        "whole resources B/resource",
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
                    f"{ing['stored'][0] / exp['resources']:.1f}",
                    f"{ing['stored'][1] / exp['resources']:.1f}",
                ]
            )
            + " |"
        )
    hot, model = model_check_cost(work / f"p{sizes[-1]}" / "export")
    print(
        f"\nPer resource (one core): hot-path checks and mapping {hot:.1f} µs; fhir.resources R4 model "
        f"check {model:.0f} µs ({model / hot:.0f}x) -> --strict ingest is model-bound."
    )
    if args.search:
        search_benchmark(work / f"p{sizes[-1]}" / "src" / "lake", args.clients, args.seconds, args.port)
    if args.bulk:
        bulk_benchmark(work / f"p{sizes[-1]}" / "src" / "lake", args.port + 1)
    print(f"scratch: {work}")


if __name__ == "__main__":
    main()
