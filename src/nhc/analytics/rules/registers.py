"""Condition registers, QOF-style.

Each register is a rule held as data (:data:`REGISTERS`): the codelist clusters that put someone on
it, an age limit, an optional "recorded since" date (QOF's fixed start dates), an optional look-back
in days, and the clusters that resolve it (the person is off the register when their latest
resolving code is later than their latest diagnosis code).

Source: NHS Digital, Quality and Outcomes Framework business rules (v46-v49, 2021-2025) and the
primary care domain reference sets (``*_cod`` clusters). The QOF resolved-code clusters
(``dmres_cod``, ``hypres_cod``, ``astres_cod``, ``copdres_cod``, ``ckdres_cod``, ``deprres_cod``,
``mhres_cod``, ``epilres_cod`` ...) are NOT in our codelists, so those registers cannot remove
resolved diagnoses; only palliative care has its resolving set (``palcareni_cod``, "no longer
indicated"). QOF's extra drug-treatment conditions (asthma and epilepsy need a related prescription
in the last 12 months) are not applied: the registers are "ever coded" registers.
The registers beyond QOF (anxiety, chronic pain, osteoarthritis, hypothyroidism, ...) use the
Greater Manchester SDE condition code sets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis
import pyarrow as pa

from nhc.analytics.rules.coded import earliest

if TYPE_CHECKING:
    import ibis.expr.types as ir


@dataclass(frozen=True)
class Register:
    name: str
    label: str
    clusters: tuple[str, ...]
    min_age: int | None = None
    since: dt.date | None = None
    since_applies_to: str = "last"  # "last": latest code on/after since; "first": first diagnosis on/after
    lookback_days: int | None = None
    resolved_by: tuple[str, ...] = ()
    ltc: bool = True  # counts towards the long-term-condition count
    major: bool = False  # a "major chronic condition" for segmentation
    psychiatric: bool = False
    source: str = "QOF business rules v49 (2024/25)"


QOF = "QOF business rules v49 (2024/25)"
GMSDE = "GM SDE clinical code set"

REGISTERS: tuple[Register, ...] = (
    Register("diabetes", "Diabetes", ("dm_cod",), min_age=17, major=True),
    Register("hypertension", "Hypertension", ("hyp_cod",)),
    Register("asthma", "Asthma", ("ast_cod",), min_age=6),
    Register("copd", "COPD", ("copd_cod",), major=True),
    Register("chd", "Coronary heart disease", ("chd_cod",), major=True),
    Register("heart_failure", "Heart failure", ("hf_cod",), major=True),
    Register("atrial_fibrillation", "Atrial fibrillation", ("afib_cod",), major=True),
    Register("stroke_tia", "Stroke or TIA", ("strk_cod",), major=True),
    Register("ckd", "Chronic kidney disease stages 3-5", ("ckd_cod",), min_age=18, major=True),
    Register("dementia", "Dementia", ("dem_cod",), major=True),
    Register(
        "depression", "Depression", ("depr_cod",), min_age=18, since=dt.date(2006, 4, 1), psychiatric=True
    ),
    Register("smi", "Severe mental illness", ("mh_cod",), major=True, psychiatric=True),
    Register("learning_disability", "Learning disability", ("ld_cod",)),
    Register(
        "cancer",
        "Cancer",
        ("c19can_cod", "c19haemcan_cod"),
        since=dt.date(2003, 4, 1),
        since_applies_to="first",
        major=True,
    ),
    Register(
        "palliative_care",
        "Palliative care",
        ("palcare_cod",),
        since=dt.date(2008, 4, 1),
        resolved_by=("palcareni_cod",),
        ltc=False,
    ),
    Register("epilepsy", "Epilepsy", ("epil_cod",), min_age=18, major=True),
    Register("osteoporosis", "Osteoporosis", ("osteo_cod",), min_age=50),
    Register("pad", "Peripheral arterial disease", ("pad_cod",), major=True),
    Register("rheumatoid_arthritis", "Rheumatoid arthritis", ("rarth_cod",), min_age=16),
    Register("ndh", "Non-diabetic hyperglycaemia", ("ndh_cod",), min_age=18, ltc=False),
    Register("anxiety", "Anxiety", ("anxiety",), psychiatric=True, source=GMSDE),
    Register("chronic_pain", "Chronic pain", ("chronic-pain",), source=GMSDE),
    Register("osteoarthritis", "Osteoarthritis", ("osteoarthritis",), source=GMSDE),
    Register("hypothyroidism", "Hypothyroidism", ("hypothyroidism",), source=GMSDE),
)

REGISTER_NAMES: tuple[str, ...] = tuple(r.name for r in REGISTERS)
LTC_REGISTERS: tuple[str, ...] = tuple(r.name for r in REGISTERS if r.ltc)
MAJOR_REGISTERS: tuple[str, ...] = tuple(r.name for r in REGISTERS if r.major)
PSYCHIATRIC_REGISTERS: tuple[str, ...] = tuple(r.name for r in REGISTERS if r.psychiatric)


def rules_table(registers: tuple[Register, ...] = REGISTERS) -> pa.Table:
    """The register rules as a small table: one row per (register, cluster, role)."""
    rows: dict[str, list] = {
        k: [] for k in ("register", "cluster", "role", "min_age", "since", "since_first", "lookback_days")
    }
    for r in registers:
        for role, clusters in (("diagnosis", r.clusters), ("resolved", r.resolved_by)):
            for c in clusters:
                rows["register"].append(r.name)
                rows["cluster"].append(c)
                rows["role"].append(role)
                rows["min_age"].append(r.min_age if r.min_age is not None else 0)
                rows["since"].append(r.since or dt.date(1900, 1, 1))
                rows["since_first"].append(r.since_applies_to == "first")
                rows["lookback_days"].append(r.lookback_days if r.lookback_days is not None else 1_000_000)
    return pa.table(
        rows,
        schema=pa.schema(
            [
                ("register", pa.string()),
                ("cluster", pa.string()),
                ("role", pa.string()),
                ("min_age", pa.int32()),
                ("since", pa.date32()),
                ("since_first", pa.bool_()),
                ("lookback_days", pa.int32()),
            ]
        ),
    )


def clusters_read(rules: tuple[Register, ...] = REGISTERS) -> frozenset[str]:
    """The codelist clusters the register rules read (diagnosis and resolved codes)."""
    return frozenset(c for r in rules for c in (*r.clusters, *r.resolved_by))


def registers(
    summary: ir.Table,
    population: ir.Table,
    as_of: dt.date,
    rules: tuple[Register, ...] = REGISTERS,
    rules_on_engine: ir.Table | None = None,
) -> ir.Table:
    """Long table of register membership: patient_id, register, first_date, last_date, code.

    ``summary`` is :func:`nhc.analytics.rules.coded.cluster_summary` output (codes up to ``as_of``);
    ``population`` gives ages (``patient_id, age``). ``code`` is the first diagnosis code.
    ``rules_on_engine`` is :func:`rules_table` already loaded on the engine (the pipeline passes it);
    without it the rules go in as an in-memory table.
    """
    rt = rules_on_engine if rules_on_engine is not None else ibis.memtable(rules_table(rules))
    s = summary.filter(summary.first_date <= ibis.literal(as_of))
    j = s.join(rt, s.cluster == rt.cluster)
    diag = j.role == "diagnosis"
    per = j.group_by(["patient_id", "register"]).aggregate(
        first_date=j.first_date.min(where=diag),
        last_date=j.last_date.max(where=diag),
        code=earliest(j.first_code, j.first_date, where=diag),
        resolved_date=j.last_date.max(where=~diag),
    )
    # the rule's limits are the same on each of its rows: joined once per register, not aggregated
    limits = rt.group_by(rt.register.name("register_")).aggregate(
        min_age=rt.min_age.max(),
        since=rt.since.max(),
        since_first=rt.since_first.max(),
        lookback_days=rt.lookback_days.max(),
    )
    per = per.join(limits, per.register == limits.register_).drop("register_")
    per = per.filter(per.first_date.notnull())
    per = per.filter(per.resolved_date.isnull() | (per.resolved_date < per.last_date))
    per = per.filter(ibis.cases((per.since_first, per.first_date), else_=per.last_date) >= per.since)
    days_since_last = ibis.literal(as_of).delta(per.last_date, unit="day")
    per = per.filter((per.lookback_days >= 1_000_000) | (days_since_last < per.lookback_days))
    pop = population.select("patient_id", "age")
    per = per.join(pop, "patient_id")
    per = per.filter(per.age >= per.min_age)
    return per.select("patient_id", "register", "first_date", "last_date", "code")


def register_bits(regs: ir.Table, names: tuple[str, ...] = REGISTER_NAMES) -> ir.IntegerValue:
    """Each row's register as one bit of a 64-bit mask (bit i for ``names[i]``).

    With one row per patient and register, the sum of a patient's bits is their bitwise or (which
    Ibis cannot compile for Spark): the registers they are on, in one aggregate.
    """
    if len(names) > 62:  # one bit per register in a 64-bit integer
        raise ValueError(f"register masks take at most 62 registers, got {len(names)}")
    return regs.register.cases(*[(n, 1 << i) for i, n in enumerate(names)], else_=0).cast("int64")


def flags_from_masks(per_patient: ir.Table, names: tuple[str, ...] = REGISTER_NAMES) -> ir.Table:
    """``per_patient`` (one row per patient, its registers in column ``mask``, see
    :func:`register_bits`) with the mask replaced by a boolean column per register, ``registers``
    (the names, sorted, joined by '; '), ``ltc_count``, ``major_count`` and ``psych_count``.

    These are worked out once per distinct mask (a few thousand combinations of registers) and
    joined back.
    """
    combos = per_patient.select("mask").distinct()
    flags = {f"reg_{n}": (combos.mask & (1 << i)) != 0 for i, n in enumerate(names)}

    def count(group: tuple[str, ...]) -> ir.IntegerValue:
        return sum(flags[f"reg_{n}"].cast("int32") for n in names if n in group).cast("int32")

    text = ibis.literal("; ").join(
        [flags[f"reg_{n}"].ifelse(ibis.literal(n), ibis.null("string")) for n in sorted(names)]
    )
    combos = combos.select(
        "mask",
        **flags,
        ltc_count=count(LTC_REGISTERS),
        major_count=count(MAJOR_REGISTERS),
        psych_count=count(PSYCHIATRIC_REGISTERS),
        registers=text,
    )
    return per_patient.join(combos, "mask").select(
        *[c for c in per_patient.columns if c != "mask"], *[c for c in combos.columns if c != "mask"]
    )


def register_flags(regs: ir.Table, names: tuple[str, ...] = REGISTER_NAMES) -> ir.Table:
    """Wide form: one row per patient with a boolean column per register, ``registers`` (the names,
    sorted, joined by '; '), ``ltc_count``, ``major_count`` and ``psych_count``.

    ``regs`` has one row per patient and register (:func:`registers`).
    """
    # one aggregate per patient (a bit mask) instead of a boolean aggregate per register
    per_patient = regs.group_by("patient_id").aggregate(mask=register_bits(regs, names).sum())
    return flags_from_masks(per_patient, names)
