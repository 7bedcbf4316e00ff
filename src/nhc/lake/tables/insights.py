"""Schemas of the tables the analytics write back to the lake (insights).

Kept apart from the source tables (:mod:`nhc.lake.tables.sources`) so each module holds one idea;
the registry (:mod:`nhc.lake.tables`) merges them. Written by ``nhc run``
(:mod:`nhc.analytics.pipeline`), all together as one generation (:mod:`nhc.lake.publish`).
"""

from __future__ import annotations

import pyarrow as pa

from nhc.lake.tables.schema import Column, TableSchema
from nhc.vocab import BANDS, EFI_CATEGORIES

_PID = Column("patient_id", pa.int64(), "Pseudonymous patient key.")
_AS_OF = Column("as_of", pa.date32(), "The as-of date of the run.")

PATIENT_INSIGHTS = TableSchema(
    "patient_insights",
    "One row per person registered and alive at as-of: segment, need band, scores and their reasons.",
    (
        _PID,
        _AS_OF,
        Column("practice_code", pa.string(), "Practice registered with at as-of."),
        Column("neighbourhood", pa.string(), "Neighbourhood of the practice."),
        Column("locality", pa.string(), "Locality of the practice."),
        Column("age", pa.int32(), "Age in whole years at as-of."),
        Column("age_band", pa.string(), "Age band (0-17, 18-44, 45-64, 65-74, 75-84, 85+)."),
        Column("sex", pa.string(), "Sex."),
        Column(
            "imd_quintile", pa.int32(), "IMD quintile of the small area (1 = most deprived).", nullable=True
        ),
        Column("care_home", pa.bool_(), "Living in a care home at as-of."),
        Column("band", pa.string(), "Need band: low, moderate or high.", allowed=BANDS),
        Column("png", pa.int8(), "Patient Need Group 1-11 (open rules aiming at the ACG groups)."),
        Column("png_name", pa.string(), "Name of the Patient Need Group."),
        Column("png_reason", pa.string(), "Why the person is in their group (the rule and their values)."),
        Column("pyramid_tier", pa.int8(), "Neighbourhood pyramid tier 1-4."),
        Column("pyramid_name", pa.string(), "Name of the pyramid tier."),
        Column("efi_deficits", pa.int32(), "Number of eFI deficits (of 36)."),
        Column("efi_score", pa.float64(), "Electronic Frailty Index: deficits / 36."),
        Column("efi_category", pa.string(), "eFI category.", allowed=EFI_CATEGORIES),
        Column("cms", pa.float64(), "Cambridge Multimorbidity Score (general outcome weights)."),
        Column("ltc_count", pa.int32(), "Number of long-term-condition registers the person is on."),
        Column("registers", pa.string(), "The registers the person is on, separated by '; '."),
        Column("frailty_markers", pa.int32(), "Number of frailty markers (PNG 11)."),
        Column("emergency_admissions_12m", pa.int32(), "Emergency admissions in the 12 months before as-of."),
        Column("ae_12m", pa.int32(), "A&E attendances in the 12 months before as-of."),
        Column(
            "risk",
            pa.float64(),
            "Predicted probability of an emergency admission in the next 12 months.",
            nullable=True,
        ),
        Column(
            "risk_factors",
            pa.string(),
            "Top factors raising the risk (contribution to log-odds).",
            nullable=True,
        ),
    ),
    key=("patient_id",),
)

PATIENT_EVIDENCE = TableSchema(
    "patient_evidence",
    "The codes and dates behind each person's registers, eFI deficits, CMS conditions and frailty markers.",
    (
        _PID,
        Column("kind", pa.string(), "register, efi, cms or frailty_marker."),
        Column("item", pa.string(), "The register, deficit, condition or marker."),
        Column(
            "code",
            pa.string(),
            "The SNOMED CT code that put it there (empty for polypharmacy).",
            nullable=True,
        ),
        Column("date", pa.date32(), "First date recorded (last issue for polypharmacy).", nullable=True),
        Column("detail", pa.string(), "Extra detail (weight, number of medicines...).", nullable=True),
    ),
)

POPULATION_CUBE = TableSchema(
    "population_cube",
    "Counts of people by band, PNG, age band, sex, IMD quintile and geography, disclosure-controlled "
    "(7 or fewer suppressed, others rounded to 5).",
    (
        Column("grouping", pa.string(), "The dimensions grouped on ('+'-separated); others read 'All'."),
        Column("band", pa.string(), "Need band or All."),
        Column("png", pa.string(), "Patient Need Group or All."),
        Column("age_band", pa.string(), "Age band or All."),
        Column("sex", pa.string(), "Sex or All."),
        Column("imd_quintile", pa.string(), "IMD quintile or All."),
        Column("practice_code", pa.string(), "Practice or All."),
        Column("neighbourhood", pa.string(), "Neighbourhood or All."),
        Column("locality", pa.string(), "Locality or All."),
        Column("count", pa.int64(), "People (empty = suppressed, 7 or fewer).", nullable=True),
        _AS_OF,
    ),
)

WORKLISTS = TableSchema(
    "worklists",
    "Case-finding worklists: people meeting each worklist's criteria, ranked within their neighbourhood.",
    (
        Column("worklist", pa.string(), "Worklist name."),
        Column("neighbourhood", pa.string(), "Neighbourhood."),
        Column("practice_code", pa.string(), "Practice."),
        _PID,
        Column("rank", pa.int64(), "Rank within the neighbourhood (1 = first to review)."),
        Column("score", pa.float64(), "The value ranked on."),
        Column("reasons", pa.string(), "Why the person is on the worklist, with their values."),
        _AS_OF,
    ),
)

RISK_MODEL = TableSchema(
    "risk_model",
    "The emergency-admission risk model: one row per term with its coefficient (log-odds) and mean.",
    (
        Column("term", pa.string(), "Feature name."),
        Column("label", pa.string(), "Readable label."),
        Column("coefficient", pa.float64(), "Coefficient on the original scale (log-odds per unit)."),
        Column("mean", pa.float64(), "Mean of the feature in the training data."),
        _AS_OF,
    ),
)

RUN_SUMMARY = TableSchema(
    "analytics_run",
    "Metadata of the last analytics run: counts, exclusions, model metrics (values as text/JSON).",
    (
        Column("item", pa.string(), "What is reported."),
        Column("value", pa.string(), "Its value (JSON)."),
        _AS_OF,
    ),
)

INSIGHT_TABLES: tuple[TableSchema, ...] = (
    PATIENT_INSIGHTS,
    PATIENT_EVIDENCE,
    POPULATION_CUBE,
    WORKLISTS,
    RISK_MODEL,
    RUN_SUMMARY,
)
