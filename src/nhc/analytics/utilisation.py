"""Use of services in the 12 months before as-of: A&E, emergency admissions, GP, community, outpatients.

Counts come from the ``encounters`` table (one row per contact; an emergency admission is one
``emergency_admission`` row). "Any activity" also counts coded clinical events and prescription
issues, so someone whose only contact was a repeat prescription is still a user.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from nhc.analytics.coded import in_window, nullable
from nhc.analytics.inputs import require_columns

if TYPE_CHECKING:
    import ibis.expr.types as ir

ENCOUNTER_COUNTS: dict[str, str] = {
    "ae_12m": "ae",
    "emergency_admissions_12m": "emergency_admission",
    "gp_12m": "gp",
    "community_12m": "community",
    "outpatient_12m": "outpatient",
}


def utilisation(encounters: ir.Table, as_of: dt.date) -> ir.Table:
    """patient_id and one count column per encounter type (:data:`ENCOUNTER_COUNTS`) in 12 months."""
    e = require_columns(encounters, "encounters")
    e = e.filter(in_window(e.start_date, as_of))
    return e.group_by("patient_id").aggregate(
        **{col: (e.type == typ).cast("int32").sum() for col, typ in ENCOUNTER_COUNTS.items()}
    )


def active_patients(
    events: ir.Table, medications: ir.Table, encounters: ir.Table, as_of: dt.date
) -> ir.Table:
    """Patients with any encounter, clinical event or prescription issue in the 12 months: patient_id."""
    ev = nullable(events.filter(in_window(events.date, as_of)).select("patient_id"))
    md = nullable(medications.filter(in_window(medications.date, as_of)).select("patient_id"))
    en = nullable(encounters.filter(in_window(encounters.start_date, as_of)).select("patient_id"))
    return ev.union(md).union(en).distinct()
