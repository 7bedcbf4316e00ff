"""The National Diabetes Audit's care processes and treatment targets, person by person.

The monthly indicators (:mod:`nhc.outcomes.catalogue`) count people; a team acting on them needs to
know *who* is missing what. These rules answer that for one as-of date, in pure Ibis (any engine):

* :func:`on_register` — the people on the diabetes register (a ``dm_cod`` code on or before the
  as-of date; or another audit's register), aged 17+, registered with a practice and alive on that date, with the practice,
  neighbourhood and the details a person is shown by (name, age, NHS number);
* :func:`care_processes` — for each of them, the date of the latest of each of the eight care
  processes in the audit's 15-month window (the 15 calendar months ending with the as-of month:
  1 January 2025 to 31 March 2026 for 31 March 2026), how many are done and missing, and the three
  treatment targets (latest HbA1c 58 mmol/mol or less; latest blood pressure 140/80 or less; a
  statin issued in the window) — the same definitions as the catalogue's indicators;
* :func:`due_next` — what is due next for one person (a process is due a year after it was done).

The same shape serves COPD and asthma (:data:`AUDITS`): a register, the processes checked (one: the
annual review, QOF COPD010 and AST007) and the window they are counted in (12 months); the
treatment targets are diabetes's alone.

Targets are ``None`` when there is nothing to judge them by (no HbA1c, or no systolic and
diastolic, in the window), so "not measured" is never shown as "not met".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis

from nhc.analytics.rules.inputs import require_columns
from nhc.outcomes.catalogue import CARE_PROCESSES, EVENT_GROUPS, NDA_WINDOW, YEAR

if TYPE_CHECKING:
    import ibis.expr.types as ir

PROCESS_GROUPS = tuple(g for g, _, _ in CARE_PROCESSES)
#: Groups read besides the eight: the targets' readings and the statin.
TARGET_GROUPS = ("systolic", "diastolic", "statin")
HBA1C_TARGET = 58.0
SYSTOLIC_TARGET = 140.0
DIASTOLIC_TARGET = 80.0


@dataclass(frozen=True)
class Audit:
    """What is checked for the people of one register: ``processes`` ((event group, short name,
    title) each), counted in the ``window`` calendar months ending with the as-of month; with the
    diabetes treatment targets when ``targets``."""

    name: str
    cluster: str  # the register's codelist cluster
    min_age: int
    processes: tuple[tuple[str, str, str], ...]
    window: int
    targets: bool = False

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(g for g, _, _ in self.processes)


DIABETES = Audit("diabetes", "dm_cod", 17, CARE_PROCESSES, NDA_WINDOW, targets=True)
COPD = Audit("copd", "copd_cod", 0, (("copd_review", "review", "a COPD review"),), YEAR)
ASTHMA = Audit("asthma", "ast_cod", 6, (("asthma_review", "review", "an asthma review"),), YEAR)
AUDITS = {a.name: a for a in (DIABETES, COPD, ASTHMA)}
MIN_AGE = DIABETES.min_age
REGISTER_CLUSTER = DIABETES.cluster


def window_start(as_of: dt.date, months: int = NDA_WINDOW) -> dt.date:
    """The first day of the window of ``months`` calendar months ending with ``as_of``'s month."""
    index = as_of.year * 12 + as_of.month - 1 - (months - 1)
    return dt.date(index // 12, index % 12 + 1, 1)


def _age(dob: ir.DateValue, as_of: dt.date) -> ir.IntegerValue:
    """Whole years at ``as_of``: the year difference, less one before the birthday."""
    before_birthday = (dob.month() > as_of.month) | ((dob.month() == as_of.month) & (dob.day() > as_of.day))
    return (as_of.year - dob.year() - before_birthday.cast("int32")).cast("int32")


def on_register(
    patients: ir.Table,
    registrations: ir.Table,
    practices: ir.Table,
    deaths: ir.Table,
    events: ir.Table,
    codelists: ir.Table,
    as_of: dt.date,
    audit: Audit = DIABETES,
) -> ir.Table:
    """patient_id, nhs_number, given_name, family_name, age, practice_code, neighbourhood: one row
    per person on ``audit``'s register at ``as_of`` (coded on or before it, of the audit's minimum
    age, alive, and registered: the latest registration covering that day)."""
    ev = require_columns(events, "clinical_events")
    cl = codelists.filter(codelists.cluster == audit.cluster)
    coded = (
        ev.filter(ev.date <= as_of).semi_join(cl, ev.snomed_code == cl.code).select("patient_id").distinct()
    )
    reg = require_columns(registrations, "practice_registrations")
    reg = reg.filter((reg.start_date <= as_of) & (reg.end_date.isnull() | (reg.end_date >= as_of)))
    latest = ibis.row_number().over(
        group_by="patient_id", order_by=[ibis.desc("start_date"), "practice_code"]
    )
    reg = reg.mutate(n=latest).filter(lambda t: t.n == 0).select("patient_id", "practice_code")
    dead = require_columns(deaths, "deaths")
    dead = dead.filter(dead.date_of_death <= as_of).select("patient_id")
    pe = require_columns(patients, "patients")
    people = pe.mutate(age=_age(pe.date_of_birth, as_of)).filter(lambda t: t.age >= audit.min_age)
    people = people.semi_join(coded, "patient_id").anti_join(dead, "patient_id")
    people = people.join(reg, "patient_id")
    pr = practices.select("practice_code", "neighbourhood")
    out = people.left_join(pr, "practice_code")
    return out.select(
        "patient_id",
        "nhs_number",
        "given_name",
        "family_name",
        "age",
        practice_code=out.practice_code,
        neighbourhood=out.neighbourhood,
    )


def _events_in_window(
    events: ir.Table,
    medications: ir.Table,
    codelists: ir.Table,
    names: tuple[str, ...],
    start: dt.date,
    as_of: dt.date,
) -> ir.Table:
    """patient_id, group, date, value: the events of the groups ``names``, dated in the window."""
    groups = [EVENT_GROUPS[g] for g in names]
    mapping = ibis.memtable(
        {
            "cluster": [c for g in groups for c in g.clusters],
            "group": [g.name for g in groups for _ in g.clusters],
            "medicine": [g.medicine for g in groups for _ in g.clusters],
        },
        schema={"cluster": "string", "group": "string", "medicine": "boolean"},
    )
    cl = codelists.select("code", "cluster").distinct().join(mapping, "cluster")
    ev = require_columns(events, "clinical_events")
    coded = cl.filter(~cl.medicine)
    a = ev.join(coded, ev.snomed_code == coded.code)
    both = a.select("patient_id", "group", "date", value=a.value.cast("float64"))
    if any(g.medicine for g in groups):
        md = require_columns(medications, "medications")
        medicine = cl.filter(cl.medicine)
        b = md.join(medicine, md.dmd_code == medicine.code)
        both = both.union(b.select("patient_id", "group", "date", value=ibis.null("float64")))
    return both.filter((both.date >= start) & (both.date <= as_of))


def care_processes(
    people: ir.Table,
    events: ir.Table,
    medications: ir.Table,
    codelists: ir.Table,
    as_of: dt.date,
    audit: Audit = DIABETES,
) -> ir.Table:
    """``people`` (any columns, one row per ``patient_id``) with, for each group of ``audit``'s
    processes (and, for diabetes, of :data:`TARGET_GROUPS`), ``last_<group>`` (the latest date in
    the audit's window, null if none) and ``value_<group>`` (that day's reading; the highest if
    several), then ``processes_done`` and ``processes_missing``; for diabetes also
    ``hba1c_target``, ``bp_target`` (null: no reading to judge by) and ``statin`` (a statin issued
    in the window)."""
    names = (*audit.groups, *TARGET_GROUPS) if audit.targets else audit.groups
    ev = _events_in_window(events, medications, codelists, names, window_start(as_of, audit.window), as_of)
    latest = ev.group_by(["patient_id", "group"]).aggregate(last=ev.date.max())
    on_last = ev.join(latest, ["patient_id", "group"]).filter(lambda t: t.date == t.last)
    day = on_last.group_by(["patient_id", "group"]).aggregate(
        last=on_last.date.max(), value=on_last.value.max()
    )
    wide = day.group_by("patient_id").aggregate(
        **{f"{kind}_{g}": day[kind].max(where=day.group == g) for g in names for kind in ("last", "value")}
    )
    out = people.left_join(wide, "patient_id").drop("patient_id_right")
    done = sum(out[f"last_{g}"].notnull().cast("int32") for g in audit.groups)
    out = out.mutate(
        processes_done=done.cast("int32"), processes_missing=(len(audit.groups) - done).cast("int32")
    )
    return _targets(out) if audit.targets else out


def _targets(out: ir.Table) -> ir.Table:
    hba1c, sys_, dia = out.value_hba1c, out.value_systolic, out.value_diastolic
    bp_known = sys_.notnull() & dia.notnull()
    return out.mutate(
        hba1c_target=hba1c.isnull().ifelse(ibis.null("boolean"), hba1c <= HBA1C_TARGET),
        bp_target=bp_known.ifelse(
            (sys_ <= SYSTOLIC_TARGET) & (dia <= DIASTOLIC_TARGET), ibis.null("boolean")
        ),
        statin=out.last_statin.notnull(),
    )


@dataclass(frozen=True)
class Process:
    """One care process of one person: when it was last done in the window and when it is due."""

    group: str
    name: str
    title: str
    last: dt.date | None
    due: dt.date  # a year after it was done; the as-of date if it is missing

    @property
    def done(self) -> bool:
        return self.last is not None


def _a_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def due_next(row: Mapping[str, Any], as_of: dt.date, audit: Audit = DIABETES) -> list[Process]:
    """``audit``'s processes for one person (a row of :func:`care_processes`), the soonest due first
    (missing ones are due now, on ``as_of``); ties in the audit's order."""
    out = []
    for group, name, title in audit.processes:
        last = row.get(f"last_{group}")
        due = as_of if last is None else _a_year_after(last)
        out.append(Process(group, name, title, last, due))
    order = {g: i for i, g in enumerate(audit.groups)}
    return sorted(out, key=lambda p: (p.due, order[p.group]))
