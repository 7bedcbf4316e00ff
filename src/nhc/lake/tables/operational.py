"""Tables the operational areas write into the lake: what the team did, as coded facts.

The operational side reaches analytics only through these tables (``docs/architecture.md``): an export
use case in each area turns its records into rows here, and analytics (outcomes, planning) read them like
any other source. Codes are SNOMED CT where NHC ships a verified concept with its source, and NHC's own
local code system otherwise (never an invented SNOMED id).
"""

from __future__ import annotations

import pyarrow as pa

from nhc.lake.tables.schema import Column, TableSchema

#: The kinds of care record exported, in the order the data dictionary lists them.
CARE_RECORD_TYPES = ("virtual_ward", "care_plan", "mdt_review", "social_prescribing")
#: Facts about how a record went, beside the records themselves (``value`` holds the measurement).
MEASURE_RECORD_TYPES = ("wellbeing_measure",)
SNOMED = "http://snomed.info/sct"
#: NHC's local code system, for records with no verified SNOMED CT concept shipped with NHC.
LOCAL = "urn:nhc:care-record"

CARE_RECORDS = TableSchema(
    "care_records",
    "The neighbourhood team's records as coded facts: virtual-ward stays, personalised care plans, MDT "
    "reviews, social prescribing referrals and their wellbeing measures (ONS4, SWEMWBS), exported from "
    "the operational store (`nhc care export-lake`); the insights read the care plans, MDT reviews and "
    "referrals as they read coded events (worklists), and outcomes and planning count them.",
    (
        Column("patient_id", pa.int64(), "Pseudonymous patient key, unique in the lake."),
        Column(
            "record_type", pa.string(), "Kind of record.", allowed=CARE_RECORD_TYPES + MEASURE_RECORD_TYPES
        ),
        Column("code_system", pa.string(), "Code system URI (SNOMED CT, or NHC's local code system)."),
        Column("code", pa.string(), "Code of the record in its system."),
        Column(
            "start_date",
            pa.date32(),
            "Admission, plan agreed, review held, referral sent or wellbeing measured.",
        ),
        Column(
            "end_date",
            pa.date32(),
            "Discharge, plan ended or referral closed; empty while open.",
            nullable=True,
        ),
        Column(
            "outcome",
            pa.string(),
            "How it ended (discharge outcome, referral status), if it has; for a wellbeing measure, baseline or follow_up.",
            nullable=True,
        ),
        Column("neighbourhood", pa.string(), "Neighbourhood team that holds the record.", nullable=True),
        Column("source_id", pa.string(), "The record's id in the operational store (e.g. episode-12)."),
        Column(
            "value",
            pa.float64(),
            "The measured value of a wellbeing measure: one ONS4 answer 0-10 (code ons4-<question>; "
            "anxiety: lower is better) or the SWEMWBS metric score 7-35 (code swemwbs-metric); "
            "outcome says baseline or follow_up. Empty for other records.",
            nullable=True,
        ),
    ),
    key=("record_type", "source_id"),
)

OPERATIONAL_TABLES: tuple[TableSchema, ...] = (CARE_RECORDS,)
