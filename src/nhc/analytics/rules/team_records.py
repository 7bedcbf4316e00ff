"""What the neighbourhood team recorded in NHC itself, as the facts' window flags.

A care plan written in NHC, an MDT review held in NHC or a social prescribing referral sent from NHC
is care the person has had, as much as one the practice codes. Without this, a person a link worker
referred today would stay on "frail or isolated, no social prescribing referral" until the practice
coded the referral. The team's records reach the lake as ``care_records`` (``nhc care export-lake``:
:mod:`nhc.lake.tables.operational`); this rule reads them like a coded record:

- a SNOMED CT record counts for a window flag (:data:`~nhc.analytics.rules.facts.WINDOW_FLAGS`) when
  its code is in one of the flag's codelist clusters and its start date is in the flag's window: an
  MDT review (142597007, in ``multidisciplinary-team``) for ``care_plan_12m``, a social prescribing
  referral (871731000000106) for ``social_prescribing_12m``. A referral the service declined or
  never answered is exported with the "declined" code (871711000000103), which no cluster holds: the
  person still has no social prescribing, and stays on the list;
- a personalised care plan (NHC's local code: no verified SNOMED CT concept ships with NHC) counts
  for ``care_plan_12m`` when it was in force at some time in the window: agreed on or before as-of,
  and not ended before the window began.

Records dated after as-of are not read, as for coded events.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import ibis

from nhc.analytics.rules.coded import in_window, window_start
from nhc.analytics.rules.facts import WINDOW_FLAGS
from nhc.lake.tables.operational import SNOMED

if TYPE_CHECKING:
    import ibis.expr.types as ir

#: The flag a personalised care plan recorded in NHC sets, and the record type that is one.
CARE_PLAN_FLAG = "care_plan_12m"
CARE_PLAN_RECORD = "care_plan"


def team_flags(care_records: ir.Table, codelists: ir.Table, as_of: dt.date) -> ir.Table:
    """One row per person with a team record dated on or before as-of: ``patient_id`` and each of
    :data:`~nhc.analytics.rules.facts.WINDOW_FLAGS` by name (true when one of their records sets it;
    a person whose records set none has a row of false flags).

    ``care_records``: the lake's ``care_records``; ``codelists``: ``code``, ``cluster``.
    """
    clusters = sorted({c for f in WINDOW_FLAGS for c in f.clusters})
    cl = codelists.filter(codelists.cluster.isin(clusters)).select(
        team_code=codelists.code.cast("string"), cluster=codelists.cluster.cast("string")
    )
    r = care_records.filter(care_records.start_date <= ibis.literal(as_of))
    # one row per record and cluster its code is in (one with no cluster for a local code, or a
    # code in none of the flags' clusters)
    j = r.left_join(cl, (r.code_system == SNOMED) & (r.code == cl.team_code))
    flags = {
        f.name: (j.cluster.isin(list(f.clusters)) & in_window(j.start_date, as_of, f.days))
        .fill_null(False)
        .any()
        for f in WINDOW_FLAGS
    }
    in_force = (j.record_type == CARE_PLAN_RECORD) & (
        j.end_date.isnull() | (j.end_date > ibis.literal(window_start(as_of)))
    )
    flags[CARE_PLAN_FLAG] = flags[CARE_PLAN_FLAG] | in_force.fill_null(False).any()
    return j.group_by(patient_id=j.patient_id).aggregate(**flags)
