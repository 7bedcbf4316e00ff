"""The navigator and directory search under concurrent use: p50/p95 latency per call.

    python benchmarks/navigation.py --users 20 --requests 50

Builds a NavigationService on a throwaway SQLite database holding the synthetic Oxfordshire
directory, then ``--users`` threads each send ``--requests`` navigation requests (a rotation of
vignettes: red flags, Pharmacy First, out of hours, social prescribing; every answer logged to the
database) and as many directory searches (ORUK filters and a page of 50). The floor, measured in the
same run, is one decision-table evaluation: what the engine itself costs. Targets from issue 16:
navigate p95 < 50 ms and search p95 < 100 ms at 20 concurrent users.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 2),
        "calls": len(ordered),
    }


def timed(fn, arg) -> float:
    start = time.perf_counter()
    fn(arg)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        db.upgrade()
        service = NavigationService(db)
        service.load_synthetic()
        directory = service.directory()

        def navigate(i: int) -> None:
            service.navigate(REQUESTS[i % len(REQUESTS)], asked_by="benchmark", channel="api")

        def search(i: int) -> None:
            found = search_services(directory, parse_filters(SEARCHES[i % len(SEARCHES)]))
            page = paginate(found, 1, 50)
            json.dumps([service_json(s, directory.organizations[s.organization_id]) for s in page.contents])

        floor = [timed(lambda _: service.rules.decide("triage", {"reason": "cough", "age": 40, "sex": "male"}), 0) for _ in range(200)]  # fmt: skip
        calls = range(args.users * args.requests)
        with ThreadPoolExecutor(args.users) as pool:
            nav = list(pool.map(lambda i: timed(navigate, i), calls))
            found = list(pool.map(lambda i: timed(search, i), calls))
        db.dispose()
    print(
        json.dumps(
            {
                "users": args.users,
                "floor_decision_table": percentiles(floor),
                "navigate": percentiles(nav),
                "directory_search": percentiles(found),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
