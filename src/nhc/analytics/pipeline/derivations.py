"""The pipeline's derivations: pure functions over Ibis tables and Arrow, one per node of the graph.

Each function's parameters are named after the nodes it reads (:mod:`.graph` wires them by name), so
a node's inputs are exactly its arguments. None of them runs a query or touches a file: they build
Ibis expressions or compute on Arrow tables already fetched; the scheduler decides where each
result is materialised (cached on the engine, fetched to Arrow, or kept as an expression).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import ibis
import pyarrow as pa

from nhc.analytics.rules import (
    coded,
    frailty,
    multimorbidity,
    population,
    registers,
    risk,
    segmentation,
    team_records,
)
from nhc.analytics.rules import facts as factsm
from nhc.analytics.rules import utilisation as util
from nhc.analytics.rules import worklists as wlm
from nhc.analytics.rules.coded import nullable
from nhc.analytics.rules.inputs import check_unique_patients, duplicate_patients
from nhc.lake.tables.insights import PATIENT_INSIGHTS

if TYPE_CHECKING:
    import ibis.expr.types as ir

#: The lake tables the pipeline reads.
SOURCE_TABLES = (
    "patients",
    "practice_registrations",
    "clinical_events",
    "medications",
    "encounters",
    "care_home_residence",
    "deaths",
    "small_areas",
    "practices",
)

#: The per-person columns the facts supply: the schema's, less what the run adds (risk, as-of).
INSIGHT_COLUMNS = tuple(
    c for c in PATIENT_INSIGHTS.column_names if c not in ("as_of", "risk", "risk_factors")
)
#: The columns of everyone's facts the run keeps on the engine: insights, risk features, worklist inputs.
SEGMENTED_COLUMNS = frozenset({*INSIGHT_COLUMNS, *risk.INPUT_COLUMNS, *wlm.input_columns()})


@dataclass
class Inputs:
    """The source tables as Ibis tables on one engine, plus the codelists and rule tables."""

    tables: dict[str, ir.Table]
    codelists: ir.Table
    rules: dict[str, ir.Table] = field(default_factory=dict)  # rule tables loaded on the engine
    loaded: tuple[str, ...] = ()  # names of the tables loaded for this run (dropped at its end)

    def __getitem__(self, name: str) -> ir.Table:
        return self.tables[name]


def marker_table() -> pa.Table:
    """The frailty markers as a table: item, mcluster (one row per codelist cluster)."""
    rows = [(name, cl) for name, clusters in factsm.FRAILTY_MARKERS for cl in clusters]
    return pa.table({"item": [n for n, _ in rows], "mcluster": [c for _, c in rows]})


def clusters_read() -> frozenset[str]:
    """Every codelist cluster a rule of the pipeline reads (registers, eFI, CMS, facts, evidence).

    The event-to-cluster summary is built for these only: on the county, six in ten coded events
    are in codelists no rule reads (blood pressure, BMI, cholesterol, smoking, medicines, ...).
    """
    return (
        registers.clusters_read()
        | frailty.clusters_read()
        | multimorbidity.clusters_read()
        | factsm.clusters_read()
    )


# --- checks and the population -------------------------------------------------------------------


def duplicates(sources: Inputs) -> ir.Table:
    """One row: how many patient ids occur more than once, and the smallest of them."""
    dups = duplicate_patients(sources["patients"])
    return dups.aggregate(n=dups.count(), example=dups.patient_id.min())


def unique_patients(duplicates: pa.Table) -> bool:
    """True, or an :class:`~nhc.errors.NhcError` naming a repeated patient id."""
    row = duplicates.to_pylist()[0]
    check_unique_patients(int(row["n"] or 0), row["example"])
    return True


def population_at(inputs: Inputs, as_of: dt.date, fraction: float = 1.0) -> ir.Table:
    """:func:`nhc.analytics.rules.population.population` of the sources on ``as_of``: everyone, or about
    ``fraction`` of them (:func:`risk.in_training_sample`)."""
    t = inputs

    def sample(table: ir.Table) -> ir.Table:
        return table if fraction >= 1.0 else table.filter(risk.in_training_sample(table.patient_id, fraction))

    return population.population(
        sample(t["patients"]),
        sample(t["practice_registrations"]),
        t["deaths"],
        t["small_areas"],
        t["practices"],
        t["care_home_residence"],
        as_of,
    )


def population_now(sources: Inputs, as_of: dt.date) -> ir.Table:
    """Everyone registered and alive at ``as_of``, with their attributes then."""
    return population_at(sources, as_of)


def population_size(population: ir.Table, unique_patients: bool) -> ir.Table:
    """One row: how many people there are (after the check that each is listed once)."""
    del unique_patients  # an input only so that a repeated patient fails before anything else
    return population.aggregate(n=population.count())


def training_fraction(population_size: pa.Table) -> float:
    """The fraction of people the risk model learns from (:func:`risk.sample_fraction`)."""
    return risk.sample_fraction(int(population_size.column("n")[0].as_py()))


def training_population(sources: Inputs, as_of: dt.date, training_fraction: float = 1.0) -> ir.Table:
    """The people the risk model learns from: about ``training_fraction`` of those registered and
    alive one year before ``as_of`` (:func:`risk.in_training_sample`), with their attributes then."""
    t0, _outcome_end = risk.training_window(as_of)
    return population_at(sources, t0, training_fraction)


def event_summary(sources: Inputs, as_of: dt.date, clusters: Collection[str]) -> ir.Table:
    """Each person's first and last code in each codelist cluster the rules read."""
    return coded.cluster_summary(sources["clinical_events"], sources.codelists, as_of, clusters)


# --- one pass over prescriptions and encounters, for both years ----------------------------------


def _earlier(fraction: float | None):
    if fraction is None:
        return None
    return lambda table: risk.in_training_sample(table.patient_id, fraction)


def utilisation_years(sources: Inputs, as_of: dt.date, training_fraction: float | None) -> ir.Table:
    """Use of services in the 12 months to as-of, and (with a fraction) the year before for the
    training sample: the encounters are read once for both."""
    return util.utilisation(sources["encounters"], as_of, earlier=_earlier(training_fraction))


def medicines_years(sources: Inputs, as_of: dt.date, training_fraction: float | None) -> ir.Table:
    """Polypharmacy as :func:`utilisation_years` does it for prescriptions."""
    return frailty.polypharmacy(sources["medications"], as_of, earlier=_earlier(training_fraction))


def this_year(years: ir.Table, training_fraction: float | None) -> ir.Table:
    """The as-of year of a by-year table (the table itself when it has one year only)."""
    return years if training_fraction is None else coded.year_before(years, 0)


def year_before(years: ir.Table, training_fraction: float | None) -> ir.Table | None:
    """The year before as-of of a by-year table (None when it has one year only)."""
    return None if training_fraction is None else coded.year_before(years, 1)


# --- conditions, facts and evidence ---------------------------------------------------------------


def register_entries(summary: ir.Table, population: ir.Table, as_of: dt.date, sources: Inputs) -> ir.Table:
    return registers.registers(summary, population, as_of, rules_on_engine=sources.rules.get("registers"))


def efi_deficits(summary: ir.Table, medicines: ir.Table, as_of: dt.date) -> ir.Table:
    return frailty.efi_deficits(summary, medicines, as_of)


def cms_conditions(summary: ir.Table, as_of: dt.date, sources: Inputs) -> ir.Table:
    return multimorbidity.cms_conditions(summary, as_of, rules_on_engine=sources.rules.get("cms"))


def insights(
    population: ir.Table,
    registers: ir.Table,
    efi_deficits: ir.Table,
    cms_conditions: ir.Table,
    utilisation: ir.Table,
    medicines: ir.Table,
    summary: ir.Table,
    sources: Inputs,
    as_of: dt.date,
) -> ir.Table:
    """Facts + segmentation, one row per person (the run adds risk: :func:`~.scoring.scored`).

    Blocks read once (by the facts) are not cached: the engine runs them inside this query, which
    saves writing and re-reading a table each.
    """
    facts = factsm.patient_facts(
        population,
        # registers, eFI and CMS in one block (cheaper to join than three)
        factsm.condition_facts(registers, efi_deficits, cms_conditions),
        utilisation=utilisation,
        active=util.active_patients(sources["clinical_events"], medicines, utilisation, as_of),
        clusters=factsm.cluster_facts(summary, as_of),
        team=team_records.team_flags(sources["care_records"], sources.codelists, as_of),
    )
    return segmentation.segment(facts)


def segment_query(insights: ir.Table) -> ir.Table:
    """The columns of everyone's facts and groups the rest of the run reads (cached on the engine)."""
    return insights.select(*[c for c in insights.columns if c in SEGMENTED_COLUMNS])


def evidence(
    registers: ir.Table,
    efi_deficits: ir.Table,
    cms_conditions: ir.Table,
    summary: ir.Table,
    as_of: dt.date,
    markers: ir.Table | None = None,
) -> ir.Table:
    """Long table of the codes and dates behind each person's registers, deficits, CMS and markers."""
    regs, deficits, cms_c = registers, efi_deficits, cms_conditions
    r = regs.select(
        "patient_id",
        kind=ibis.literal("register"),
        item=regs.register,
        code=regs.code,
        date=regs.first_date,
        detail=ibis.literal("last recorded ") + regs.last_date.cast("string"),
    )
    f = deficits.select(
        "patient_id",
        kind=ibis.literal("efi"),
        item=deficits.deficit,
        code=deficits.code,
        date=deficits.date,
        detail=deficits.detail,
    )
    m = cms_c.select(
        "patient_id",
        kind=ibis.literal("cms"),
        item=cms_c.condition,
        code=cms_c.code,
        date=cms_c.date,
        detail=ibis.literal("weight ") + cms_c.weight.cast("string"),
    )
    out = nullable(r)
    for part in (f, m, _marker_evidence(summary, as_of, markers)):
        out = out.union(nullable(part))
    return out


def _marker_evidence(summary: ir.Table, as_of: dt.date, markers: ir.Table | None) -> ir.Table:
    mt = markers if markers is not None else ibis.memtable(marker_table())
    s = summary.filter(coded.in_window(summary.last_date, as_of, factsm.FRAILTY_MARKER_DAYS))
    fm = s.join(mt, s.cluster == mt.mcluster)
    fm = fm.group_by(["patient_id", "item"]).aggregate(
        code=coded.latest(fm.first_code, fm.last_date), last=fm.last_date.max()
    )
    return fm.select(
        "patient_id",
        kind=ibis.literal("frailty_marker"),
        item=fm.item,
        code=fm.code,
        date=fm.last,
        detail=ibis.literal("recorded in the 12 months before as-of (date: last)"),
    )


def evidence_of(
    registers: ir.Table,
    efi_deficits: ir.Table,
    cms_conditions: ir.Table,
    summary: ir.Table,
    as_of: dt.date,
    sources: Inputs,
) -> ir.Table:
    """:func:`evidence` with the frailty markers loaded on the engine."""
    return evidence(
        registers, efi_deficits, cms_conditions, summary, as_of, sources.rules.get("frailty_markers")
    )


def data_quality(sources: Inputs, as_of: dt.date) -> ir.Table:
    """One-row table: what the analytics exclude and why (future-dated rows, codes in no codelist)."""
    ev = sources["clinical_events"]
    codes = sources.codelists.select(code=sources.codelists.code).distinct().mutate(known=ibis.literal(True))
    j = ev.left_join(codes, ev.snomed_code == codes.code)
    d = ibis.literal(as_of)
    agg = j.aggregate(
        events=j.count(),
        future_dated_events=(j.date > d).cast("int64").sum(),
        events_with_codes_in_no_codelist=((j.date <= d) & j.known.isnull()).cast("int64").sum(),
    )
    m, e = sources["medications"], sources["encounters"]
    meds = m.aggregate(medications=m.count(), future_dated_medications=(m.date > d).cast("int64").sum())
    enc = e.aggregate(encounters=e.count(), future_dated_encounters=(e.start_date > d).cast("int64").sum())
    return agg.cross_join(meds).cross_join(enc)
