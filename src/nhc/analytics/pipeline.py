"""The analytics pipeline: the edge where the engine is chosen, the lake read and insights written.

:func:`run` reads the source tables from an engine, checks them, builds the combined
event-to-cluster join once (cached on the engine), derives every insight with the pure functions of
this package, fits the risk model in numpy, writes the insight tables back to the lake and returns
a summary (what was found, what was excluded and why).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import time
import uuid
from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ibis
import pyarrow as pa
import pyarrow.compute as pc

from nhc.analytics import coded, cube, frailty, multimorbidity, population, registers, risk, segmentation
from nhc.analytics import facts as factsm
from nhc.analytics import utilisation as util
from nhc.analytics import worklists as wlm
from nhc.analytics.coded import nullable
from nhc.analytics.inputs import check_unique_patients, duplicate_patients, require_columns
from nhc.errors import NhcError
from nhc.lake.insight_tables import PATIENT_INSIGHTS

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from nhc.lake.engine import Engine

DEFAULT_AS_OF = dt.date(2026, 3, 31)
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
EFI_PRIOR_65 = {"fit": 0.50, "mild": 0.35, "moderate": 0.12, "severe": 0.03}  # Clegg 2016

Progress = Callable[[str], None]

# The per-person columns the facts supply: the schema's, less what the run adds (risk, as-of).
INSIGHT_COLUMNS = tuple(
    c for c in PATIENT_INSIGHTS.column_names if c not in ("as_of", "risk", "risk_factors")
)


@dataclass
class Inputs:
    """The source tables as Ibis tables on one engine, plus the codelists."""

    tables: dict[str, ir.Table]
    codelists: ir.Table
    rules: dict[str, ir.Table] = field(default_factory=dict)  # rule tables loaded on the engine

    def __getitem__(self, name: str) -> ir.Table:
        return self.tables[name]


@dataclass
class Derived:
    """Everything the pipeline derives (Ibis expressions, mostly cached on the engine).

    ``insights`` and ``evidence`` are built from the blocks when first read (building them is
    Python work the run does on a helper thread while the engine is busy).
    """

    summary: ir.Table
    population: ir.Table
    registers: ir.Table
    deficits: ir.Table
    cms_conditions: ir.Table
    utilisation: ir.Table  # use of services in the 12 months to as-of (also the risk model's outcome)
    medicines: ir.Table
    events: ir.Table
    as_of: dt.date
    markers: ir.Table | None = None

    @functools.cached_property
    def insights(self) -> ir.Table:
        """Facts + segmentation, one row per person (the run adds risk in Arrow).

        Blocks read once (by the facts) are not cached: the engine runs them inside this query, which
        saves writing and re-reading a table each. The run fetches it once, straight to Arrow.
        """
        pop, use = self.population, self.utilisation
        facts = factsm.patient_facts(
            pop,
            # registers, eFI and CMS in one block (cheaper to join than three)
            factsm.condition_facts(self.registers, self.deficits, self.cms_conditions),
            utilisation=use,
            active=util.active_patients(self.events, self.medicines, use, self.as_of),
            clusters=factsm.cluster_facts(self.summary, self.as_of),
        )
        return segmentation.segment(facts)

    @functools.cached_property
    def evidence(self) -> ir.Table:
        """The codes and dates behind each person's registers, deficits, CMS and markers."""
        return evidence(
            self.registers, self.deficits, self.cms_conditions, self.summary, self.as_of, self.markers
        )


@dataclass(frozen=True)
class Ahead:
    """The blocks :func:`derive` builds first, for work that can start before the rest (the risk
    model's training query). ``earlier_*``: the year before as-of, for the training sample (None
    when :func:`derive` was not given one)."""

    summary: ir.Table
    utilisation: ir.Table
    earlier_utilisation: ir.Table | None
    earlier_medicines: ir.Table | None


@dataclass
class RunResult:
    as_of: dt.date
    engine: str
    summary: dict[str, Any]
    tables: dict[str, pa.Table] = field(default_factory=dict)
    model: risk.RiskModel | None = None
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "engine": self.engine,
            "seconds": round(self.seconds, 2),
            **self.summary,
        }


def _put(engine: Engine, table: pa.Table, name: str, categorical: tuple[str, ...] = ()) -> ir.Table:
    """Load a small Arrow table onto the engine under a name unique to this run.

    (Spark's ``from_arrow`` writes a managed table; a fixed name would collide with a folder left in
    the warehouse by an earlier process.)
    """
    unique = _unique_name(engine, name)
    if categorical:
        return engine.from_arrow_categorical(table, unique, categorical)
    return engine.from_arrow(table, unique)


_loaded: dict[int, list[str]] = {}


def _unique_name(engine: Engine, name: str) -> str:
    """A table name unique to this run, dropped at its end (:func:`_drop_loaded`)."""
    unique = f"{name}_{uuid.uuid4().hex[:12]}"
    _loaded.setdefault(id(engine), []).append(unique)
    return unique


def _drop_loaded(engine: Engine) -> None:
    """Drop the small tables this run loaded onto the engine (Spark keeps them in its warehouse)."""
    for name in _loaded.pop(id(engine), []):
        with contextlib.suppress(Exception):  # best-effort clean-up only
            engine.drop(name)


def load_inputs(engine: Engine, codelists: pa.Table | None = None) -> Inputs:
    """Source tables from the engine's lake, columns checked; codelists loaded onto the engine."""
    tables = {name: require_columns(engine.table(name), name) for name in SOURCE_TABLES}
    if codelists is None:
        from nhc.reference.codelists import load_codelists

        codelists = load_codelists()
    missing = [c for c in ("code", "cluster") if c not in codelists.column_names]
    if missing:
        raise NhcError(
            f"table codelists: missing column {missing[0]}", hint="codelists need code and cluster"
        )
    cl = _put(engine, codelists.select(["code", "cluster"]), "nhc_codelists", categorical=("code", "cluster"))
    rules = {
        "registers": _put(engine, registers.rules_table(), "nhc_register_rules"),
        "cms": _put(engine, multimorbidity.rules_table(), "nhc_cms_rules"),
        "frailty_markers": _put(engine, marker_table(), "nhc_frailty_markers"),
    }
    return Inputs(tables, cl, rules)


def marker_table() -> pa.Table:
    rows = [(name, cl) for name, clusters in factsm.FRAILTY_MARKERS for cl in clusters]
    return pa.table({"item": [n for n, _ in rows], "mcluster": [c for _, c in rows]})


def data_quality(inputs: Inputs, as_of: dt.date) -> ir.Table:
    """One-row table: what the analytics exclude and why (future-dated rows, codes in no codelist)."""
    ev = inputs["clinical_events"]
    codes = inputs.codelists.select(code=inputs.codelists.code).distinct().mutate(known=ibis.literal(True))
    j = ev.left_join(codes, ev.snomed_code == codes.code)
    d = ibis.literal(as_of)
    agg = j.aggregate(
        events=j.count(),
        future_dated_events=(j.date > d).cast("int64").sum(),
        events_with_codes_in_no_codelist=((j.date <= d) & j.known.isnull()).cast("int64").sum(),
    )
    m, e = inputs["medications"], inputs["encounters"]
    meds = m.aggregate(medications=m.count(), future_dated_medications=(m.date > d).cast("int64").sum())
    enc = e.aggregate(encounters=e.count(), future_dated_encounters=(e.start_date > d).cast("int64").sum())
    return agg.cross_join(meds).cross_join(enc)


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


def derive(
    inputs: Inputs,
    as_of: dt.date,
    *,
    cache: bool = True,
    lap: Callable[[str], None] | None = None,
    training: Callable[[ir.Table], float] | None = None,
    ahead: Callable[[Ahead], None] | None = None,
    clusters: Collection[str] | None = None,
    built_population: Callable[[], ir.Table] | None = None,
) -> Derived:
    """Build the derived tables for ``as_of`` (Ibis; cached on the engine when ``cache``).

    ``lap(name)`` is called after each cached step (for timings). ``training(population)``, if
    given, returns the fraction of people the risk model learns from
    (:func:`risk.in_training_sample`); utilisation and prescriptions are then read once for both
    the as-of year and, for that sample, the year before. ``ahead(blocks)``, if given, is called
    with :class:`Ahead` as soon as its blocks are built, before the others (the run starts
    preparing the risk model's training query there, beside the queries still to come).
    ``clusters``: the codelists the summary covers (default :func:`clusters_read`).
    ``built_population()``, if given, returns :func:`population_at` already built (the run has
    the engine build it beside the summary).
    """
    mark = lap or (lambda _name: None)

    def c(expr: ir.Table, name: str) -> ir.Table:
        if not cache:
            return expr
        out = expr.cache()
        mark(name)
        return out

    t = inputs
    summary = c(
        coded.cluster_summary(
            t["clinical_events"], t.codelists, as_of, clusters_read() if clusters is None else clusters
        ),
        "derive.summary",
    )
    if built_population is not None:
        pop = built_population()
        mark("derive.population")
    else:
        pop = c(population_at(inputs, as_of), "derive.population")
    # Prescriptions and encounters are each read once, here: for eFI, utilisation and activity, and
    # for the training sample's history a year earlier.
    earlier = None
    if training is not None:
        fraction = training(pop)

        def earlier(table: ir.Table) -> ir.BooleanValue:
            return risk.in_training_sample(table.patient_id, fraction)

    use = c(util.utilisation(t["encounters"], as_of, earlier=earlier), "derive.utilisation")
    medicines = c(frailty.polypharmacy(t["medications"], as_of, earlier=earlier), "derive.medicines")
    use_before = medicines_before = None
    if earlier is not None:
        use, use_before = coded.year_before(use, 0), coded.year_before(use, 1)
        medicines, medicines_before = coded.year_before(medicines, 0), coded.year_before(medicines, 1)
    if ahead is not None:
        ahead(Ahead(summary, use, use_before, medicines_before))
    regs = c(
        registers.registers(summary, pop, as_of, rules_on_engine=t.rules.get("registers")), "derive.registers"
    )
    deficits = c(frailty.efi_deficits(summary, medicines, as_of), "derive.efi_deficits")
    cms_c = c(multimorbidity.cms_conditions(summary, as_of, rules_on_engine=t.rules.get("cms")), "derive.cms")
    return Derived(
        summary,
        pop,
        regs,
        deficits,
        cms_c,
        use,
        medicines,
        t["clinical_events"],
        as_of,
        t.rules.get("frailty_markers"),
    )


def evidence(
    regs: ir.Table,
    deficits: ir.Table,
    cms_c: ir.Table,
    summary: ir.Table,
    as_of: dt.date,
    markers: ir.Table | None = None,
) -> ir.Table:
    """Long table of the codes and dates behind each person's registers, deficits, CMS and markers."""
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
    mt = markers if markers is not None else ibis.memtable(marker_table())
    s = summary.filter(coded.in_window(summary.last_date, as_of, factsm.FRAILTY_MARKER_DAYS))
    fm = s.join(mt, s.cluster == mt.mcluster)
    fm = fm.group_by(["patient_id", "item"]).aggregate(
        code=fm.first_code.argmax(fm.last_date), last=fm.last_date.max()
    )
    fm = fm.select(
        "patient_id",
        kind=ibis.literal("frailty_marker"),
        item=fm.item,
        code=fm.code,
        date=fm.last,
        detail=ibis.literal("recorded in the 12 months before as-of (date: last)"),
    )
    out = nullable(r)
    for part in (f, m, fm):
        out = out.union(nullable(part))
    return out


def population_at(inputs: Inputs, as_of: dt.date, fraction: float = 1.0) -> ir.Table:
    """:func:`nhc.analytics.population.population` of the sources on ``as_of``: everyone, or about
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


def training_population(inputs: Inputs, as_of: dt.date, fraction: float = 1.0) -> ir.Table:
    """The people the risk model learns from: about ``fraction`` of those registered and alive one
    year before ``as_of`` (:func:`risk.in_training_sample`), with their attributes then."""
    t0, _outcome_end = risk.training_window(as_of)
    return population_at(inputs, t0, fraction)


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
    ``pop0`` (:func:`training_population` for the same ``fraction``; cache it: it is read several
    times).

    The outcome year ends at ``as_of``, so it is read from the as-of utilisation (emergency
    admissions in the 12 months) rather than from another pass over the encounters. The history's
    utilisation and medicines come from :func:`derive`'s one pass over both years when given
    (``earlier_*``, for at least pop0's people), else from the sources.
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


def _score_in_order(
    model: risk.RiskModel, features: pa.Table, insights: pa.Table
) -> tuple[pa.Table, pa.Array]:
    """Everyone's scores in the row order of ``insights`` (engines need not keep it), and their risk
    centiles in the neighbourhood (numpy work the run does on its helper thread)."""
    scored = risk.score(model, features)
    if not scored.column("patient_id").equals(insights.column("patient_id")):  # usually they are
        at = pc.index_in(insights.column("patient_id"), value_set=scored.column("patient_id"))
        scored = scored.take(at)
    return scored, wlm.risk_centiles(insights.column("neighbourhood"), scored.column("risk"))


def _pct(n: int, total: int) -> float:
    return round(100.0 * n / total, 2) if total else 0.0


def run(
    engine: Engine,
    as_of: dt.date | None = None,
    *,
    codelists: pa.Table | None = None,
    write: bool = True,
    progress: Progress | None = None,
) -> RunResult:
    """Run the whole pipeline on ``engine``; write the insight tables to its lake when ``write``."""
    as_of = as_of or DEFAULT_AS_OF
    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    t_start = time.perf_counter()
    clock = [t_start]

    def lap(name: str) -> None:
        now = time.perf_counter()
        timings[name] = round(now - clock[0], 3)
        clock[0] = now

    say("checking inputs")
    inputs = load_inputs(engine, codelists)
    lap("load_inputs")

    tables: dict[str, pa.Table] = {}
    # Work for one core (compiling queries, fitting and scoring in numpy, and queries that read only
    # the sources, which the engine runs beside the main ones) runs on a helper thread while the
    # engine runs queries here; each helper task is needed only after the queries beside it.
    with ThreadPoolExecutor(max_workers=1) as helper:
        dups = duplicate_patients(inputs["patients"])
        checking = helper.submit(
            engine.fetch_beside, dups.aggregate(n=dups.count(), example=dups.patient_id.min())
        )
        # the population reads only the sources: the engine builds it beside the summary
        building = helper.submit(
            engine.cache_beside, population_at(inputs, as_of), _unique_name(engine, "nhc_population")
        )
        training_q: list[Future] = []
        sample: dict[str, Any] = {}

        def training_sample(pop: ir.Table) -> float:
            # The people the model learns from, chosen as soon as the population is known, so
            # that derive reads their history in its passes over prescriptions and encounters.
            dup = checking.result().to_pylist()[0]
            check_unique_patients(int(dup["n"] or 0), dup["example"])
            n_pop = int(engine.to_arrow(pop.aggregate(n=pop.count())).column("n")[0].as_py())
            fraction = sample["fraction"] = risk.sample_fraction(n_pop)
            # their population a year earlier reads only the sources: the engine builds it beside
            # the passes over prescriptions and encounters
            sample["pop0"] = helper.submit(
                engine.cache_beside,
                training_population(inputs, as_of, fraction),
                _unique_name(engine, "nhc_training_population"),
            )
            lap("risk.training_population")
            return fraction

        def prepare_training(blocks: Ahead) -> None:
            # built as soon as its inputs are, and compiled on the helper while the engine builds
            # the remaining blocks
            def training_query() -> Any:
                return engine.compile(
                    risk_training(
                        inputs,
                        blocks.summary,
                        blocks.utilisation,
                        sample["pop0"].result(),  # an earlier task of this thread: done
                        as_of,
                        sample["fraction"],
                        earlier_utilisation=blocks.earlier_utilisation,
                        earlier_medicines=blocks.earlier_medicines,
                    )
                )

            training_q.append(helper.submit(training_query))

        say("joining events to codelists")
        derived = derive(
            inputs,
            as_of,
            lap=lap,
            training=training_sample,
            ahead=prepare_training,
            built_population=building.result,
        )
        # everyone's facts and groups come to Arrow once; the risk scores join them there, and the
        # cube and worklists read that Arrow table back (zero-copy on DuckDB)
        wanted = {*INSIGHT_COLUMNS, *risk.INPUT_COLUMNS, *wlm.input_columns()}

        def later() -> list[Any]:
            # built and compiled on the helper while the engine builds the training features and
            # checks the data quality
            ins = derived.insights
            exprs = (ins.select(*[c for c in ins.columns if c in wanted]), derived.evidence)
            return [engine.compile(e) for e in exprs]

        compiling = helper.submit(later)
        say("fitting the risk model")
        training = engine.fetch(training_q[0].result())
        lap("risk.training_features")
        fitting = helper.submit(risk.train, training)
        say("checking data quality")
        quality = engine.to_arrow(data_quality(inputs, as_of)).to_pylist()[0]
        lap("insights.data_quality")
        segment_q, evidence_q = compiling.result()
        say("segmenting the population")
        segmented = engine.fetch(segment_q)
        lap("insights.segment")
        current = engine.to_arrow(risk.risk_features(ibis.memtable(segmented)))
        model = fitting.result()
        lap("risk.features_and_fit")
        scoring = helper.submit(_score_in_order, model, current, segmented)
        say("collecting the evidence")
        tables["patient_evidence"] = engine.fetch(evidence_q)
        lap("insights.evidence")
        # the cube needs no risk, so the engine builds it while the helper finishes the scores
        say("building the cube")
        cube_q = cube.cube(ibis.memtable(segmented)).mutate(as_of=ibis.literal(as_of))
        tables["population_cube"] = engine.to_arrow(cube_q)
        lap("insights.cube")
        scored, centiles = scoring.result()
        lap("risk.score")
        # the run summary's counts need no risk either: the helper makes them beside the worklists
        counting = helper.submit(population_counts, segmented)

        say("building insights and worklists")
        full = segmented.append_column("risk", scored.column("risk"))
        full = full.append_column("risk_factors", scored.column("risk_factors"))
        full = full.append_column("as_of", pa.array([as_of] * full.num_rows, type=pa.date32()))
        lap("insights.join_scores")
        tables["patient_insights"] = full.select([*INSIGHT_COLUMNS, "risk", "risk_factors", "as_of"])
        full_t = ibis.memtable(full.append_column("risk_centile_in_neighbourhood", centiles))
        tables["worklists"] = engine.to_arrow(wlm.worklists(full_t).mutate(as_of=ibis.literal(as_of)))
        lap("insights.worklists")
        counts = counting.result()
    mt = model.table()
    tables["risk_model"] = mt.append_column("as_of", pa.array([as_of] * mt.num_rows, type=pa.date32()))

    summary = summarise(counts, quality, model, tables["worklists"], training.num_rows)
    tables["analytics_run"] = pa.table(
        {
            "item": list(summary),
            "value": [json.dumps(v, default=str) for v in summary.values()],
            "as_of": pa.array([as_of] * len(summary), type=pa.date32()),
        }
    )
    if write and engine.lake is not None:
        say("writing insight tables to the lake")
        for name, table in tables.items():
            engine.lake.write(name, table)
        lap("write")
    _drop_loaded(engine)
    result = RunResult(as_of, engine.name, summary, tables, model, time.perf_counter() - t_start, timings)
    result.summary["timings"] = timings
    return result


def population_counts(ins: pa.Table) -> dict[str, Any]:
    """The run summary's counts of everyone (bands, PNGs, pyramid, eFI at 65+, registers), from the
    Arrow insights with pyarrow."""
    n = ins.num_rows

    def counts(col: str, where: pa.ChunkedArray | None = None) -> dict:
        values = ins.column(col) if where is None else ins.column(col).filter(where)
        return {v["values"]: v["counts"] for v in pc.value_counts(values).to_pylist()}

    band_counts = counts("band")
    bands = [
        {
            "band": b,
            "count": band_counts.get(b, 0),
            "percent": _pct(band_counts.get(b, 0), n),
            "target_percent": round(100 * segmentation.BAND_TARGETS[b], 1),
            "oxfordshire_count": segmentation.BAND_TARGET_COUNTS[b],
        }
        for b in ("low", "moderate", "high")
    ]
    png_counts = counts("png")
    pngs = [
        {
            "png": k,
            "name": segmentation.PNG_NAMES[k],
            "band": segmentation.BANDS[k],
            "count": png_counts.get(k, 0),
            "percent": _pct(png_counts.get(k, 0), n),
        }
        for k in sorted(segmentation.PNG_NAMES)
    ]
    tier_counts = counts("pyramid_tier")
    pyramid = [
        {
            "tier": k,
            "name": segmentation.PYRAMID_NAMES[k],
            "count": tier_counts.get(k, 0),
            "percent": _pct(tier_counts.get(k, 0), n),
            "target_percent": round(100 * segmentation.PYRAMID_TARGETS[k], 2),
            "per_40000": round(40_000 * tier_counts.get(k, 0) / n) if n else 0,
        }
        for k in (4, 3, 2, 1)
    ]

    old = pc.greater_equal(ins.column("age"), 65)
    n65 = int(pc.sum(pc.cast(old, pa.int64())).as_py() or 0)
    efi_counts = counts("efi_category", old)
    efi65 = [
        {
            "category": k,
            "count": efi_counts.get(k, 0),
            "percent": _pct(efi_counts.get(k, 0), n65),
            "published_percent": round(100 * v),
        }
        for k, v in EFI_PRIOR_65.items()
    ]
    # the "; "-joined register lists are counted whole, then each distinct list (a few thousand at
    # county size) is split (a regex per register, or splitting every person's list, costs more)
    reg_totals: dict[str, int] = {}
    for v in pc.value_counts(ins.column("registers").fill_null("")).to_pylist():
        for name in (v["values"] or "").split("; "):
            if name:
                reg_totals[name] = reg_totals.get(name, 0) + int(v["counts"])
    return {
        "population": n,
        "bands": bands,
        "patient_need_groups": pngs,
        "pyramid": pyramid,
        "efi_65_plus": {"people_65_plus": n65, "categories": efi65},
        "registers": {r: reg_totals.get(r, 0) for r in registers.REGISTER_NAMES},
    }


def summarise(
    counts: dict[str, Any], quality: dict, model: risk.RiskModel, worklists: pa.Table, n_training: int
) -> dict[str, Any]:
    """The run summary (small): :func:`population_counts`, the model, worklists and exclusions."""
    wl = worklists.group_by("worklist").aggregate([("worklist", "count")]).to_pylist()
    return {
        **counts,
        "risk_model": {
            "auroc": round(model.auroc, 4) if model.auroc == model.auroc else None,
            "outcome_rate": round(model.outcome_rate, 4) if n_training else None,
            "n_train": model.n_train,
            "n_test": model.n_test,
            "calibration": model.calibration,
        },
        "worklists": {r["worklist"]: r["worklist_count"] for r in wl},
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
