"""The navigator and directory search under concurrent use, over HTTP: p50/p95 latency per call.

    python benchmarks/navigation.py [--users 20] [--requests 1000] [--think 1.0] [--workers 2]

Loads the synthetic Oxfordshire directory into a throwaway SQLite database, starts ``uvicorn`` serving
the app (``--workers`` processes) on a free loopback port, and sends ``POST /api/navigate`` (a rotation
of vignettes: red flags, Pharmacy First, out of hours, social prescribing; every answer logged to the
database) and ``GET /openreferral/services`` (ORUK filters, a page of 50) from ``--users`` concurrent
users (httpx, asyncio). Two phases:

* **users with think time**: each user waits a random time (exponential, mean ``--think`` seconds)
  between calls, as a navigator or a patient does between pages (the targets' case);
* **saturation**: no waiting, every user fires the next call the moment the last one answers (what the
  server can take; its latency is users / throughput, by Little's law).

The floor, measured in the same run and process, is one call of the work itself with nothing else
running: one decision-table evaluation, and one search with its JSON. Targets from issue 16: navigate
p95 < 50 ms and directory search p95 < 100 ms at 20 concurrent users with the full directory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

from nhc.db import Database
from nhc.navigation.oruk import service_json
from nhc.navigation.search import paginate, parse_filters, search_services
from nhc.navigation.services import NavigationService

REQUESTS = [
    {
        "age": 55,
        "sex": "male",
        "reason": "chest_pain",
        "red_flags": ["crushing_chest_pain"],
        "practice_code": "K84013",
    },
    {"age": 30, "sex": "female", "reason": "sore_throat", "postcode": "OX16 1AB"},
    {"age": 80, "sex": "female", "reason": "confusion", "when": "2026-03-07T22:00:00"},
    {"age": 70, "sex": "male", "reason": "loneliness", "practice_code": "K84013"},
    {"age": 30, "sex": "female", "reason": "head_injury", "when": "2026-03-02T23:30:00"},
]
SEARCHES = [
    {"search": "pharmacy"},
    {"day": "SA", "start_time": "10:00"},
    {"postcode": "OX4 1AA", "proximity": "3000"},
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def floors(service: NavigationService) -> dict[str, list[float]]:
    """One call of the work itself, 200 times, alone in this process (milliseconds)."""
    directory = service.directory()

    def timed(fn) -> float:
        t = time.perf_counter()
        fn()
        return (time.perf_counter() - t) * 1000

    def search() -> None:
        page = paginate(search_services(directory, parse_filters(SEARCHES[0])), 1, 50)
        json.dumps([service_json(s, directory.organizations[s.organization_id]) for s in page.contents])

    decide = {"reason": "cough", "age": 40, "sex": "male"}
    return {
        "floor: one decision table": [
            timed(lambda: service.rules.decide("triage", decide)) for _ in range(200)
        ],
        "floor: one search + JSON": [timed(search) for _ in range(200)],
    }


async def load(base: str, users: int, total: int, think: float) -> tuple[dict[str, list[float]], float]:
    times: dict[str, list[float]] = {"navigate": [], "directory search": []}
    counter = iter(range(total))

    async def user(c: httpx.AsyncClient, rng: random.Random) -> None:
        for i in counter:
            if think:
                await asyncio.sleep(rng.expovariate(1 / think))
            t = time.perf_counter()
            if i % 2:
                r = await c.post("/api/navigate", json=REQUESTS[i % len(REQUESTS)])
                name = "navigate"
            else:
                query = urlencode({**SEARCHES[i % len(SEARCHES)], "per_page": 50})
                r = await c.get(f"/openreferral/services?{query}")
                name = "directory search"
            times[name].append((time.perf_counter() - t) * 1000)
            if r.status_code != 200:
                raise RuntimeError(f"{name}: HTTP {r.status_code} {r.text[:200]}")

    clients = [httpx.AsyncClient(base_url=base, timeout=60) for _ in range(users)]
    t0 = time.perf_counter()
    await asyncio.gather(*(user(c, random.Random(k)) for k, c in enumerate(clients)))
    elapsed = time.perf_counter() - t0
    for c in clients:
        await c.aclose()
    return times, elapsed


def serve(tmp: Path, db_url: str, workers: int) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "NHC_DATA": str(tmp), "NHC_DATABASE_URL": db_url, "NHC_SECRET_KEY": "bench"}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "nhc.web.asgi:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    server = subprocess.Popen(
        [*command, "--workers", str(workers), "--log-level", "warning", "--no-access-log"], env=env
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while True:
        try:
            if httpx.get(f"{base}/api/navigate/reasons", timeout=2).status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        if time.time() > deadline or server.poll() is not None:
            server.terminate()
            raise SystemExit("the server did not start")
        time.sleep(0.2)


def table(title: str, times: dict[str, list[float]], elapsed: float | None) -> None:
    print(f"\n{title}\n")
    print(f"| {'call':<28} | {'p50 ms':>7} | {'p95 ms':>7} | {'n':>5} |")
    print(f"|{'-' * 30}|{'-' * 9}|{'-' * 9}|{'-' * 7}|")
    for name, ts in times.items():
        print(f"| {name:<28} | {statistics.median(ts):>7.1f} | {pct(ts, 0.95):>7.1f} | {len(ts):>5} |")
    if elapsed:
        print(f"\nthroughput {sum(map(len, times.values())) / elapsed:,.0f} requests/s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=20, help="concurrent users")
    ap.add_argument("--requests", type=int, default=1000, help="calls per phase (half navigate, half search)")
    ap.add_argument("--think", type=float, default=1.0, help="mean think time between a user's calls, s")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="nhc-bench-nav-"))
    db_url = f"sqlite:///{tmp / 'nhc.sqlite3'}"
    db = Database(db_url)
    db.upgrade()
    service = NavigationService(db)
    service.load_synthetic()
    services = len(service.directory().services)
    table(f"Floor: the work itself, one call at a time, {services} services", floors(service), None)
    db.dispose()
    server, base = serve(tmp, db_url, args.workers)
    try:
        asyncio.run(load(base, args.users, 200, 0))  # warm-up: every worker has loaded the directory
        paced = asyncio.run(load(base, args.users, args.requests, args.think))
        saturated = asyncio.run(load(base, args.users, args.requests, 0))
    finally:
        server.terminate()
        server.wait(timeout=30)
    where = f"{args.users} concurrent users, {args.workers} uvicorn workers, {os.cpu_count()} CPUs"
    table(f"Users with think time (mean {args.think:g} s): {where}", *paced)
    table(f"Saturation (no think time): {where}", *saturated)


if __name__ == "__main__":
    main()
