"""Allocation proposals: their statuses, the room each clinician has, and reasons users can read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from enum import StrEnum


class RunStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    SUPERSEDED = "superseded"


class RunKind(StrEnum):
    ALLOCATE = "allocate"
    REBALANCE = "rebalance"


class AssignmentSource(StrEnum):
    PROPOSAL = "proposal"
    OVERRIDE = "override"


def room(capacity: Mapping[int, int], carried: Mapping[int, int]) -> dict[int, int]:
    """Weekly points each clinician can still take: capacity less what they already ``carried``."""
    return {sid: max(0, c - carried.get(sid, 0)) for sid, c in capacity.items()}


def carried_while_moving(loads: Mapping[int, int], moving: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Loads once the ``(staff_id, points)`` episodes being re-balanced are taken off their clinician."""
    out = dict(loads)
    for sid, points in moving:
        out[sid] = out.get(sid, 0) - points
    return out


def readable_reason(
    reason: str, previous: int | None, staff_id: int, names: Mapping[int, str], absent: Mapping[int, dt.date]
) -> str:
    """The optimiser's reason with staff ids replaced by names, saying when the patient moves because
    their clinician is absent."""
    if previous is not None:
        reason = reason.replace(f"previous {previous} ", f"previous {names.get(previous, previous)} ")
    if previous in absent and previous != staff_id:
        reason = f"{names.get(previous, previous)} absent until {absent[previous]:%d %b}; " + reason
    return reason


def absence_note(on: dt.date, absent: Mapping[int, dt.date], names: Mapping[int, str]) -> str | None:
    """Who was absent when the proposal was made (shown with it), or None."""
    if not absent:
        return None
    return f"absent on {on}: " + ", ".join(names[x] for x in sorted(absent) if x in names)


def optimality_gap(objective: float, bound: float) -> float:
    """How far the solver's answer may be from the best possible (0 = proven optimal)."""
    return 0.0 if objective == 0 else max(0.0, (objective - bound) / objective)
