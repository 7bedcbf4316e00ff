"""The pipeline's risk derivations: the training query, the fit, everyone's scores (pure).

Like :mod:`.derivations`, each function's parameters are named after the graph nodes it reads.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, NamedTuple

import ibis
import pyarrow as pa
import pyarrow.compute as pc

from nhc.analytics.pipeline.derivations import Inputs
from nhc.analytics.rules import facts as factsm
from nhc.analytics.rules import frailty, registers, risk, risk_scores
from nhc.analytics.rules import utilisation as util
from nhc.analytics.rules import worklists as wlm

if TYPE_CHECKING:
    import ibis.expr.types as ir


class Scores(NamedTuple):
    """Everyone's risk in the row order of the segmented facts, and its centile in the neighbourhood."""

    scored: pa.Table  # patient_id, risk, risk_factors
    centiles: pa.Array


def risk_training(
    inputs: Inputs,
    summary: ir.Table,
    utilisation: ir.Table,
    pop0: ir.Table,
    as_of: dt.date,
    fraction: float = 1.0,
    *,
    earlier_utilisation: ir.Table | None = None,
    earlier_medicines: ir.Table | None = None,
) -> ir.Table:
    """Features one year before ``as_of`` with the outcome in the following year, for the people of
    ``pop0`` (:func:`~.derivations.training_population` for the same ``fraction``; cache it: it
    is read several times).

    The outcome year ends at ``as_of``, so it is read from the as-of utilisation (emergency
    admissions in the 12 months) rather than from another pass over the encounters. The history's
    utilisation and medicines come from the one pass over both years when given (``earlier_*``,
    for at least pop0's people), else from the sources.
    """
    t = inputs
    t0, _outcome_end = risk.training_window(as_of)  # the outcome year ends at as_of

    def of_pop0(table: ir.Table) -> ir.Table:
        # Only pop0's rows matter (its facts are left-joined onto it). A semi-join runs after the
        # date filters and costs less than hashing every source row's patient_id again.
        return table if fraction >= 1.0 else table.semi_join(pop0.select("patient_id"), "patient_id")

    summary0 = of_pop0(summary)
    summary0 = summary0.filter(summary0.first_date <= ibis.literal(t0))
    regs0 = registers.registers(summary0, pop0, t0, rules_on_engine=t.rules.get("registers"))
    medicines0 = earlier_medicines
    if medicines0 is None:
        medicines0 = frailty.polypharmacy(of_pop0(t["medications"]), t0)
    efi0 = frailty.efi(frailty.efi_deficits(summary0, medicines0, t0), pop0)
    use0 = earlier_utilisation
    if use0 is None:
        use0 = util.utilisation(of_pop0(t["encounters"]), t0)
    facts0 = factsm.patient_facts(pop0, registers.register_flags(regs0), efi0, None, use0)
    u = utilisation
    admitted = u.filter(u.emergency_admissions_12m > 0).select(
        "patient_id", admissions=u.emergency_admissions_12m
    )
    return risk.with_outcome(risk.risk_features(facts0), admitted)


def training_query(
    sources: Inputs,
    summary: ir.Table,
    utilisation: ir.Table,
    training_population: ir.Table,
    as_of: dt.date,
    training_fraction: float,
    earlier_utilisation: ir.Table | None,
    earlier_medicines: ir.Table | None,
) -> ir.Table:
    """:func:`risk_training` over the graph's blocks (the history from the one pass over both years)."""
    return risk_training(
        sources,
        summary,
        utilisation,
        training_population,
        as_of,
        training_fraction,
        earlier_utilisation=earlier_utilisation,
        earlier_medicines=earlier_medicines,
    )


def model(training_features: pa.Table) -> risk.RiskModel:
    """The risk model fitted on the training features.

    The one person-level table the run brings to Python, on purpose and bounded: the training
    sample is about :data:`~nhc.analytics.rules.risk.TRAINING_SAMPLE` people (200,000; a hash of
    patient_id picks them, :func:`~nhc.analytics.rules.risk.in_training_sample`) whatever the
    population, a few dozen float columns each (about 50 MB at most). Sorted by patient first: engines return rows in any order, and the fit's floating-point sums
    depend on the order, so this makes the model the same on every engine and in every process.
    """
    return risk.train(training_features.sort_by("patient_id"))


def scored(model: risk.RiskModel, segmented: ir.Table) -> ir.Table:
    """Everyone's facts with their risk and top factors, computed by the engine
    (:func:`~nhc.analytics.rules.risk_scores.with_scores`): nobody's features come to Python.
    The worklists add the risk centile in the neighbourhood (a window, in the engine too)."""
    return risk_scores.with_scores(model, segmented)


def score_in_order(model: risk.RiskModel, features: pa.Table, insights: pa.Table) -> Scores:
    """Everyone's scores in numpy, in the row order of ``insights`` (engines need not keep it), and
    their risk centiles in the neighbourhood: the reference :func:`scored` is held to in tests."""
    scored = risk.score(model, features)
    if not scored.column("patient_id").equals(insights.column("patient_id")):  # usually they are
        at = pc.index_in(insights.column("patient_id"), value_set=scored.column("patient_id"))
        scored = scored.take(at)
    return Scores(scored, wlm.risk_centiles(insights.column("neighbourhood"), scored.column("risk")))
