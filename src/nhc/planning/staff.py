"""Staff in post: whole-time equivalents by planning role, and where the figures came from.

The planning model's roles (``gp``, ``community_nurse``, ``pharmacist``...) come from the scenario
file. When the care side keeps a team's staff, :func:`from_team` turns its members into WTE by
role: one staff member is one WTE for a five-day working pattern and ``days / 5`` for fewer days
(a pattern that names no days counts as full time). The care side is read by the caller (the
composition root or the web layer): this package never imports ``nhc.care``.

The care record holds the integrated neighbourhood teams, not every GP or nurse in the county, so
its figures are what those teams have, not the county's workforce; the pages say so.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

#: Care-side team roles and the planning role each counts towards (others are not counted).
CARE_ROLES = {
    "gp": "gp",
    "community_nurse": "community_nurse",
    "clinical_pharmacist": "pharmacist",
    "physiotherapist": "physiotherapist",
    "social_prescriber": "link_worker",
    "mental_health_link_worker": "link_worker",
}
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_WEEK = 5


def _days_in(pattern: str) -> int | None:
    """Days a working pattern names: ``Mon-Fri`` 5, ``Mon, Wed, Thu`` 3; ``None`` if it names none."""
    text = pattern.lower()
    days: set[int] = set()
    for a, b in re.findall(
        r"\b(mon|tue|wed|thu|fri|sat|sun)\w*\s*[-–]\s*(mon|tue|wed|thu|fri|sat|sun)", text
    ):
        i, j = DAYS.index(a), DAYS.index(b)
        days.update(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
    days.update(DAYS.index(d) for d in re.findall(r"\b(mon|tue|wed|thu|fri|sat|sun)", text))
    return len(days) or None


def wte_of_pattern(pattern: str | None) -> float:
    """One staff member's WTE from their working pattern: days / 5, at most 1; 1 if no days named."""
    days = _days_in(pattern or "")
    return 1.0 if days is None else min(days, FULL_WEEK) / FULL_WEEK


@dataclass(frozen=True)
class StaffInPost:
    """WTE by planning role from one source, with how many people that is and the date it is as of."""

    wte: Mapping[str, float]
    source: str
    as_of: dt.date | dt.datetime | None = None
    people: Mapping[str, int] = field(default_factory=dict)
    #: Roles the source had people in that the model has no role for (``care_home_support``).
    not_counted: tuple[str, ...] = ()


def from_team(
    members: Iterable[tuple[str, str | None]], as_of: dt.date | dt.datetime, source: str
) -> StaffInPost | None:
    """Staff in post from a team's members as ``(care role, working pattern)``; ``None`` when no
    member has a role the model counts (the caller then keeps the scenario file's figures)."""
    wte: dict[str, float] = {}
    people: dict[str, int] = {}
    skipped: set[str] = set()
    for role, pattern in members:
        planned = CARE_ROLES.get(role)
        if planned is None:
            skipped.add(role)
            continue
        wte[planned] = wte.get(planned, 0.0) + wte_of_pattern(pattern)
        people[planned] = people.get(planned, 0) + 1
    if not wte:
        return None
    return StaffInPost(wte, source, as_of, people, tuple(sorted(skipped)))
