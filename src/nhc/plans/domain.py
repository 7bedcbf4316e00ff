"""Neighbourhood plans' priorities: the rows of a plan's "what will happen this year" table and the
agreed versions they are kept in.

A neighbourhood lead edits the priorities and agrees them as a new :class:`PlanVersion`; earlier
versions stay readable. Each :class:`Priority` names which of the eight themes of what people value
(:data:`nhc.vocab.WHAT_PEOPLE_VALUE`) it answers, so the public "you said, we did" page can link
feedback to actions. No SQLAlchemy, no HTTP: the rules here are tested without a database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from nhc.errors import NhcError
from nhc.vocab import THEMES, WHAT_PEOPLE_VALUE

#: The longest text each field keeps (a database column's size, and a limit a person can read).
LIMITS: dict[str, int] = {"activity": 200, "what": 1000, "how": 1000, "when": 200, "owner": 200}
#: The most rows one version may hold (a plan's table, not a project register).
MAX_ROWS = 40
FIELD_LABELS: dict[str, str] = {
    "activity": "Activity",
    "what": "What",
    "how": "How",
    "when": "When",
    "owner": "Owner",
    "status": "Status",
    "themes": "What people value",
}


class Status(StrEnum):
    """Where an action stands."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    PAUSED = "paused"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS: dict[Status, str] = {
    Status.PLANNED: "Planned",
    Status.IN_PROGRESS: "In progress",
    Status.DONE: "Done",
    Status.PAUSED: "Paused",
}


class PlanError(NhcError):
    """A plan request the user can fix (HTTP 400, CLI exit 2)."""

    http_status = 400


class BadPriority(PlanError):
    """A field of a priority row is missing or wrong: ``field`` names it as the form does
    (``rows-2-activity``) so the error summary can link to it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Priority:
    """One row of the table: activity, what, how, when, owner, status and the themes it answers."""

    activity: str
    what: str = ""
    how: str = ""
    when: str = ""
    owner: str = ""
    status: Status = Status.PLANNED
    themes: tuple[str, ...] = ()

    @property
    def theme_labels(self) -> tuple[str, ...]:
        return tuple(WHAT_PEOPLE_VALUE[t] for t in self.themes)

    @classmethod
    def parse(cls, index: int, fields: Mapping[str, str | Sequence[str]]) -> Priority:
        """A row from a form's fields (text stripped), or :class:`BadPriority` naming the field
        ``rows-{index}-{name}``. The activity is required; the status one of :class:`Status`; each
        theme one of :data:`nhc.vocab.THEMES`."""

        def text(name: str) -> str:
            value = fields.get(name, "")
            value = (value if isinstance(value, str) else " ".join(value)).strip()
            if len(value) > LIMITS[name]:
                raise BadPriority(
                    f"rows-{index}-{name}",
                    f"{FIELD_LABELS[name]} of row {index + 1} must be {LIMITS[name]} characters or fewer",
                )
            return value

        activity = text("activity")
        if not activity:
            raise BadPriority(f"rows-{index}-activity", f"Enter the activity of row {index + 1}")
        raw_status = fields.get("status") or Status.PLANNED.value
        try:
            status = Status(str(raw_status))
        except ValueError:
            raise BadPriority(
                f"rows-{index}-status", f"Choose the status of row {index + 1} from the list"
            ) from None
        raw_themes = fields.get("themes") or ()
        themes = (raw_themes,) if isinstance(raw_themes, str) else tuple(raw_themes)
        unknown = [t for t in themes if t not in THEMES]
        if unknown:
            raise BadPriority(f"rows-{index}-themes", f"Choose the themes of row {index + 1} from the list")
        ordered = tuple(t for t in THEMES if t in themes)  # the vocabulary's order, once each
        return cls(activity, text("what"), text("how"), text("when"), text("owner"), status, ordered)


@dataclass(frozen=True)
class PlanVersion:
    """An agreed set of priorities: its number (1, 2, ...), rows, who agreed it and when."""

    neighbourhood: str
    number: int
    rows: tuple[Priority, ...]
    agreed_by: str
    agreed_at: dt.datetime
    note: str = ""

    def answering(self, theme: str) -> tuple[Priority, ...]:
        """The rows that answer ``theme`` (for "you said, we did")."""
        return tuple(r for r in self.rows if theme in r.themes)


def check_rows(rows: Sequence[Priority]) -> tuple[Priority, ...]:
    """The rows of a version to agree: at least one, at most :data:`MAX_ROWS`."""
    if not rows:
        raise BadPriority("rows-0-activity", "Enter at least one activity")
    if len(rows) > MAX_ROWS:
        raise BadPriority("rows-0-activity", f"A plan holds at most {MAX_ROWS} activities")
    return tuple(rows)
