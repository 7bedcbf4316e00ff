"""Benchmark the analytics pipeline against its floor, on DuckDB, Spark local and a Spark cluster.

Each run is a lake and an engine: DuckDB (``--lake``, or ``--patients`` generated via ``nhc.synth``
into ``<data>/bench-<n>``), Spark local mode (``--spark-lake``/``--spark-patients``) and a Spark
standalone cluster of one master and two workers started on this machine for the run and stopped
after it (``--cluster-lake``; see ``nhc.lake.spark_cluster``). Each run is a fresh process, so its
peak memory is its own: the driver's (Python and, on Spark, its JVM) and, for the cluster, the master's,
workers' and executors' beside it. DuckDB runs with its memory limit and spill folder
(``--duckdb-memory``, NHC_DUCKDB_MEMORY) and reports the best of ``--repeats`` runs; Spark one run.
Each run publishes its insight tables to the lake, as ``nhc run`` does (Spark's executors write
them: nothing person-level passes through the driver); ``--no-write`` times the analytics alone.
The Python process (the driver program) is measured apart from its JVM: in local mode that one JVM
is the driver and the executors at once, so only the Python figure, and the cluster's driver
(Python and its JVM, the executors being elsewhere), say what the driver holds. For the JVM it
prints the most its heap held after a garbage collection (:class:`JvmHeapAfterGc`), which is what
the driver retains; its resident memory only says how much heap the collector once grew to.

The floor: one DuckDB pass joining all clinical_events to all codelists and aggregating per patient
and cluster (best of 3). For context also an all-sources floor: that pass plus one aggregating pass
over each of medications and encounters, which the pipeline must read too. Prints patients, events,
seconds, peak RSS, rows/s, floors, ratios, and Spark's seconds as a multiple of DuckDB's on the lake.

    python benchmarks/pipeline.py --lake /work/bench/five/lake --lake big/lake \
        --spark-lake /work/bench/five/lake --cluster-lake /work/bench/five/lake
    python benchmarks/pipeline.py --patients 100000 726000 --spark-patients 100000
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil


class Sampler:
    """Calls :meth:`sample` every ``interval`` seconds in a thread while a block runs, and once
    more at its end."""

    interval = 0.25

    def sample(self) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sample()
            except Exception:  # what it reads went away (a gateway closing at a run's end): stop
                return

    def __enter__(self):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


class PeakRss(Sampler):
    """Peak resident memory during a block: of this process and its children (the Spark driver's
    JVM), and separately of the process trees rooted at ``others`` (a cluster's master and workers,
    whose children are the executors)."""

    def __init__(self, others: list[int] = ()) -> None:
        self.peak, self.others_peak, self.python_peak = 0, 0, 0
        self._others = [psutil.Process(pid) for pid in others]
        self._proc = psutil.Process()

    @staticmethod
    def _tree_rss(proc: psutil.Process) -> int:
        try:
            return proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
        except psutil.Error:
            return 0

    def sample(self) -> None:
        self.peak = max(self.peak, self._tree_rss(self._proc))
        self.python_peak = max(self.python_peak, self._proc.memory_info().rss)
        self.others_peak = max(self.others_peak, sum(self._tree_rss(p) for p in self._others))


class JvmHeapAfterGc(Sampler):
    """Peak of the Spark driver JVM's heap as its garbage collector last left it: after each
    collection, what the heap's pools still held (``GcInfo.getMemoryUsageAfterGc``, read through
    py4j every ``interval`` seconds). Unlike the JVM's resident memory, which keeps whatever heap
    the collector once grew to, this is what the driver retains, so it says whether the driver's
    memory grows with the population. In local mode the executors share this JVM (their shuffle
    and cached blocks count too); on a cluster it is the driver's alone."""

    def __init__(self, session) -> None:
        self.peak, self.collections = 0, 0
        jvm = session._jvm
        self._mf = jvm.java.lang.management.ManagementFactory
        heap = jvm.java.lang.management.MemoryType.HEAP
        self._heap_pools = {p.getName() for p in self._mf.getMemoryPoolMXBeans() if p.getType() == heap}

    def sample(self) -> None:
        """Read the collectors' last results once (the latest collection's figure counts)."""
        latest = None
        count = 0
        for bean in self._mf.getGarbageCollectorMXBeans():
            count += bean.getCollectionCount()
            info = bean.getLastGcInfo()
            if info is not None and (latest is None or info.getEndTime() > latest.getEndTime()):
                latest = info
        self.collections = count
        if latest is not None:
            after = latest.getMemoryUsageAfterGc()
            self.peak = max(
                self.peak, sum(after.get(p).getUsed() for p in after.keySet() if p in self._heap_pools)
            )


def ensure_lake(n: int, root: Path, seed: int) -> Path:
    lake_dir = root / f"bench-{n}" / "lake"
    if (lake_dir / "clinical_events").is_dir() and (lake_dir / "patients").is_dir():
        return lake_dir
    try:
        from nhc.synth.county import SynthOptions, generate_to_lake
    except ImportError as exc:
        sys.exit(f"benchmarks/pipeline.py needs the synthetic county generator (nhc.synth): {exc}")
    print(f"generating {n:,} patients into {lake_dir} ...", flush=True)
    t = time.perf_counter()
    generate_to_lake(SynthOptions(patients=n, seed=seed), lake_dir, progress=False)
    print(f"  generated in {time.perf_counter() - t:.1f} s", flush=True)
    return lake_dir


def floor_seconds(lake_dir: Path, codelists, threads: int | None, repeats: int = 3) -> float:
    """One DuckDB pass: all clinical_events joined to all codelists, aggregated per patient and
    cluster (first and last date, count). Best of ``repeats`` runs.

    The outer query reads every aggregate: with ``SELECT count(*)`` alone DuckDB drops the unused
    min/max/count and times only the join and the grouping.
    """
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {threads}")
    con.register("codelists", codelists.select(["code", "cluster"]))
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        con.execute(
            f"""
            SELECT count(*), min(first_date), max(last_date), sum(n) FROM (
              SELECT e.patient_id, c.cluster, min(e.date) AS first_date, max(e.date) AS last_date,
                     count(*) AS n
              FROM read_parquet('{lake_dir}/clinical_events/*.parquet') e
              JOIN codelists c ON e.snomed_code = c.code
              GROUP BY 1, 2)
            """
        ).fetchall()
        best = min(best, time.perf_counter() - t)
    return best


def all_sources_floor_seconds(
    lake_dir: Path, events_floor: float, threads: int | None, repeats: int = 3
) -> float:
    """Context for the floor: the events floor plus one aggregating pass over each of the other two
    large inputs the pipeline must read (medications by patient and medicine, encounters by patient
    and type). Best of ``repeats`` runs of each."""
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {threads}")
    passes = [
        f"""SELECT count(*), min(f), max(l), sum(n) FROM (
              SELECT patient_id, dmd_code, min(date) AS f, max(date) AS l, count(*) AS n
              FROM read_parquet('{lake_dir}/medications/*.parquet') GROUP BY 1, 2)""",
        f"""SELECT count(*), min(f), max(l), sum(n) FROM (
              SELECT patient_id, type, min(start_date) AS f, max(start_date) AS l, count(*) AS n
              FROM read_parquet('{lake_dir}/encounters/*.parquet') GROUP BY 1, 2)""",
    ]
    total = events_floor
    for sql in passes:
        best = float("inf")
        for _ in range(repeats):
            t = time.perf_counter()
            con.execute(sql).fetchall()
            best = min(best, time.perf_counter() - t)
        total += best
    return total


def count_rows(lake_dir: Path, table: str) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(f).metadata.num_rows for f in sorted((lake_dir / table).glob("*.parquet")))


def run_pipeline(kind: str, lake_dir: Path, as_of: dt.date, args, cluster_pids: list[int]):
    """One pipeline run on ``kind`` (duckdb, spark or cluster: the master in NHC_SPARK_MASTER)."""
    from nhc.analytics import pipeline
    from nhc.lake.engine import DuckDBEngine, SparkEngine
    from nhc.lake.store import Lake
    from nhc.settings import Settings

    lake = Lake(lake_dir)
    settings = Settings.from_env()
    if kind == "duckdb":
        engine = DuckDBEngine.open(
            lake, threads=args.threads, settings=Settings(duckdb_memory=args.duckdb_memory)
        )
    else:
        engine = SparkEngine.open(lake, settings)
    heap = None if kind == "duckdb" else JvmHeapAfterGc(engine.backend._session)
    with PeakRss(cluster_pids) as mem, heap or contextlib.nullcontext():
        t = time.perf_counter()
        result = pipeline.run(engine, as_of, write=args.write)
        seconds = time.perf_counter() - t
    mem.jvm_heap = heap.peak if heap else 0
    mem.jvm_collections = heap.collections if heap else 0
    return result, seconds, mem


def one_run(args) -> int:
    """The child process of one run: the pipeline ``--repeats`` times (Spark once); a JSON line."""
    kind, lake_dir = args.one[0], Path(args.one[1])
    pids = [int(p) for p in args.cluster_pids.split(",") if p]
    as_of = dt.date.fromisoformat(args.as_of)
    timed = [run_pipeline(kind, lake_dir, as_of, args, pids)]
    for _ in range(max(1, args.repeats) - 1 if kind == "duckdb" else 0):
        timed.append(run_pipeline(kind, lake_dir, as_of, args, pids))
    result, seconds, _ = min(timed, key=lambda r: r[1])
    out = {
        "seconds": seconds,
        "runs": [r[1] for r in timed],
        "peak": max(r[2].peak for r in timed),
        "python_peak": max(r[2].python_peak for r in timed),
        "cluster_peak": max(r[2].others_peak for r in timed),
        "jvm_heap": max(r[2].jvm_heap for r in timed),
        "jvm_collections": max(r[2].jvm_collections for r in timed),
        "population": result.summary["population"],
        "timings": result.summary["timings"],
        "bands": {b["band"]: b["percent"] for b in result.summary["bands"]},
    }
    print("RESULT " + json.dumps(out), flush=True)
    return 0


def spawn_run(kind: str, lake_dir: Path, args, env: dict[str, str], cluster_pids: list[int]) -> dict:
    """Run one (kind, lake) in a fresh process, so its peak memory is its own; its result."""
    cmd = [sys.executable, __file__, "--one", kind, str(lake_dir), "--as-of", args.as_of]
    cmd += [
        "--threads",
        str(args.threads),
        "--repeats",
        str(args.repeats),
        "--duckdb-memory",
        args.duckdb_memory,
        *([] if args.write else ["--no-write"]),
    ]
    cmd += ["--cluster-pids", ",".join(map(str, cluster_pids))]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode or not lines:
        print(f"  FAILED ({proc.returncode}):\n{proc.stderr[-3000:]}", flush=True)
        return {}
    return json.loads(lines[-1].removeprefix("RESULT "))


def run_all(runs: list[tuple[str, Path]], args) -> list[dict]:
    """Each run in its own process; the cluster started before the first cluster run, stopped after."""
    from nhc.lake.spark_cluster import SparkCluster
    from nhc.reference.codelists import load_codelists

    codelists = load_codelists()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in (str(SRC), os.environ.get("PYTHONPATH")) if p),
    }
    floors: dict[Path, tuple[float, float]] = {}
    rows, cluster = [], None
    try:
        for kind, lake_dir in runs:
            pids: list[int] = []
            run_env = {**env, "NHC_SPARK_MEMORY": args.spark_memory, "NHC_SPARK_CORES": "2"}
            if kind == "cluster":
                if cluster is None:
                    print("starting a Spark cluster (1 master, 2 workers) ...", flush=True)
                    t = time.perf_counter()
                    cluster = SparkCluster.start(workers=2, cores=1, memory=args.worker_memory)
                    print(f"  {cluster.master_url} up in {time.perf_counter() - t:.0f} s", flush=True)
                run_env["NHC_SPARK_MASTER"], pids = cluster.master_url, cluster.pids()
            patients = count_rows(lake_dir, "patients")
            events = count_rows(lake_dir, "clinical_events")
            print(f"{kind} {patients:,} ({lake_dir}): running the pipeline ...", flush=True)
            r = spawn_run(kind, lake_dir, args, run_env, pids)
            if not r:
                continue
            print(f"  runs: {', '.join(f'{s:.1f} s' for s in r['runs'])}", flush=True)
            if lake_dir not in floors:
                floor = floor_seconds(lake_dir, codelists, args.threads)
                floors[lake_dir] = (floor, all_sources_floor_seconds(lake_dir, floor, args.threads))
            floor, floor_all = floors[lake_dir]
            rows.append(
                {
                    "engine": kind,
                    "lake": lake_dir,
                    "patients": patients,
                    "events": events,
                    **r,
                    "floor_s": floor,
                    "floor_all_s": floor_all,
                }
            )
            print(f"  {r['seconds']:.1f} s (floor {floor:.2f} s) {r['timings']}", flush=True)
    finally:
        if cluster is not None:
            cluster.stop()
    return rows


def print_table(rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    duck = {r["lake"]: r["seconds"] for r in rows if r["engine"] == "duckdb"}
    table = Table(title="Analytics pipeline benchmark")
    cols = [
        "engine",
        "patients",
        "events",
        "seconds",
        "peak RSS MB",
        "Python MB",
        "JVM heap after GC MB",
        "cluster RSS MB",
        "events/s",
        "floor s",
        "ratio",
        "all-sources floor s",
        "ratio to it",
        "x DuckDB",
        "bands low/mod/high %",
    ]
    for col in cols:
        table.add_column(col, justify="left" if col == "engine" else "right")
    for r in rows:
        b, d = r["bands"], duck.get(r["lake"])
        table.add_row(
            r["engine"],
            f"{r['patients']:,}",
            f"{r['events']:,}",
            f"{r['seconds']:.1f}",
            f"{r['peak'] / 2**20:,.0f}",
            f"{r['python_peak'] / 2**20:,.0f}",
            f"{r['jvm_heap'] / 2**20:,.0f} ({r['jvm_collections']} GCs)" if r["engine"] != "duckdb" else "",
            f"{r['cluster_peak'] / 2**20:,.0f}" if r["engine"] == "cluster" else "",
            f"{r['events'] / r['seconds']:,.0f}",
            f"{r['floor_s']:.2f}",
            f"{r['seconds'] / r['floor_s']:.1f}x",
            f"{r['floor_all_s']:.2f}",
            f"{r['seconds'] / r['floor_all_s']:.1f}x",
            f"{r['seconds'] / d:.1f}x" if d and r["engine"] != "duckdb" else "",
            f"{b['low']}/{b['moderate']}/{b['high']}",
        )
    Console(width=250).print(table)
    print(
        "peak RSS: the run's process and its children (Spark: the driver's JVM), all repeats; "
        "Python: the run's process alone (the driver program); JVM heap after GC: the most the driver's JVM "
        "held after a garbage collection (local mode: driver and executors in one JVM; cluster: the driver "
        "alone); cluster RSS: master, workers and executors"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--lake", type=Path, action="append", default=[], help="a lake to run on DuckDB (repeatable)"
    )
    ap.add_argument(
        "--spark-lake", type=Path, action="append", default=[], help="a lake to run on Spark local"
    )
    ap.add_argument(
        "--cluster-lake", type=Path, action="append", default=[], help="a lake to run on a Spark cluster"
    )
    ap.add_argument("--patients", type=int, nargs="*", default=[], help="sizes to generate and run on DuckDB")
    ap.add_argument("--spark-patients", type=int, nargs="*", default=[], help="sizes to run on Spark local")
    ap.add_argument("--data", type=Path, default=Path("data"), help="folder for bench-<n> lakes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--as-of", default="2026-03-31")
    ap.add_argument(
        "--threads",
        type=int,
        default=int(os.environ.get("NHC_BENCH_THREADS", "2")),
        help="DuckDB threads (default 2: the 2-core target)",
    )
    ap.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="DuckDB pipeline runs per size, best reported, as the floor is the best of 3 (Spark: one run)",
    )
    ap.add_argument(
        "--duckdb-memory", default=os.environ.get("NHC_DUCKDB_MEMORY", "75%"), help="DuckDB's limit"
    )
    ap.add_argument(
        "--spark-memory", default="3g", help="Spark driver memory (and each executor's on the cluster)"
    )
    ap.add_argument("--worker-memory", default="3g", help="memory each cluster worker offers")
    ap.add_argument(
        "--no-write", dest="write", action="store_false", help="do not publish the insight tables"
    )
    ap.add_argument("--one", nargs=2, metavar=("KIND", "LAKE"), help=argparse.SUPPRESS)
    ap.add_argument("--cluster-pids", default="", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        return one_run(args)
    if not (args.lake or args.spark_lake or args.cluster_lake or args.patients or args.spark_patients):
        args.patients, args.spark_patients = [100_000, 726_000], [100_000]
    # A stopped benchmark still stops the cluster it started (the finally in run_all).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    runs = [("duckdb", ensure_lake(n, args.data, args.seed)) for n in args.patients]
    runs += [("duckdb", p) for p in args.lake]
    runs += [("spark", ensure_lake(n, args.data, args.seed)) for n in args.spark_patients]
    runs += [("spark", p) for p in args.spark_lake] + [("cluster", p) for p in args.cluster_lake]
    print_table(run_all(runs, args))
    return 0


SRC = Path(__file__).resolve().parents[1] / "src"

if __name__ == "__main__":
    raise SystemExit(main())
