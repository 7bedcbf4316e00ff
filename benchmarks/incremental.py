"""Benchmark the nightly refresh against a full run (issue 22, item 5).

On a working copy of ``--lake`` (hard links: the lake given is never changed): a full refresh
(the whole pipeline, the insight tables published, the refresh state kept), then ``--days`` days of
new data, each for ``--fraction`` of the people (about 0.2 %: a new coded event, and for one in
three an emergency admission, dated the day before as-of), written as an ingest writes them
(:func:`nhc.lake.store.update_lake`, recorded in the change log), and ``--team`` people's records
of the neighbourhood teams exported (``nhc care export-lake``: a social prescribing referral each),
each day followed by an incremental refresh. The large insight tables are published as their base and the rows of the people
recomputed since (:mod:`nhc.lake.merge_on_read`), and written whole again once those pass
:data:`~nhc.analytics.pipeline.incremental.WHOLE_AGAIN_SHARE` of everyone: one more night, marked
``*``, is such a night; before the night marked ``c`` a compaction (``nhc lake compact``) writes
them whole outside the refresh, and its seconds are printed on a line of their own. Prints the seconds of each and the ratio to the full run (target < 10 %);
with ``--check`` (default) the tables of the last night with a delta, of the compaction, of the
night after it and of the night written whole are compared with a full run given the same risk model.

It also prints the floor of a night that writes the large tables whole, measured on the same lake:
reading the changed people's rows from the batches' after-images
(:func:`nhc.lake.changes.rows_since`) and writing the two large tables (two at a time, as
:func:`nhc.lake.publish.publish` writes them); and, beside it, what reading their rows costs from
the source tables as they are laid out (one scan of each), which a refresh pays when a writer
recorded no after-image.

    python benchmarks/incremental.py --lake /work/bench/incr-726k/lake
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pyarrow as pa

from nhc.analytics.pipeline import OUTPUT_TABLES, incremental, run
from nhc.analytics.pipeline.compaction import compact
from nhc.analytics.pipeline.incremental import refresh
from nhc.analytics.pipeline.refresh_state import load_state
from nhc.lake import changes
from nhc.lake.engine import DuckDBEngine
from nhc.lake.store import Lake

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.analytics.engine_compare import differences
from tests.analytics.incremental_day import a_day, team_day


def working_copy(lake: Path, work: Path) -> Lake:
    """``lake``'s source tables hard-linked into ``work`` (files are never changed in place)."""
    target = work / "lake"
    target.mkdir(parents=True)
    for name in changes.SOURCE_TABLES:
        if not (lake / name).is_dir():  # the team's records: none until a team exports them
            continue
        shutil.copytree(lake / name, target / name, copy_function=os.link)
    return Lake(target)


def timed(fn, *args, **kwargs):
    """``fn``'s result, and its (wall, CPU) seconds: CPU of every thread of this process, which
    a machine busy with other work changes less than the wall-clock time."""
    t, c = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return out, (time.perf_counter() - t, time.process_time() - c)


def after_image_seconds(lake: Lake, version: str) -> float:
    """Seconds to read the rows changed since ``version`` from the batches' after-images (best of
    three): before the refresh, which prunes the batches it has read."""
    seconds = []
    for _ in range(3):
        t = time.perf_counter()
        assert changes.rows_since(lake.root, version) is not None
        seconds.append(time.perf_counter() - t)
    return min(seconds)


def design_floor(lake: Lake, ids: list[int]) -> tuple[float, float]:
    """Seconds to (write the two large published tables again, read the rows of ``ids`` from every
    source table): best of three each."""
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute("CREATE TEMP TABLE ids AS SELECT unnest(?::BIGINT[]) AS patient_id", [ids])
    scans = []
    for name in changes.SOURCE_TABLES:
        files = [str(f) for f in lake.files(name)]
        if files and "patient_id" in duckdb.read_parquet(files[0]).columns:
            scans.append(f"SELECT * FROM read_parquet({files!r}) SEMI JOIN ids USING (patient_id)")
    big = {name: lake.read(name) for name in ("patient_insights", "patient_evidence")}
    writes, scanned = [], []
    for _ in range(3):
        t = time.perf_counter()
        for sql in scans:
            con.execute(f"CREATE OR REPLACE TEMP TABLE kept AS {sql}")
        scanned.append(time.perf_counter() - t)
        with tempfile.TemporaryDirectory() as out:
            t = time.perf_counter()
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(lambda item: Lake(out).write(*item), big.items()))
            writes.append(time.perf_counter() - t)
    return min(writes), min(scanned)


def compaction_row(lake: Lake, plain_s: float, *, compare: bool) -> list[str]:
    """Compact the large tables (as ``nhc lake compact`` does), print its row; what differs then
    between the lake's tables and a full run (with ``compare``)."""
    done, (seconds, cpu) = timed(compact, lake)
    assert done.done, done.reason
    what = f"compaction: {done.replaced_people:,} people folded in"
    print(f"{what:>41} {seconds:>10.2f} {cpu:>7.2f} {100 * seconds / plain_s:>11.1f}%  (outside the refresh)")
    return check(lake, {name: lake.read(name) for name in OUTPUT_TABLES}) if compare else []


def check(lake: Lake, tables: dict[str, pa.Table]) -> list[str]:
    """What differs between ``tables`` and a full run given the same model (empty: nothing)."""
    state = load_state(lake.root)
    full = run(DuckDBEngine.open(lake), state.as_of, model=state.model, write=False)
    problems = []
    for name, table in full.tables.items():
        problems += differences(name, table, tables[name])
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lake", type=Path, default=Path("/work/bench/incr-726k/lake"))
    ap.add_argument("--work", type=Path, default=None, help="folder for the working copy (default: a temp)")
    ap.add_argument("--days", type=int, default=3)
    ap.add_argument("--fraction", type=float, default=0.002, help="people changed per day")
    ap.add_argument("--team", type=int, default=150, help="people referred by the teams per day")
    ap.add_argument("--as-of", default="2026-03-31")
    ap.add_argument("--no-check", dest="check", action="store_false")
    args = ap.parse_args(argv)
    as_of = dt.date.fromisoformat(args.as_of)
    work = Path(tempfile.mkdtemp(prefix="nhc-incr-", dir=args.work))
    try:
        lake = working_copy(args.lake, work)
        # the best of three full runs: the first in a process is often a second or more slower,
        # and a slow full run would flatter the refresh's share of it
        plain_s, plain_c = min(timed(run, DuckDBEngine.open(lake), as_of)[1] for _ in range(3))
        full, (full_s, full_c) = timed(refresh, DuckDBEngine.open(lake), as_of, full=True)
        people = full.result.summary["population"]
        print(f"population {people:,}")
        print(f"full run (nhc run, best of 3): {plain_s:.2f} s ({plain_c:.2f} s CPU)")
        print(
            f"full refresh (nhc run --incremental --full): {full_s:.2f} s ({full_c:.2f} s CPU), "
            f"preparing the SQL of: {', '.join(full.compiled) or 'nothing'}"
        )
        head = f"{'day':>4} {'people changed':>15} {'ingest s':>9} {'export s':>9} {'refresh s':>10} {'CPU s':>7}"
        print(f"{head} {'of full run':>12} {'CPU of full':>12}")
        problems = []
        share = incremental.WHOLE_AGAIN_SHARE
        nights = [(day, str(day)) for day in range(1, args.days + 1)]
        nights += [(args.days + 1, f"{args.days + 1}c"), (args.days + 2, f"{args.days + 2}*")]
        for day, label in nights:
            # night ``*`` writes the large tables whole again, as every night does once the people
            # recomputed since they were pass WHOLE_AGAIN_SHARE of everyone; night ``c`` follows a
            # compaction (``nhc lake compact``), which writes them whole outside the refresh
            incremental.WHOLE_AGAIN_SHARE = 0.0 if label.endswith("*") else share
            if label.endswith("c"):
                problems += compaction_row(lake, plain_s, compare=args.check)
            before = changes.sources_version(lake.root)
            n, (ingest_s, _) = timed(a_day, lake, args.fraction, day, as_of)
            team, (export_s, _) = timed(team_day, lake, day, as_of, args.team)
            day_ids = sorted(changes.changed_since(lake.root, before) or ())
            read_s = after_image_seconds(lake, before)
            inc, (inc_s, inc_c) = timed(refresh, DuckDBEngine.open(lake), as_of)
            assert inc.mode == "incremental", inc.reason
            row = f"{label:>4} {n:>7,} + {team:>5,} {ingest_s:>9.2f} {export_s:>9.2f} {inc_s:>10.2f} {inc_c:>7.2f}"
            print(f"{row} {100 * inc_s / plain_s:>11.1f}% {100 * inc_c / plain_c:>11.1f}%")
            compiled = ", ".join(inc.compiled) or "none (the full refresh's, kept)"
            print(f"      steps: {inc.result.timings}; SQL compiled: {compiled}")
            if args.check and (day == args.days or not label.isdigit()):
                problems += check(lake, inc.result.tables)
        incremental.WHOLE_AGAIN_SHARE = share
        print(
            f"   * writes the large tables whole again: every night does once the people recomputed "
            f"since they last were pass {share:.0%} of everyone (at {args.fraction:.1%} a day, every "
            f"{round(share / args.fraction)}th night); the others publish a base and a delta"
        )
        print(
            "   people changed: by the day's ingest + by the teams' records exported (a social prescribing "
            "referral each: `nhc care export-lake`)"
        )
        print("   c follows a compaction (`nhc lake compact`, at a quiet time): its delta starts empty")
        write_s, scan_s = design_floor(lake, day_ids)
        floor = read_s + write_s
        print(
            f"floor of a night that writes the large tables whole: {floor:.2f} s ({100 * floor / plain_s:.1f}% "
            f"of the full run): the changed people's rows read from the after-images {read_s:.2f} s, "
            f"the large tables written {write_s:.2f} s (their rows scanned from the source tables "
            f"instead: {scan_s:.2f} s)"
        )
        if args.check:
            print(
                f"equal to a full run with the same model (night {args.days}, the compaction, "
                f"nights {args.days + 1}c and {args.days + 2}*):",
                "yes" if not problems else problems[:5],
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
