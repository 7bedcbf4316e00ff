"""Per-patient facts: one wide row per person combining the building blocks.

Segmentation, the pyramid, worklists and the cube all read this table, so each of their rules is a
condition on named columns that an analyst can inspect. The time-windowed flags are data
(:data:`WINDOW_FLAGS`): a flag is true when a code of its clusters was last recorded within the
window before as-of, or the team's own records say so (:mod:`nhc.analytics.rules.team_records`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis

from nhc.analytics.rules.coded import in_window
from nhc.analytics.rules.frailty import N_DEFICITS, category_expr
from nhc.analytics.rules.registers import REGISTER_NAMES, flags_from_masks, register_bits

if TYPE_CHECKING:
    import ibis.expr.types as ir


@dataclass(frozen=True)
class WindowFlag:
    name: str
    clusters: tuple[str, ...]
    days: int
    description: str


WINDOW_FLAGS: tuple[WindowFlag, ...] = (
    WindowFlag(
        "pregnancy_code", ("pregnancy-antenatal",), 280, "antenatal/pregnancy code in the last 40 weeks"
    ),
    WindowFlag("delivery_code", ("pregnancy-delivery",), 280, "delivery code in the last 40 weeks"),
    WindowFlag(
        "pregnancy_complication",
        ("gestational-diabetes", "pre-eclampsia"),
        280,
        "gestational diabetes or pre-eclampsia in the last 40 weeks",
    ),
    WindowFlag("selfharm_12m", ("selfharm-episodes",), 365, "self-harm episode in 12 months"),
    WindowFlag(
        "care_plan_12m",
        ("multidisciplinary-team", "dementia-care-plan", "cancer-multidisciplinary-team"),
        365,
        "care plan or multidisciplinary team code in 12 months, or a care plan in force or MDT review held "
        "in NHC then",
    ),
    WindowFlag("medication_review_12m", ("medication-review-basic",), 365, "medication review in 12 months"),
    WindowFlag("hba1c_12m", ("hba1c",), 365, "HbA1c recorded in 12 months"),
    WindowFlag(
        "end_of_life_12m",
        ("palliative-and-end-of-life-care", "hospice-mentions"),
        365,
        "end-of-life care or hospice code in 12 months",
    ),
    WindowFlag(
        "social_prescribing_12m",
        ("social-care-prescribing-referral",),
        365,
        "referral to social prescribing in 12 months, coded or sent from NHC",
    ),
    WindowFlag(
        "social_vulnerability_12m",
        ("efi-social-vulnerability",),
        365,
        "lives alone, lonely, bereaved or another social vulnerability coded in 12 months",
    ),
)

# Frailty markers for Patient Need Group 11, modelled on the ACG System's frailty concepts
# (malnutrition/weight loss, dementia, impaired vision, decubitus ulcer, incontinence, social
# vulnerability, difficulty walking, falls) with the eFI code sets. Like the ACG System, which looks at
# a 12-month observation period, a marker counts when coded in the 12 months before as-of.
FRAILTY_MARKER_DAYS = 365
FRAILTY_MARKERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("weight loss", ("efi-weight-loss",)),
    ("cognitive problems or dementia", ("efi-cognitive-problems", "dem_cod")),
    ("vision problems", ("efi-vision-problems",)),
    ("skin ulcer", ("efi-skin-ulcer",)),
    ("urinary incontinence", ("efi-urinary-incontinence",)),
    ("social vulnerability", ("efi-social-vulnerability",)),
    ("mobility problems", ("efi-mobility-problems",)),
    ("falls", ("efi-falls", "falls")),
    ("housebound", ("efi-housebound",)),
    ("care requirement", ("efi-care-requirement",)),
)


#: Prefix of the team's flags while they are joined to the facts (:func:`patient_facts`).
TEAM = "team_"

# read for their latest date or value, beside the flags' and markers' clusters
DATE_AND_VALUE_CLUSTERS = ("pregnancy-antenatal", "pregnancy-delivery", "hba1c")


def clusters_read() -> frozenset[str]:
    """The codelist clusters :func:`cluster_facts` reads."""
    out = {c for f in WINDOW_FLAGS for c in f.clusters} | {c for _, cs in FRAILTY_MARKERS for c in cs}
    return frozenset(out | set(DATE_AND_VALUE_CLUSTERS))


def cluster_facts(summary: ir.Table, as_of: dt.date) -> ir.Table:
    """One pass over the cluster summary: window flags, frailty markers, latest HbA1c.

    People with none of these clusters get no row (:func:`patient_facts` fills their gaps).
    ``summary`` has one row per patient and cluster (:func:`nhc.analytics.rules.coded.summarise`).
    """
    # Each (flag, cluster) pair gets its own bit. A row (one patient, one cluster) adds the bits of
    # the pairs whose window holds its last date; as a patient has one row per cluster, no bit is
    # added twice, so the sum over the patient's rows is the bitwise or of them. A flag is then a
    # test of its pairs' bits: one aggregate instead of a boolean aggregate per flag and marker.
    flags = [(f.name, f.clusters, f.days) for f in WINDOW_FLAGS]
    flags += [(f"fm_{i}", clusters, FRAILTY_MARKER_DAYS) for i, (_, clusters) in enumerate(FRAILTY_MARKERS)]
    pairs = [(name, cluster, days) for name, clusters, days in flags for cluster in clusters]
    if len(pairs) > 62:
        raise ValueError(
            f"cluster_facts packs at most 62 (flag, cluster) pairs in a bit mask, got {len(pairs)}"
        )
    wanted = sorted(clusters_read())
    # a few dozen clusters of the hundreds summarised: filter first, aggregate far fewer rows
    s = summary.filter(summary.cluster.isin(wanted))
    zero = ibis.literal(0, type="int64")
    bits_by_cluster: dict[str, ir.IntegerValue] = {}
    for i, (_, cluster, days) in enumerate(pairs):
        bit = in_window(s.last_date, as_of, days).ifelse(ibis.literal(1 << i, type="int64"), zero)
        bits_by_cluster[cluster] = bits_by_cluster[cluster] + bit if cluster in bits_by_cluster else bit
    row_bits = s.cluster.cases(*bits_by_cluster.items(), else_=zero)
    out = s.group_by("patient_id").aggregate(
        mask=row_bits.sum(),
        pregnancy_last=s.last_date.max(where=s.cluster == "pregnancy-antenatal"),
        delivery_last=s.last_date.max(where=s.cluster == "pregnancy-delivery"),
        hba1c_last_value=s.last_value.max(where=s.cluster == "hba1c"),
        hba1c_last_date=s.last_value_date.max(where=s.cluster == "hba1c"),
    )
    masks = {name: 0 for name, _, _ in flags}
    for i, (name, _, _) in enumerate(pairs):
        masks[name] |= 1 << i
    has = {name: (out.mask & m) != 0 for name, m in masks.items()}
    markers = sum(has[f"fm_{i}"].cast("int32") for i in range(len(FRAILTY_MARKERS))).cast("int32")
    pregnant = has["pregnancy_code"] & (out.delivery_last.isnull() | (out.delivery_last < out.pregnancy_last))
    return out.select(
        "patient_id",
        **{f.name: has[f.name] for f in WINDOW_FLAGS},
        pregnancy_last=out.pregnancy_last,
        delivery_last=out.delivery_last,
        **{f"fm_{i}": has[f"fm_{i}"] for i in range(len(FRAILTY_MARKERS))},
        hba1c_last_value=out.hba1c_last_value,
        hba1c_last_date=out.hba1c_last_date,
        frailty_markers=markers,
        pregnant=pregnant,
    )


def condition_facts(regs: ir.Table, deficits: ir.Table, cms_conditions: ir.Table) -> ir.Table:
    """Registers, eFI and CMS per person, from their long tables in one aggregate.

    ``regs``: :func:`nhc.analytics.rules.registers.registers`; ``deficits``:
    :func:`nhc.analytics.rules.frailty.efi_deficits`; ``cms_conditions``:
    :func:`nhc.analytics.rules.multimorbidity.cms_conditions` (each one row per person and item). Gives
    what :func:`~nhc.analytics.rules.registers.register_flags`, :func:`~nhc.analytics.rules.frailty.efi` and
    :func:`~nhc.analytics.rules.multimorbidity.cms` give, for the people in any of the three (the others
    are filled by :func:`patient_facts`): one block to join onto everyone instead of three.
    """
    zero, none = ibis.literal(0, type="int64"), ibis.literal(0.0, type="float64")
    one = ibis.literal(1, type="int64")
    d, c = deficits, cms_conditions
    rows = regs.select("patient_id", mask=register_bits(regs), deficit=zero, weight=none, condition=zero)
    rows = rows.union(d.select("patient_id", mask=zero, deficit=one, weight=none, condition=zero))
    rows = rows.union(
        c.select("patient_id", mask=zero, deficit=zero, weight=c.weight.cast("float64"), condition=one)
    )
    per = rows.group_by("patient_id").aggregate(
        mask=rows.mask.sum(), n=rows.deficit.sum(), cms=rows.weight.sum(), conditions=rows.condition.sum()
    )
    t = flags_from_masks(per)
    n = t.n.cast("int32")
    return t.mutate(
        efi_deficits=n,
        efi_score=n.cast("float64") / N_DEFICITS,
        efi_category=category_expr(n),
        cms=t.cms.round(2),
        cms_conditions=t.conditions.cast("int32"),
    ).drop("n", "conditions")


def patient_facts(
    population: ir.Table,
    flags: ir.Table | None = None,
    efi: ir.Table | None = None,
    cms: ir.Table | None = None,
    utilisation: ir.Table | None = None,
    active: ir.Table | None = None,
    clusters: ir.Table | None = None,
    team: ir.Table | None = None,
) -> ir.Table:
    """Join the per-patient blocks onto the population (everyone in it gets a row; gaps become 0/false).

    Blocks passed as ``None`` are left out (the risk model's history-date facts need only some).
    ``team``: the window flags set by the team's own records
    (:func:`nhc.analytics.rules.team_records.team_flags`), or'ed into the coded ones.
    """
    if team is not None:
        team = team.rename({f"{TEAM}{f.name}": f.name for f in WINDOW_FLAGS})
    # one join chain and one projection (cheaper for Ibis to build and compile than a join per block)
    blocks = [b for b in (flags, efi, cms, utilisation, clusters, team) if b is not None]
    if active is not None:
        blocks.append(active.select("patient_id", active_12m=ibis.literal(True)))
    p = population
    j = p
    for b in blocks:
        j = j.left_join(b, p.patient_id == b.patient_id)
    cols = {c: p[c] for c in p.columns}
    for b in blocks:
        cols.update({c: b[c] for c in b.columns if c != "patient_id"})
    t = j.select(**cols)
    fill: dict[str, object] = {f"reg_{n}": False for n in REGISTER_NAMES}
    fill.update(
        {
            c: 0
            for c in (
                "ltc_count",
                "major_count",
                "psych_count",
                "efi_deficits",
                "cms_conditions",
                "frailty_markers",
                "ae_12m",
                "emergency_admissions_12m",
                "gp_12m",
                "community_12m",
                "outpatient_12m",
                "encounters_12m",
            )
        }
    )
    fill.update({f.name: False for f in WINDOW_FLAGS})
    fill.update(
        {
            "pregnant": False,
            "active_12m": False,
            "efi_score": 0.0,
            "cms": 0.0,
            "efi_category": "fit",
            "registers": "",
        }
    )
    fill.update({f"{TEAM}{f.name}": False for f in WINDOW_FLAGS})
    t = t.mutate(**{k: t[k].fill_null(v) for k, v in fill.items() if k in t.columns})
    if team is not None:
        coded = [f.name for f in WINDOW_FLAGS if f.name in t.columns]
        t = t.mutate(**{n: t[n] | t[f"{TEAM}{n}"] for n in coded})
        t = t.drop(*[f"{TEAM}{f.name}" for f in WINDOW_FLAGS])
    drop = [c for c in t.columns if c.startswith("fm_") or c in ("pregnancy_last", "delivery_last")]
    if drop:
        t = t.drop(*drop)
    if "pregnant" in t.columns:
        # pregnancy applies to women of child-bearing age only (guards against miscoding)
        t = t.mutate(pregnant=t.pregnant & (t.sex == "F") & (t.age >= 12) & (t.age <= 55))
    return t
