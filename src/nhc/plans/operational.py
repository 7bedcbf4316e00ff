"""The plan's sections from the operational areas: community assets (the services directory),
access and demand (hub utilisation; the planning model's projection and workforce gap), the team
(the care record, in aggregate), what people told us (engagement) and the priorities.

Each source is optional: when an area has nothing yet (no hubs published, no team, no feedback)
its section says so in a sentence and shows no numbers. Patient counts (caseloads) pass
:func:`nhc.analytics.rules.disclosure.safe_count`; engagement counts arrive already controlled.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence

from nhc.analytics.rules.disclosure import SUPPRESS_AT_OR_BELOW, safe_count
from nhc.errors import NhcError
from nhc.plans.domain import PlanVersion
from nhc.plans.plan import TITLES, Chart, Scope, Section, Table
from nhc.plans.sources import (
    AccessSource,
    DirectorySource,
    EngagementSource,
    ProjectionLike,
    StaffMember,
    TeamSource,
)
from nhc.vocab import WHAT_PEOPLE_VALUE

#: Weeks of hub timetable the access section reads, from the day the plan is built.
HUB_WEEKS = 4
#: At most this many services are listed by name (the counts cover them all).
LISTED_SERVICES = 25
NO_FEEDBACK = "No feedback gathered yet."


def _serves(service, scope: Scope, locality: str | None) -> bool:
    areas = {a.name for a in service.service_areas}
    if scope.kind == "county":
        return True
    return bool(areas & {scope.name, locality or "", "Oxfordshire"}) or not areas


def assets_section(directory: DirectorySource | None, scope: Scope, locality: str | None) -> Section:
    """Active services of the directory serving the scope, counted by kind and listed by name."""
    if directory is None:
        return Section.waiting("assets", "The services directory is not available here.")
    services = [
        s
        for s in directory.directory().services.values()
        if str(s.status) == "active" and _serves(s, scope, locality)
    ]
    if not services:
        return Section.waiting(
            "assets", "No community services are recorded for this area in the directory yet."
        )

    def kind(s) -> str:
        return s.taxonomy_terms[0].term if s.taxonomy_terms else s.kind.replace("_", " ")

    counts = Counter(kind(s) for s in services)
    by_kind = Table(
        "assets",
        "Community services by kind",
        (("kind", "Kind of service", "text"), ("count", "Services", "number")),
        tuple({"kind": k, "count": n} for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
    )
    named = sorted(services, key=lambda s: (kind(s), s.name))[:LISTED_SERVICES]
    listing = Table(
        "services",
        "Services in the directory",
        (("name", "Service", "text"), ("kind", "Kind", "text")),
        tuple({"name": s.name, "kind": kind(s)} for s in named),
        note=f"The first {LISTED_SERVICES} of {len(services)}; the services directory lists them all."
        if len(services) > LISTED_SERVICES
        else "",
    )
    sentence = f"{len(services)} services in the directory serve {scope.title}."
    return Section("assets", TITLES["assets"], (sentence,), (by_kind, listing))


def _hubs_table(
    access: AccessSource | None, scope: Scope, locality: str | None, today: dt.date
) -> Table | None:
    if access is None:
        return None
    start = dt.datetime.combine(today, dt.time.min)
    uses = [
        u
        for u in access.utilisation(start, start + dt.timedelta(weeks=HUB_WEEKS))
        if scope.kind == "county"
        or (scope.kind == "neighbourhood" and u.hub.neighbourhood == scope.name)
        or (scope.kind == "locality" and u.hub.locality == scope.name)
    ]
    if not uses:
        return None
    return Table(
        "hubs",
        f"Extended-hours hubs: appointments in the {HUB_WEEKS} weeks from {today:%d %B %Y}",
        (
            ("hub", "Hub", "text"),
            ("booked", "Booked", "number"),
            ("free", "Free", "number"),
            ("utilisation", "Utilisation", "pct"),
        ),
        tuple(
            {
                "hub": u.hub.name,
                "booked": u.booked,
                "free": u.free,
                "utilisation": round(100 * u.utilisation, 1),
            }
            for u in uses
        ),
    )


def access_section(
    access: AccessSource | None,
    projection: Callable[[], ProjectionLike] | None,
    scope: Scope,
    locality: str | None,
    today: dt.date,
) -> Section:
    """Hub utilisation for the scope and the county's projected demand and workforce gap."""
    tables, notes = [], []
    hubs = _hubs_table(access, scope, locality, today)
    if hubs is None:
        notes.append("No extended-hours hub timetables have been published for this area yet.")
    else:
        tables.append(hubs)
    result = None
    if projection is not None:
        try:
            result = projection()
        except NhcError as exc:
            notes.append(f"The demand projection is not ready: {exc.message}")
    else:
        notes.append("The demand projection is not available here.")
    if result is not None:
        tables += _projection_tables(result)
    if not tables:
        return Section.waiting("access", " ".join(notes))
    return Section("access", TITLES["access"], (), tuple(tables), (), None, tuple(notes))


def _projection_tables(result: ProjectionLike) -> list[Table]:
    rows = [
        {"measure": key, **{k: round(v, 1) for k, v in s.items() if k in ("baseline", "p10", "p50", "p90")}}
        for key, s in result.summary.items()
        if key.startswith("activity.") or key == "cost"
    ]
    cols = tuple(
        (k, h, "number")
        for k, h in (
            ("baseline", "Now"),
            ("p10", "Low (P10)"),
            ("p50", "Middle (P50)"),
            ("p90", "High (P90)"),
        )
    )
    demand = Table(
        "projection",
        f"Demand in {result.horizon_years} years, county-wide ({result.scenario})",
        (("measure", "Measure", "measure"), *cols),
        tuple(rows),
        note="Modelled county totals from the planning model's example scenario, not counts of people.",
    )
    workforce = Table(
        "workforce",
        "Workforce needed (WTE) and the gap, county-wide",
        (
            ("role", "Role", "role"),
            ("current_wte", "In post", "number"),
            ("p50", "Needed (P50)", "number"),
            ("gap_p50", "Gap (P50)", "number"),
        ),
        tuple(
            {
                k: (round(w[k], 1) if isinstance(w.get(k), float) else w.get(k))
                for k in ("role", "current_wte", "p50", "gap_p50")
            }
            for w in result.workforce
        ),
    )
    return [demand, workforce]


def _staff(team: TeamSource, scope: Scope) -> Sequence[StaffMember]:
    if scope.kind == "neighbourhood":
        return team.list_staff(scope.name)
    staff = team.list_staff()
    return staff if scope.kind == "county" else [s for s in staff if s.locality == scope.name]


def team_section(team: TeamSource | None, scope: Scope) -> Section:
    """Staff by role and the caseload (people under the team's care, disclosure-controlled)."""
    staff = _staff(team, scope) if team is not None else []
    if not staff:
        return Section.waiting("team", "No neighbourhood team has been set up in the care record yet.")
    roles = Counter(s.role_label for s in staff)
    caseload = safe_count(sum(s.load for s in staff))
    capacity = sum(s.capacity for s in staff)
    table = Table(
        "team",
        "Staff by role",
        (("role", "Role", "text"), ("count", "Staff", "number")),
        tuple({"role": r, "count": n} for r, n in sorted(roles.items())),
    )
    cases = "a suppressed number of" if caseload is None else f"{caseload:,}"
    sentences = (
        f"{len(staff)} staff work in the team, caring for {cases} people on its caseload "
        f"(room for {capacity:,} at the caseload sizes agreed for each member).",
    )
    chart = Chart("Staff by role", tuple((r, float(n)) for r, n in sorted(roles.items())))
    return Section("team", TITLES["team"], sentences, (table,), (chart,))


def feedback_section(engagement: EngagementSource | None, scope: Scope) -> Section:
    """Feedback themed into what people value; ``None`` counts are suppressed."""
    if engagement is None:
        return Section.waiting("feedback", NO_FEEDBACK)
    if scope.kind == "locality":
        return Section.waiting("feedback", "Feedback is summarised by neighbourhood and for the county.")
    summary = engagement.summary(scope.name if scope.kind == "neighbourhood" else None)
    if summary.total == 0:
        return Section.waiting("feedback", NO_FEEDBACK)
    rows = tuple(
        {
            "label": t.label or WHAT_PEOPLE_VALUE.get(t.theme, t.theme),
            "count": t.count,
            "positive": t.positive,
            "negative": t.negative,
        }
        for t in summary.themes
    )
    quotes = tuple(f"“{q}” ({t.label})" for t in summary.themes for q in t.quotes[:1])
    table = Table(
        "feedback",
        "What people told us, by theme",
        (
            ("label", "Theme", "text"),
            ("count", "Comments", "count"),
            ("positive", "Positive", "count"),
            ("negative", "Negative", "count"),
        ),
        rows,
    )
    total = f"Fewer than {SUPPRESS_AT_OR_BELOW + 1}" if summary.total is None else f"About {summary.total:,}"
    when = f" up to {summary.as_of:%d %B %Y}" if summary.as_of else ""
    return Section(
        "feedback", TITLES["feedback"], (f"{total} comments were gathered{when}.", *quotes), (table,)
    )


PRIORITY_COLUMNS = (
    ("activity", "Activity", "text"),
    ("what", "What", "text"),
    ("how", "How", "text"),
    ("when", "When", "text"),
    ("owner", "Owner", "text"),
    ("status", "Status", "text"),
    ("themes", "What people value", "text"),
)


def priorities_section(versions: Sequence[PlanVersion]) -> Section:
    """The agreed priorities of the neighbourhoods in scope (a neighbourhood column when several)."""
    if not versions:
        return Section.waiting("priorities", "No priorities have been agreed yet.")
    several = len(versions) > 1
    rows = []
    for v in versions:
        for p in v.rows:
            row = {
                "activity": p.activity,
                "what": p.what,
                "how": p.how,
                "when": p.when,
                "owner": p.owner,
                "status": p.status.label,
                "themes": "; ".join(p.theme_labels),
            }
            rows.append({"neighbourhood": v.neighbourhood, **row} if several else row)
    columns = ((("neighbourhood", "Neighbourhood", "text"),) if several else ()) + PRIORITY_COLUMNS
    table = Table("priorities", "What will happen this year", columns, tuple(rows))
    sentences = tuple(
        f"Version {v.number} of the {v.neighbourhood} priorities, agreed by {v.agreed_by} on {v.agreed_at:%d %B %Y}."
        for v in versions
    )
    return Section("priorities", TITLES["priorities"], sentences if not several else (), (table,))
