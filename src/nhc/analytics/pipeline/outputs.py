"""The pipeline's outputs: the insight tables and the run summary, from what the graph derived (pure).

Like :mod:`.derivations`, each node function's parameters are named after the nodes it reads.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import ibis
import pyarrow as pa
import pyarrow.compute as pc

from nhc.analytics.pipeline.derivations import INSIGHT_COLUMNS, Scores
from nhc.analytics.rules import cube, multimorbidity, registers, risk, segmentation
from nhc.analytics.rules import worklists as wlm
from nhc.vocab import BANDS

if TYPE_CHECKING:
    import ibis.expr.types as ir

EFI_PRIOR_65 = {"fit": 0.50, "mild": 0.35, "moderate": 0.12, "severe": 0.03}  # Clegg 2016


def _dates(as_of: dt.date, n: int) -> pa.Array:
    return pa.array([as_of] * n, type=pa.date32())


def patient_insights(segmented: pa.Table, scores: Scores, as_of: dt.date) -> pa.Table:
    """One row per person: facts, groups and risk (the scores are in the facts' row order)."""
    full = segmented.append_column("risk", scores.scored.column("risk"))
    full = full.append_column("risk_factors", scores.scored.column("risk_factors"))
    full = full.append_column("as_of", _dates(as_of, full.num_rows))
    return full.select([*INSIGHT_COLUMNS, "risk", "risk_factors", "as_of"])


def worklists(segmented: pa.Table, scores: Scores, as_of: dt.date) -> ir.Table:
    """Every worklist, ranked, from everyone's facts with their risk and its centile."""
    full = segmented.append_column("risk", scores.scored.column("risk"))
    full = full.append_column("risk_centile_in_neighbourhood", scores.centiles)
    return wlm.worklists(ibis.memtable(full)).mutate(as_of=ibis.literal(as_of))


def population_cube(segmented: pa.Table, as_of: dt.date) -> ir.Table:
    """The disclosure-controlled counts by every grouping (needs no risk)."""
    return cube.cube(ibis.memtable(segmented)).mutate(as_of=ibis.literal(as_of))


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


def _value_counts(ins: pa.Table, column: str, where: pa.ChunkedArray | None = None) -> dict:
    values = ins.column(column) if where is None else ins.column(column).filter(where)
    return {v["values"]: v["counts"] for v in pc.value_counts(values).to_pylist()}


def _bands(ins: pa.Table) -> list[dict]:
    n, got = ins.num_rows, _value_counts(ins, "band")
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


def _need_groups(ins: pa.Table) -> list[dict]:
    n, got = ins.num_rows, _value_counts(ins, "png")
    return [
        {
            "png": k,
            "name": segmentation.PNG_NAMES[k],
            "band": segmentation.BANDS[k],
            "count": got.get(k, 0),
            "percent": _pct(got.get(k, 0), n),
        }
        for k in sorted(segmentation.PNG_NAMES)
    ]


def _pyramid(ins: pa.Table) -> list[dict]:
    n, got = ins.num_rows, _value_counts(ins, "pyramid_tier")
    return [
        {
            "tier": k,
            "name": segmentation.PYRAMID_NAMES[k],
            "count": got.get(k, 0),
            "percent": _pct(got.get(k, 0), n),
            "target_percent": round(100 * segmentation.PYRAMID_TARGETS[k], 2),
            "per_40000": round(40_000 * got.get(k, 0) / n) if n else 0,
        }
        for k in (4, 3, 2, 1)
    ]


def _efi_65_plus(ins: pa.Table) -> dict:
    old = pc.greater_equal(ins.column("age"), 65)
    n65 = int(pc.sum(pc.cast(old, pa.int64())).as_py() or 0)
    got = _value_counts(ins, "efi_category", old)
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


def _register_counts(ins: pa.Table) -> dict[str, int]:
    # the "; "-joined register lists are counted whole, then each distinct list (a few thousand at
    # county size) is split (a regex per register, or splitting every person's list, costs more)
    totals: dict[str, int] = {}
    for v in pc.value_counts(ins.column("registers").fill_null("")).to_pylist():
        for name in (v["values"] or "").split("; "):
            if name:
                totals[name] = totals.get(name, 0) + int(v["counts"])
    return {r: totals.get(r, 0) for r in registers.REGISTER_NAMES}


def population_counts(ins: pa.Table) -> dict[str, Any]:
    """The run summary's counts of everyone (bands, PNGs, pyramid, eFI at 65+, registers), from the
    Arrow insights with pyarrow."""
    return {
        "population": ins.num_rows,
        "bands": _bands(ins),
        "patient_need_groups": _need_groups(ins),
        "pyramid": _pyramid(ins),
        "efi_65_plus": _efi_65_plus(ins),
        "registers": _register_counts(ins),
    }


def counts(segmented: pa.Table) -> dict[str, Any]:
    return population_counts(segmented)


def summarise(
    counts: dict[str, Any], quality: dict, model: risk.RiskModel, worklists: pa.Table, n_training: int
) -> dict[str, Any]:
    """The run summary (small): :func:`population_counts`, the model, worklists and exclusions.

    Worklists are listed in the order they are defined (not the order an engine returned rows).
    """
    got = _value_counts(worklists, "worklist")
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
    worklists: pa.Table,
    training_features: pa.Table,
) -> dict[str, Any]:
    return summarise(counts, data_quality.to_pylist()[0], model, worklists, training_features.num_rows)
