"""Benchmark: latency of the main pages and API calls under concurrent load, with the county loaded.

Builds (or reuses) a synthetic county with the analytics run on it, starts ``uvicorn`` serving the
app in a separate process on a free loopback port, signs in one session per simulated user, and
sends a bounded number of requests from ``--users`` concurrent users (httpx, asyncio). Prints p50 /
p95 latency per page and overall. The first request to each page (which fills the service-layer
cache) is reported separately as "first hit".

    .venv/bin/python benchmarks/web.py [--patients 726000] [--users 20] [--requests 2000] [--workers 2]

Reuses ``data/`` when it already holds a matching lake (``nhc synth`` with the same size and seed);
otherwise the county is built in ``build/bench-web/<patients>/``. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import httpx

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "benchmark-password-123"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(patients: int, seed: int) -> Path:
    from nhc.lake.store import Lake
    from nhc.synth.county import SynthOptions, generate_to_lake, lake_matches

    options = SynthOptions(patients=patients, seed=seed)
    data = REPO / "data"
    if not lake_matches(data / "lake", options):
        data = REPO / "build" / "bench-web" / str(patients)
        if not lake_matches(data / "lake", options):
            print(f"generating a county of {patients:,} people in {data} ...", flush=True)
            generate_to_lake(options, data / "lake", progress=False)
    lake = Lake(data / "lake")
    src = max(f.stat().st_mtime for f in lake.files("patients"))
    if not lake.exists("patient_insights") or lake.files("patient_insights")[0].stat().st_mtime < src:
        from nhc.analytics.pipeline import run
        from nhc.lake.engine import DuckDBEngine

        print("running the analytics pipeline ...", flush=True)
        run(DuckDBEngine.open(lake))
    return data


def make_users(db_url: str, neighbourhood: str) -> None:
    from nhc.db import Database
    from nhc.security import passwords
    from nhc.security.service import SecurityService

    passwords.configure(time_cost=1, memory_cost=1024, parallelism=1)  # sign-in is not what is measured
    db = Database(db_url)
    db.upgrade()
    sec = SecurityService(db)
    for role in ("clinician", "analyst"):
        if sec.get_user(f"bench-{role}") is None:
            sec.create_user(f"bench-{role}", role, role, password=PASSWORD, neighbourhoods=[neighbourhood])
    db.dispose()


def pages(data: Path) -> tuple[str, list[tuple[str, str]]]:
    from nhc.insights import InsightsService

    svc = InsightsService(data / "lake")
    home = svc._rows("SELECT neighbourhood, count(*) n FROM wl GROUP BY 1 ORDER BY n DESC LIMIT 1")[0][0]
    pid = svc.worklist(home)[0]["patient_id"]
    nb = quote(home, safe="")
    return home, [
        ("overview", "/"),
        ("overview by practice", "/?dimension=practice_code"),
        ("PNG 11 by IMD", "/pngs/11?dimension=imd_quintile"),
        ("neighbourhoods", "/neighbourhoods"),
        ("neighbourhood profile", f"/neighbourhoods/{nb}"),
        ("practice variation", "/variation?indicator=emergency_admissions"),
        ("worklist", f"/worklists/{nb}"),
        ("patient", f"/patients/{pid}"),
        ("API overview", "/api/overview"),
        ("API breakdown", "/api/breakdown/age_band?png=10"),
        ("API variation", "/api/variation/high_need"),
        ("API patient", f"/api/patients/{pid}"),
    ]


async def sign_in(client: httpx.AsyncClient, username: str) -> None:
    r = await client.get("/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)
    r = await client.post("/sign-in", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303, f"sign-in failed: {r.status_code}"


async def load(base: str, urls: list[tuple[str, str]], users: int, total: int) -> tuple[dict, dict, float]:
    clients = [httpx.AsyncClient(base_url=base, timeout=60) for _ in range(users)]
    for c in clients:
        await sign_in(c, "bench-clinician")
    first: dict[str, float] = {}
    for name, url in urls:  # first hit: fills the caches
        t = time.perf_counter()
        r = await clients[0].get(url)
        first[name] = (time.perf_counter() - t) * 1000
        assert r.status_code == 200, f"{url}: {r.status_code}"
    times: dict[str, list[float]] = {name: [] for name, _ in urls}
    counter = iter(range(total))

    async def user(c: httpx.AsyncClient, offset: int) -> None:
        for i in counter:
            name, url = urls[(i + offset) % len(urls)]
            t = time.perf_counter()
            r = await c.get(url)
            times[name].append((time.perf_counter() - t) * 1000)
            if r.status_code != 200:
                raise RuntimeError(f"{url}: HTTP {r.status_code}")

    t0 = time.perf_counter()
    await asyncio.gather(*(user(c, k) for k, c in enumerate(clients)))
    elapsed = time.perf_counter() - t0
    for c in clients:
        await c.aclose()
    return first, times, elapsed


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--patients", type=int, default=726_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--users", type=int, default=20, help="concurrent users")
    ap.add_argument("--requests", type=int, default=2000, help="requests in the measured phase")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    ap.add_argument(
        "--warmup",
        type=int,
        default=4000,
        help="requests sent and not timed before the measured phase, so every worker has loaded and "
        "audited the published tables (a cold start is what 'first hit' shows)",
    )
    ap.add_argument(
        "--fhir",
        action="store_true",
        help="then time FHIR reads ($everything, Patient) in a second phase, in a table of their own",
    )
    args = ap.parse_args()

    data = prepare(args.patients, args.seed)
    home, urls = pages(data)
    tmp = Path(tempfile.mkdtemp(prefix="nhc-bench-web-"))
    db_url = f"sqlite:///{tmp / 'nhc.sqlite3'}"
    make_users(db_url, home)
    port = _free_port()
    env = {**os.environ, "NHC_DATA": str(data), "NHC_DATABASE_URL": db_url, "NHC_SECRET_KEY": "bench"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "nhc.web.asgi:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                if httpx.get(f"{base}/sign-in", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        if args.warmup:
            asyncio.run(load(base, urls, args.users, args.warmup))
        first, times, elapsed = asyncio.run(load(base, urls, args.users, args.requests))
        if args.fhir:
            fhir_urls = fhir_reads(urls)
            fhir = asyncio.run(load(base, fhir_urls, args.users, args.requests // 4))
    finally:
        server.terminate()
        server.wait(timeout=30)

    title = f"{args.patients:,} patients, {args.users} concurrent users, {args.workers} uvicorn worker(s)"
    print_table(f"Web latency: {title}", urls, first, times, elapsed)
    if args.fhir:
        print_table(f"FHIR reads: {title}", fhir_urls, *fhir)


def fhir_reads(urls: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The FHIR reads of the patient the pages use (the old in-test check: $everything under 1 s)."""
    pid = next(url for name, url in urls if name == "patient").rsplit("/", 1)[1]
    return [
        ("FHIR Patient", f"/fhir/Patient/{pid}"),
        ("FHIR $everything", f"/fhir/Patient/{pid}/$everything"),
    ]


def print_table(title: str, urls: list[tuple[str, str]], first: dict, times: dict, elapsed: float) -> None:
    every = [t for ts in times.values() for t in ts]
    print(f"\n{title}, {len(every):,} requests, {os.cpu_count()} CPU(s)\n")
    print(f"| {'page':<24} | {'first hit ms':>12} | {'p50 ms':>7} | {'p95 ms':>7} | {'n':>5} |")
    print(f"|{'-' * 26}|{'-' * 14}|{'-' * 9}|{'-' * 9}|{'-' * 7}|")
    for name, _ in urls:
        ts = times[name]
        print(
            f"| {name:<24} | {first[name]:>12.0f} | {statistics.median(ts):>7.0f} | {pct(ts, 0.95):>7.0f} | "
            f"{len(ts):>5} |"
        )
    print(
        f"| {'all':<24} | {'':>12} | {statistics.median(every):>7.0f} | {pct(every, 0.95):>7.0f} | "
        f"{len(every):>5} |"
    )
    print(f"\nthroughput {len(every) / elapsed:,.0f} requests/s")


if __name__ == "__main__":
    main()
