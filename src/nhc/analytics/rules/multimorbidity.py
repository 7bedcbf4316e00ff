"""Cambridge Multimorbidity Score (CMS) and the count of long-term conditions.

Payne RA, Mendonca SC, Elliott MN, et al. Development and validation of the Cambridge Multimorbidity
Score. CMAJ 2020;192(5):E107-E114. doi:10.1503/cmaj.190757. General-outcome weights (the
20-condition simplified score) as reported there.

A condition counts when any code of its clusters was recorded on or before as-of ("ever coded").
Payne's definitions add time windows and prescription criteria (for example asthma, painful
condition, constipation and IBS are defined by recent prescriptions); we do not apply those.
Conditions we have no codelist for score zero and are listed in :data:`MISSING_CONDITIONS`, in the
pipeline's output metadata and in docs/analytics.md.
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
class CmsCondition:
    name: str
    weight: float
    clusters: tuple[str, ...]
    note: str = ""


CMS_CONDITIONS: tuple[CmsCondition, ...] = (
    CmsCondition(
        "alcohol", 0.65, ("alcohol-heavy-drinker",), "heavy drinking code, not Payne's alcohol problems set"
    ),
    CmsCondition("anxiety_depression", 0.50, ("anxiety", "depression", "depr_cod")),
    CmsCondition("atrial_fibrillation", 1.34, ("afib_cod",)),
    CmsCondition("cancer", 1.53, ("c19can_cod", "c19haemcan_cod", "cancer")),
    CmsCondition("ckd", 0.53, ("ckd_cod",)),
    CmsCondition(
        "connective_tissue", 0.43, ("rarth_cod",), "rheumatoid arthritis only (no SLE/other codelist)"
    ),
    CmsCondition("copd", 1.46, ("copd_cod",)),
    CmsCondition("chd", 0.49, ("chd_cod",)),
    CmsCondition("dementia", 2.50, ("dem_cod",)),
    CmsCondition("diabetes", 0.75, ("dm_cod",)),
    CmsCondition("epilepsy", 0.92, ("epil_cod",)),
    CmsCondition("hearing_loss", 0.09, ("efi-hearing-loss",), "eFI hearing-loss set"),
    CmsCondition("heart_failure", 1.18, ("hf_cod",)),
    CmsCondition("ibs", 0.21, ()),
    CmsCondition("psychosis", 0.64, ("mh_cod", "schizophrenia-psychosis")),
    CmsCondition("stroke", 0.80, ("strk_cod",)),
    CmsCondition("asthma", 0.19, ("ast_cod",)),
    CmsCondition("hypertension", 0.08, ("hyp_cod",)),
    CmsCondition("constipation", 1.12, ()),
    CmsCondition(
        "painful_condition", 0.92, ("chronic-pain",), "chronic pain code set, not Payne's analgesic rule"
    ),
)

MISSING_CONDITIONS: tuple[str, ...] = tuple(c.name for c in CMS_CONDITIONS if not c.clusters)


def clusters_read(conditions: tuple[CmsCondition, ...] = CMS_CONDITIONS) -> frozenset[str]:
    """The codelist clusters the Cambridge Multimorbidity Score reads."""
    return frozenset(c for cond in conditions for c in cond.clusters)


def rules_table(conditions: tuple[CmsCondition, ...] = CMS_CONDITIONS) -> pa.Table:
    rows = [(c.name, c.weight, cl) for c in conditions for cl in c.clusters]
    return pa.table(
        {
            "condition": [r[0] for r in rows],
            "weight": [r[1] for r in rows],
            "cluster": [r[2] for r in rows],
        }
    )


def cms_conditions(
    summary: ir.Table,
    as_of: dt.date,
    conditions: tuple[CmsCondition, ...] = CMS_CONDITIONS,
    rules_on_engine: ir.Table | None = None,
) -> ir.Table:
    """Which CMS conditions each patient has: patient_id, condition, weight, code, date (first).

    ``rules_on_engine``: :func:`rules_table` already loaded on the engine (else an in-memory table).
    """
    rt = rules_on_engine if rules_on_engine is not None else ibis.memtable(rules_table(conditions))
    s = summary.filter(summary.first_date <= ibis.literal(as_of))
    j = s.join(rt, s.cluster == rt.cluster)
    return j.group_by(["patient_id", "condition"]).aggregate(
        weight=j.weight.max(), code=earliest(j.first_code, j.first_date), date=j.first_date.min()
    )


def cms(conditions: ir.Table, population: ir.Table) -> ir.Table:
    """CMS per person in ``population``: patient_id, cms (rounded to 2 dp), cms_conditions (count)."""
    per = conditions.group_by("patient_id").aggregate(cms=conditions.weight.sum(), n=conditions.count())
    pop = population.select("patient_id")
    j = pop.left_join(per, "patient_id")
    return j.select(
        pop.patient_id,
        cms=j.cms.fill_null(0.0).round(2),
        cms_conditions=j.n.fill_null(0).cast("int32"),
    )
