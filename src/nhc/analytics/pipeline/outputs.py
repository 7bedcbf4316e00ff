"""The pipeline's outputs: the insight tables and the run summary, from what the graph derived (pure).

Like :mod:`.derivations`, each node function's parameters are named after the nodes it reads.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import ibis
import pyarrow as pa

from nhc.analytics.pipeline.derivations import INSIGHT_COLUMNS
from nhc.analytics.rules import cube, multimorbidity, registers, risk, segmentation
from nhc.analytics.rules import worklists as wlm
from nhc.analytics.rules.coded import nullable
from nhc.vocab import BANDS

if TYPE_CHECKING:
    import ibis.expr.types as ir

EFI_PRIOR_65 = {"fit": 0.50, "mild": 0.35, "moderate": 0.12, "severe": 0.03}  # Clegg 2016


def _dates(as_of: dt.date, n: int) -> pa.Array:
    return pa.array([as_of] * n, type=pa.date32())


def patient_insights(scored: ir.Table, as_of: dt.date) -> ir.Table:
    """One row per person: facts, groups and risk (:func:`~.scoring.scored`)."""
    return scored.select(*INSIGHT_COLUMNS, "risk", "risk_factors", as_of=ibis.literal(as_of))


def patient_insights_of(people: pa.Table, as_of: dt.date) -> pa.Table:
    """:func:`patient_insights` of everyone's facts with risk already in this process (a refresh
    keeps them): the same columns, without a query."""
    table = people.select([*INSIGHT_COLUMNS, "risk", "risk_factors"])
    return table.append_column("as_of", _dates(as_of, table.num_rows))


def worklists(scored: ir.Table, as_of: dt.date) -> ir.Table:
    """Every worklist, ranked, from everyone's facts with their risk and its centile."""
    return wlm.worklists(scored).mutate(as_of=ibis.literal(as_of))


def population_cube(segmented: ir.Table, as_of: dt.date) -> ir.Table:
    """The disclosure-controlled counts by every grouping (needs no risk)."""
    return cube_of_cells(cube_cells(segmented), as_of)


def cube_cells(segmented: ir.Table) -> ir.Table:
    """Everyone counted once at the cube's finest grain (:func:`~nhc.analytics.rules.cube.cells`)."""
    return cube.cells(segmented)


def cube_of_cells(cube_cells: ir.Table, as_of: dt.date) -> ir.Table:
    """:func:`population_cube` from the cells (the run caches them: each grouping set reads them)."""
    return cube.cube_of_cells(cube_cells).mutate(as_of=ibis.literal(as_of))


def risk_model(model: risk.RiskModel, as_of: dt.date) -> pa.Table:
    table = model.table()
    return table.append_column("as_of", _dates(as_of, table.num_rows))


def analytics_run(run_summary: dict[str, Any], as_of: dt.date) -> pa.Table:
    """The run summary as a table: one row per item, its value as JSON."""
    return pa.table(
        {
            "item": list(run_summary),
            "value": [json.dumps(v, default=str) for v in run_summary.values()],
            "as_of": _dates(as_of, len(run_summary)),
        }
    )


# --- the run summary ------------------------------------------------------------------------------


def _pct(n: int, total: int) -> float:
    return round(100.0 * n / total, 2) if total else 0.0


def worklist_sizes(worklists: ir.Table) -> ir.Table:
    """How many people each worklist holds (worklist, n): what the run summary needs of the
    worklists, counted by the engine (the lists themselves are person-level and stay there)."""
    return worklists.group_by("worklist").aggregate(n=worklists.count().cast("int64"))


def sizes_of(worklist_sizes: pa.Table) -> dict[str, int]:
    """:func:`worklist_sizes`'s rows as worklist -> people."""
    return {row["worklist"]: int(row["n"]) for row in worklist_sizes.to_pylist()}


#: The columns :func:`counted` counts the values of (``efi_category`` among people aged 65+ only).
COUNTED = ("band", "png", "pyramid_tier", "efi_category", "registers")


def counted(segmented: ir.Table) -> ir.Table:
    """How many people have each value of each :data:`COUNTED` column (item, key as text, n), with
    the population (item ``population``) and the people aged 65+ (``people_65_plus``): the run
    summary's counts, from a few hundred rows the engine aggregates."""
    t = segmented
    old = t.filter(t.age >= 65)

    def by(table: ir.Table, item: str, key: ir.Value) -> ir.Table:
        g = table.group_by(key=key.cast("string")).aggregate(n=table.count())
        return nullable(g.select(item=ibis.literal(item), key=g.key, n=g.n.cast("int64")))

    def total(table: ir.Table, item: str) -> ir.Table:
        a = table.aggregate(n=table.count())
        return nullable(a.select(item=ibis.literal(item), key=ibis.null("string"), n=a.n.cast("int64")))

    parts = [by(t, c, t[c]) for c in ("band", "png", "pyramid_tier")]
    parts += [by(old, "efi_category", old.efi_category), by(t, "registers", t.registers.fill_null(""))]
    out = total(t, "population").union(total(old, "people_65_plus"))
    for p in parts:
        out = out.union(p)
    return out


class _Counts:
    """The rows of :func:`counted`'s table by item: ``of(item)`` maps each key to its count."""

    def __init__(self, table: pa.Table) -> None:
        self._by: dict[str, dict[str | None, int]] = {}
        for row in table.to_pylist():
            self._by.setdefault(row["item"], {})[row["key"]] = int(row["n"])

    def of(self, item: str) -> dict[str | None, int]:
        return self._by.get(item, {})

    def total(self, item: str) -> int:
        return sum(self.of(item).values())


def _bands(c: _Counts) -> list[dict]:
    n, got = c.total("population"), c.of("band")
    return [
        {
            "band": b,
            "count": got.get(b, 0),
            "percent": _pct(got.get(b, 0), n),
            "target_percent": round(100 * segmentation.BAND_TARGETS[b], 1),
            "oxfordshire_count": segmentation.BAND_TARGET_COUNTS[b],
        }
        for b in BANDS
    ]


def _need_groups(c: _Counts) -> list[dict]:
    n, got = c.total("population"), c.of("png")
    return [
        {
            "png": k,
            "name": segmentation.PNG_NAMES[k],
            "band": segmentation.BANDS[k],
            "count": got.get(str(k), 0),
            "percent": _pct(got.get(str(k), 0), n),
        }
        for k in sorted(segmentation.PNG_NAMES)
    ]


def _pyramid(c: _Counts) -> list[dict]:
    n, got = c.total("population"), c.of("pyramid_tier")
    return [
        {
            "tier": k,
            "name": segmentation.PYRAMID_NAMES[k],
            "count": got.get(str(k), 0),
            "percent": _pct(got.get(str(k), 0), n),
            "target_percent": round(100 * segmentation.PYRAMID_TARGETS[k], 2),
            "per_40000": round(40_000 * got.get(str(k), 0) / n) if n else 0,
        }
        for k in (4, 3, 2, 1)
    ]


def _efi_65_plus(c: _Counts) -> dict:
    n65, got = c.total("people_65_plus"), c.of("efi_category")
    categories = [
        {
            "category": k,
            "count": got.get(k, 0),
            "percent": _pct(got.get(k, 0), n65),
            "published_percent": round(100 * v),
        }
        for k, v in EFI_PRIOR_65.items()
    ]
    return {"people_65_plus": n65, "categories": categories}


def _register_counts(c: _Counts) -> dict[str, int]:
    # the "; "-joined register lists are counted whole by the engine, then each distinct list (a
    # few thousand at county size) is split here
    totals: dict[str, int] = {}
    for names, n in c.of("registers").items():
        for name in (names or "").split("; "):
            if name:
                totals[name] = totals.get(name, 0) + n
    return {r: totals.get(r, 0) for r in registers.REGISTER_NAMES}


def population_counts(counted: pa.Table) -> dict[str, Any]:
    """The run summary's counts of everyone (bands, PNGs, pyramid, eFI at 65+, registers), from
    :func:`counted`'s table."""
    c = _Counts(counted)
    return {
        "population": c.total("population"),
        "bands": _bands(c),
        "patient_need_groups": _need_groups(c),
        "pyramid": _pyramid(c),
        "efi_65_plus": _efi_65_plus(c),
        "registers": _register_counts(c),
    }


def counts(counted: pa.Table) -> dict[str, Any]:
    return population_counts(counted)


def summarise(
    counts: dict[str, Any], quality: dict, model: risk.RiskModel, sizes: dict[str, int], n_training: int
) -> dict[str, Any]:
    """The run summary (small): :func:`population_counts`, the model, worklist ``sizes``
    (:func:`sizes_of`) and exclusions.

    Worklists are listed in the order they are defined (not the order an engine returned rows).
    """
    got = sizes
    return {
        **counts,
        "risk_model": {
            "auroc": round(model.auroc, 4) if model.auroc == model.auroc else None,
            "outcome_rate": round(model.outcome_rate, 4) if n_training else None,
            "n_train": model.n_train,
            "n_test": model.n_test,
            "calibration": model.calibration,
        },
        "worklists": {w.name: got[w.name] for w in wlm.WORKLISTS if w.name in got},
        "cms_conditions_without_codelist": list(multimorbidity.MISSING_CONDITIONS),
        "inputs": {
            "events": quality["events"],
            "medications": quality["medications"],
            "encounters": quality["encounters"],
        },
        "excluded": {
            "future_dated_events": quality["future_dated_events"],
            "future_dated_medications": quality["future_dated_medications"],
            "future_dated_encounters": quality["future_dated_encounters"],
            "events_with_codes_in_no_codelist_ignored": quality["events_with_codes_in_no_codelist"],
        },
    }


def run_summary(
    counts: dict[str, Any],
    data_quality: pa.Table,
    model: risk.RiskModel,
    worklist_sizes: pa.Table,
    training_features: pa.Table,
) -> dict[str, Any]:
    quality = data_quality.to_pylist()[0]
    return summarise(counts, quality, model, sizes_of(worklist_sizes), training_features.num_rows)
