"""The edge that runs the baseline rules (:mod:`nhc.planning.baseline`) on an engine over the lake.

The only module of ``nhc.planning`` that opens an engine; the rules and the model stay pure.
"""

from __future__ import annotations

import datetime as dt

from nhc.errors import NhcError
from nhc.lake.engine import Engine, connect
from nhc.planning import baseline as rules
from nhc.planning.domain import Baseline
from nhc.settings import Settings


def baseline_on(engine: Engine) -> Baseline:
    """The baseline from ``engine``'s lake, at the as-of date of its ``patient_insights``."""
    insights = engine.table("patient_insights")
    encounters = engine.table("encounters")
    latest = engine.to_arrow(insights.aggregate(as_of=insights.as_of.max())).column("as_of")[0].as_py()
    if latest is None:
        raise NhcError("the lake's patient_insights table is empty", hint="run `nhc run` first")
    as_of = latest if isinstance(latest, dt.date) else dt.date.fromisoformat(str(latest))
    insights = insights.filter(insights.as_of == as_of)
    cells = engine.to_arrow(rules.baseline_cells(insights, encounters, as_of)).to_pylist()
    ages = engine.to_arrow(rules.population_by_age(insights)).to_pylist()
    cover = engine.to_arrow(rules.coverage(insights, encounters, as_of)).to_pylist()[0]
    coverage = {
        s: (int(cover[f"{s}__attributed"] or 0), int(cover[f"{s}__total"] or 0)) for s in rules.COUNTED
    }
    return Baseline.build(
        as_of,
        cells,
        {(r["sex"], r["age"]): r["persons"] for r in ages},
        left_out=dict(rules.LEFT_OUT),
        coverage=coverage,
    )


def read_baseline(settings: Settings) -> Baseline:
    """The baseline from the lake in ``settings`` on its engine (DuckDB by default)."""
    return baseline_on(connect(settings))
