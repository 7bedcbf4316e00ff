"""The errors the care service raises: each an :class:`~nhc.errors.NhcError` carrying the HTTP status
the web layer should answer with (the service itself knows nothing about HTTP)."""

from __future__ import annotations

import datetime as dt

from nhc.errors import NhcError


class CareError(NhcError):
    """A problem with a care request the user can fix. ``http_status`` tells the web layer what to say."""

    http_status = 400


class InvalidCareInput(CareError):
    """A value is missing or out of range (HTTP 422)."""

    http_status = 422


class NotFoundError(CareError):
    """No such record (HTTP 404)."""

    http_status = 404


class UnknownPatient(NotFoundError):
    def __init__(self, patient_id: object) -> None:
        super().__init__(
            f"there is no person with id {patient_id} in the insight tables",
            hint="check the patient id, or run `nhc run` if the lake is new",
        )
        self.patient_id = patient_id


class ConflictError(CareError):
    """The request clashes with the current state (HTTP 409)."""

    http_status = 409


class StaleVersion(ConflictError):
    """Someone else saved first: the caller's copy is out of date."""

    def __init__(self, what: str, expected: int, current: int) -> None:
        super().__init__(
            f"{what} was changed by someone else: you edited version {expected}, the current version is "
            f"{current}",
            hint=f"reload version {current}, re-apply your changes and save again",
        )
        self.expected, self.current = expected, current


class MissingSkills(ConflictError):
    def __init__(self, staff_name: str, missing: set[str]) -> None:
        super().__init__(
            f"{staff_name} does not have the skills this patient needs: {', '.join(sorted(missing))}",
            hint="choose someone with those skills",
        )
        self.missing = missing


class OverCapacity(ConflictError):
    def __init__(self, staff_name: str, load: int, points: int, capacity: int) -> None:
        super().__init__(
            f"{staff_name} would be over capacity: {load} + {points} points > {capacity} points a week",
            hint="choose someone with room, or step down or discharge one of their patients first",
        )
        self.load, self.points, self.capacity = load, points, capacity


class StaffAbsent(ConflictError):
    def __init__(self, staff_name: str, until: dt.date | None) -> None:
        suffix = f" until {until:%d %b %Y}" if until else ""
        super().__init__(f"{staff_name} is absent{suffix}", hint="choose someone who is working")


class DuplicateStaff(ConflictError):
    """The team already has an active record of this person (HTTP 409)."""

    def __init__(self, name: str, neighbourhood: str) -> None:
        super().__init__(
            f"{name} is already on the {neighbourhood} team",
            hint="change their existing record instead of adding them again",
        )


def check_version(current: int, expected: int | None, what: str) -> None:
    """Optimistic locking: refuse an edit made from an older version (``None`` = not checked)."""
    if expected is not None and current != expected:
        raise StaleVersion(what, expected, current)
