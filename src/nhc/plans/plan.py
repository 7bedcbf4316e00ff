"""What a plan is: a scope (a neighbourhood, a locality or the county), its as-of date, and sections
of sentences, tables and charts — plain data the web page, the PDF and the JSON summary all render.

A section whose source area is not ready (no lake, no hubs, no team, no feedback) carries
``not_ready``, a plain sentence saying so, and no numbers. Counts in tables are the services' own
disclosure-controlled values: ``None`` means suppressed, ``0`` none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from nhc.plans.domain import PlanVersion

#: Section ids and headings, in the order a plan shows them (the PDF test checks every heading).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("people", "Who lives here"),
    ("health", "Health and inequalities"),
    ("outcomes", "Outcomes"),
    ("assets", "Community assets"),
    ("access", "Access and demand"),
    ("team", "The team"),
    ("feedback", "What people told us"),
    ("priorities", "Priorities and actions"),
)
TITLES: dict[str, str] = dict(SECTIONS)

#: How a table column is shown: a count (suppressed / none), a percentage, a number, text, or a
#: Making Data Count icon key, a planning measure or a staff role key (the page labels those).
KINDS = ("count", "pct", "number", "text", "icon", "measure", "role")


@dataclass(frozen=True)
class Scope:
    """Whose plan: ``kind`` is neighbourhood, locality or county; ``name`` its name."""

    kind: str
    name: str

    @property
    def filters(self) -> tuple[tuple[str, str], ...]:
        """The insights filter of the scope (none for the county)."""
        return () if self.kind == "county" else ((self.kind, self.name),)

    @property
    def breakdown(self) -> tuple[str, str]:
        """The outcomes report's (breakdown, group) of the scope."""
        return ("county", "All") if self.kind == "county" else (self.kind, self.name)

    @property
    def title(self) -> str:
        return self.name if self.kind == "county" else f"{self.name} {self.kind}"

    @property
    def slug(self) -> str:
        return self.name.lower().replace(" ", "-")


@dataclass(frozen=True)
class Table:
    """A table: ``columns`` are (key, heading, kind) with kind one of :data:`KINDS`."""

    id: str
    caption: str
    columns: tuple[tuple[str, str, str], ...]
    rows: tuple[dict[str, Any], ...]
    note: str = ""


@dataclass(frozen=True)
class Chart:
    """A bar chart of (label, value) rows; the same numbers are in a table beside it."""

    title: str
    rows: tuple[tuple[str, float | None], ...]
    unit: str = ""


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    sentences: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()
    not_ready: str | None = None
    notes: tuple[str, ...] = ()

    @classmethod
    def waiting(cls, section_id: str, why: str) -> Section:
        """A section whose source is not ready: the reason, no numbers."""
        return cls(section_id, TITLES[section_id], not_ready=why)


@dataclass(frozen=True)
class NeighbourhoodPlan:
    """A built plan. ``figures`` are its headline numbers (population, aged 65+, higher need) as
    the analytics published them; ``version`` the agreed priorities shown (neighbourhoods only)."""

    scope: Scope
    as_of: dt.date | None
    built_at: dt.datetime
    sections: tuple[Section, ...]
    figures: dict[str, int | None] = field(default_factory=dict)
    version: PlanVersion | None = None

    def section(self, section_id: str) -> Section:
        return next(s for s in self.sections if s.id == section_id)

    def table(self, table_id: str) -> Table:
        """A table by id, in any section (``KeyError`` if none)."""
        for s in self.sections:
            for t in s.tables:
                if t.id == table_id:
                    return t
        raise KeyError(table_id)

    def summary(self) -> dict[str, Any]:
        """JSON-ready: scope, dates, figures and each section's readiness."""
        return {
            "kind": self.scope.kind,
            "name": self.scope.name,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "figures": self.figures,
            "version": self.version.number if self.version else None,
            "sections": {s.id: (s.not_ready or "ready") for s in self.sections},
        }
