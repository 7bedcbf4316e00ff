"""Team roles, the skills each brings, and whether a staff member can take a patient."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nhc.care.domain.errors import InvalidCareInput, MissingSkills, OverCapacity, StaffAbsent

#: Team roles and the skills each brings by default (a staff record may add or remove skills).
ROLE_SKILLS: dict[str, frozenset[str]] = {
    "gp": frozenset({"medical", "prescribing"}),
    "community_nurse": frozenset({"nursing", "wound_care"}),
    "clinical_pharmacist": frozenset({"prescribing", "medicines_review"}),
    "physiotherapist": frozenset({"mobility"}),
    "mental_health_link_worker": frozenset({"mental_health"}),
    "social_prescriber": frozenset({"social_prescribing"}),
    "care_home_support": frozenset({"nursing", "medicines_review", "care_home"}),
}
ROLE_LABELS = {
    "gp": "GP",
    "community_nurse": "Community nurse",
    "clinical_pharmacist": "Clinical pharmacist",
    "physiotherapist": "Physiotherapist",
    "mental_health_link_worker": "Mental health link worker",
    "social_prescriber": "Social prescriber",
    "care_home_support": "Care home support",
}
SKILLS: frozenset[str] = frozenset().union(*ROLE_SKILLS.values())
MAX_CAPACITY = 200


def parse_staff_role(value: str) -> str:
    """A role key from what a user typed (``Community nurse``, ``community-nurse``...)."""
    key = str(value or "").strip().lower().replace("-", "_").replace(" ", "_")
    if key not in ROLE_SKILLS:
        raise InvalidCareInput(f"unknown team role {value!r}", hint=f"use one of: {', '.join(ROLE_SKILLS)}")
    return key


def parse_skills(values: str | Iterable[object] | None) -> frozenset[str]:
    """A set of known skills from a list or a comma/semicolon-separated string."""
    if values is None:
        return frozenset()
    if isinstance(values, str):
        values = values.replace(";", ",").split(",")
    out = {str(v).strip().lower().replace(" ", "_") for v in values if str(v).strip()}
    unknown = out - SKILLS
    if unknown:
        raise InvalidCareInput(
            f"unknown skill(s): {', '.join(sorted(unknown))}", hint=f"use: {', '.join(sorted(SKILLS))}"
        )
    return frozenset(out)


def check_capacity(value: object) -> int:
    """Weekly caseload points a staff member can carry: a whole number 0-200."""
    try:
        capacity = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise InvalidCareInput(f"capacity must be a whole number of points, not {value!r}") from None
    if not 0 <= capacity <= MAX_CAPACITY:
        raise InvalidCareInput(f"capacity must be 0-{MAX_CAPACITY} points a week (got {capacity})")
    return capacity


def join_skills(skills: frozenset[str] | set[str]) -> str:
    return ",".join(sorted(skills))


def split_skills(text: str | None) -> frozenset[str]:
    return frozenset(s for s in (text or "").split(",") if s)


class StaffRules:
    """Behaviour of a staff member (mixed into the stored row and the in-memory :class:`StaffMember`)."""

    if TYPE_CHECKING:
        name: str
        skills: str
        capacity: int

    @property
    def skill_set(self) -> frozenset[str]:
        return split_skills(self.skills)

    def check_can_take(
        self, needs: frozenset[str], absent_until: dt.date | None, load: int, points: int
    ) -> None:
        """Refuse, naming the reason, a patient this person cannot take: a needed skill missing, absent
        today, or no room for ``points`` on top of ``load`` (their other patients)."""
        missing = set(needs - self.skill_set)
        if missing:
            raise MissingSkills(self.name, missing)
        if absent_until is not None:
            raise StaffAbsent(self.name, absent_until)
        if load + points > self.capacity:
            raise OverCapacity(self.name, load, points, self.capacity)


@dataclass
class StaffMember(StaffRules):
    """A staff member in memory (tests, fakes)."""

    id: int
    name: str
    skills: str
    capacity: int
