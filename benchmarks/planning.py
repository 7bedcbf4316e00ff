"""Planning Monte Carlo: seconds and peak memory for 1,000 runs of the example scenario.

    python benchmarks/planning.py                      # a county-sized baseline made in memory
    python benchmarks/planning.py --data /path/to/data  # the baseline of an analysed lake

The baseline is either read from the lake in ``--data`` (its read timed apart, the need-group moves
included) or made in memory at the county's size: 11 need groups x 6 age bands x 2 sexes x 6 IMD
quintiles (792 cells) over 726,000 people, split by need group and single year of age, with a year's
moves between need groups (so the runs project people by need group as the pages do). The floor, measured in the same run, is one run (the principal alone): what
projecting the population and pricing the activity costs before any sampling. Peak memory is the
largest Python allocation during the runs (tracemalloc, numpy's arrays included) and the process's
maximum resident size. ``fan_s`` is what the scenario page adds for its fan chart: the scenario run
again for each shorter horizon. Target from issue 19: 1,000 runs in < 10 s on 2 cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import resource
import time
import tracemalloc
from pathlib import Path

import numpy as np

from nhc.planning import montecarlo
from nhc.planning.domain import Baseline
from nhc.planning.lake import read_baseline
from nhc.planning.parameters import (
    example_scenario_path,
    load_scenario,
    shipped_demography,
    shipped_unit_costs,
)
from nhc.planning.transitions import NEED_GROUPS, Transitions
from nhc.settings import Settings
from nhc.vocab import AGE_BAND_LIMITS

PEOPLE = 726_000


def county_baseline(seed: int = 1) -> Baseline:
    """A baseline of the county's size with plausible rates (for timing only)."""
    rng = np.random.default_rng(seed)
    rows = []
    cells = [
        (p, b, s, q) for p in range(1, 12) for b, _, _ in AGE_BAND_LIMITS for s in "FM" for q in range(6)
    ]
    shares = rng.dirichlet(np.ones(len(cells)))
    for (png, band, sex, imd), share in zip(cells, shares, strict=True):
        py = max(1, round(PEOPLE * share))
        need = 1 + png / 3
        rows.append(
            {
                "png": png,
                "png_name": f"group {png}",
                "band": "low",
                "age_band": band,
                "sex": sex,
                "imd_quintile": imd,
                "person_years": py,
                "gp": py * 3 * need,
                "community": py * 0.2 * need,
                "ae": py * 0.3 * need,
                "emergency_admission": py * 0.08 * need,
                "bed_days": py * 0.4 * need,
                "outpatient": py * need,
            }
        )
    by_need: dict[tuple[str, int, int], float] = {}
    for r in rows:  # each cell's people spread evenly over the single years of its age band
        lo, hi = next((lo, min(hi, 100)) for b, lo, hi in AGE_BAND_LIMITS if b == r["age_band"])
        for age in range(lo, hi + 1):
            key = (r["sex"], age, r["png"])
            by_need[key] = by_need.get(key, 0.0) + r["person_years"] / (hi - lo + 1)
    return Baseline.build(
        dt.date(2026, 3, 31),
        rows,
        {},
        by_need=by_need,
        transitions=county_moves(rng),
        transitions_note="made up",
    )


def county_moves(rng: np.random.Generator) -> Transitions:
    """A year's moves: in each band, 90% of each group stay, the rest move to higher groups; 2% leave."""
    counts = []
    for band, _, _ in AGE_BAND_LIMITS:
        for i in NEED_GROUPS:
            higher = [j for j in NEED_GROUPS if j > i] or [i]
            counts.append({"age_band": band, "png_from": i, "png_to": i, "persons": 900})
            counts.append({"age_band": band, "png_from": i, "png_to": int(rng.choice(higher)), "persons": 80})
            counts.append({"age_band": band, "png_from": i, "png_to": 0, "persons": 20})
    return Transitions.from_counts(counts, dt.date(2025, 3, 31), dt.date(2026, 3, 31))


def timed_run(baseline: Baseline, runs: int) -> tuple[float, float]:
    """Seconds and tracemalloc peak (MB) of one Monte Carlo of ``runs`` runs."""
    scenario = load_scenario(example_scenario_path())
    rates, costs = shipped_demography(), shipped_unit_costs()
    tracemalloc.start()
    began = time.perf_counter()
    montecarlo.run(baseline, scenario, rates, costs, runs)
    seconds = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return seconds, peak


def fan_seconds(baseline: Baseline, runs: int) -> float:
    """Seconds to run the example scenario at each horizon from 1 to its own (the page's fan chart)."""
    scenario = load_scenario(example_scenario_path())
    rates, costs = shipped_demography(), shipped_unit_costs()
    began = time.perf_counter()
    for year in range(1, scenario.horizon_years + 1):
        montecarlo.run(baseline, scenario.model_copy(update={"horizon_years": year}), rates, costs, runs)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="data folder with an analysed lake")
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()
    read_s = None
    if args.data:
        began = time.perf_counter()
        baseline = read_baseline(dataclasses.replace(Settings.from_env(), data_dir=args.data))
        read_s = round(time.perf_counter() - began, 3)
    else:
        baseline = county_baseline()
    timed_run(baseline, 1)  # warm-up: first calls load modules and parameters
    floor_s, _ = timed_run(baseline, 1)
    seconds, peak = timed_run(baseline, args.runs)
    fan_s = fan_seconds(baseline, args.runs)
    print(
        json.dumps(
            {
                "baseline": str(args.data) if args.data else "county-sized, in memory",
                "cells": len(baseline.cells),
                "people": round(float(baseline.population.sum())),
                "baseline_read_s": read_s,
                "runs": args.runs,
                "floor_one_run_s": round(floor_s, 4),
                "seconds": round(seconds, 4),
                "fan_s": round(fan_s, 4),
                "need_group_moves": baseline.transitions is not None,
                "peak_traced_mb": round(peak, 2),
                "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "target_s": 10,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
