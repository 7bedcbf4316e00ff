"""The edge that runs the planning rules (:mod:`nhc.planning.baseline`, :mod:`nhc.planning.transitions`)
on an engine over the lake.

The only module of ``nhc.planning`` that opens an engine; the rules and the model stay pure.

The lake publishes the insight tables of one as-of date only (a new analytics run replaces them), so
the need groups at a second, earlier date are not stored anywhere. They are derived here from the
lake's source records with the analytics' own rules (:func:`nhc.analytics.pipeline.derive`) at the
same date a year earlier: the nearest the lake allows to "two as-of dates". A lake without the
source tables (insight tables only) has no moves; the baseline then says why.
"""

from __future__ import annotations

import datetime as dt

from nhc.analytics.pipeline import SOURCE_TABLES, derive, load_inputs
from nhc.analytics.pipeline.run import drop_loaded
from nhc.errors import NhcError
from nhc.lake.engine import Engine, connect
from nhc.lake.memo import lake_value
from nhc.planning import baseline as rules
from nhc.planning.domain import Baseline
from nhc.planning.transitions import Transitions, transition_counts
from nhc.settings import Settings


def year_before(day: dt.date) -> dt.date:
    """The same date a year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _latest(engine: Engine) -> dt.date:
    insights = engine.table("patient_insights")
    latest = engine.to_arrow(insights.aggregate(as_of=insights.as_of.max())).column("as_of")[0].as_py()
    if latest is None:
        raise NhcError("the lake's patient_insights table is empty", hint="run `nhc run` first")
    return latest if isinstance(latest, dt.date) else dt.date.fromisoformat(str(latest))


def transitions_on(engine: Engine, as_of: dt.date) -> tuple[Transitions | None, str]:
    """The year's moves between need groups: the need groups re-derived from the source records at
    :func:`year_before` ``as_of`` against the published ones at ``as_of``; with a plain-English note
    saying how, or why there are none."""
    lake = engine.lake
    missing = [t for t in SOURCE_TABLES if lake is None or not lake.exists(t)]
    if missing:
        return None, f"not estimated: the lake has no {missing[0]} table to derive an earlier date from"
    earlier_day = year_before(as_of)
    later = engine.table("patient_insights")
    later = later.filter(later.as_of == as_of)
    inputs = load_inputs(engine)
    try:
        earlier = derive(inputs, earlier_day, cache=False).insights
        counts = engine.to_arrow(transition_counts(earlier, later)).to_pylist()
    finally:
        drop_loaded(engine, inputs.loaded)
    moves = Transitions.from_counts(counts, earlier_day, as_of)
    note = (
        f"estimated from the need groups of the people registered on {_day(earlier_day)} "
        f"(worked out again from the lake's records with the same rules) and on {_day(as_of)} "
        "(the latest analytics run)"
    )
    return moves, note


def baseline_on(engine: Engine, *, moves: bool = True) -> Baseline:
    """The baseline from ``engine``'s lake, at the as-of date of its ``patient_insights``, with the
    year's moves between need groups when ``moves`` and the lake has the records to estimate them."""
    as_of = _latest(engine)
    insights = engine.table("patient_insights")
    encounters = engine.table("encounters")
    insights = insights.filter(insights.as_of == as_of)
    cells = engine.to_arrow(rules.baseline_cells(insights, encounters, as_of)).to_pylist()
    ages = engine.to_arrow(rules.population_by_age_and_need(insights)).to_pylist()
    cover = engine.to_arrow(rules.coverage(insights, encounters, as_of)).to_pylist()[0]
    coverage = {
        s: (int(cover[f"{s}__attributed"] or 0), int(cover[f"{s}__total"] or 0)) for s in rules.COUNTED
    }
    found, note = transitions_on(engine, as_of) if moves else (None, "not asked for")
    people: dict[tuple[str, int], int] = {}
    for r in ages:
        people[(r["sex"], r["age"])] = people.get((r["sex"], r["age"]), 0) + r["persons"]
    return Baseline.build(
        as_of,
        cells,
        people,
        by_need={(r["sex"], r["age"], r["png"]): r["persons"] for r in ages},
        left_out=dict(rules.LEFT_OUT),
        coverage=coverage,
        transitions=found,
        transitions_note=note,
    )


def read_baseline(settings: Settings, *, moves: bool = True) -> Baseline:
    """The baseline from the lake in ``settings`` on its engine (DuckDB by default), computed once
    per process for each version of the lake's source tables (:mod:`nhc.lake.memo`)."""
    what = ("planning-baseline", settings.engine, moves)
    return lake_value(
        what, settings.lake_dir, SOURCE_TABLES, lambda: baseline_on(connect(settings), moves=moves)
    )
