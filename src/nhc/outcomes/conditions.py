"""The small language indicators are written in: conditions on one person in one month.

A person-month row (:func:`nhc.outcomes.measures.member_months`) carries the person's ``age`` at the
month's end and, for each event group the indicator reads (:data:`nhc.outcomes.catalogue.EVENT_GROUPS`),
``last_<group>`` (the month index of their latest event of the group on or before the month's end,
null if none) and ``value_<group>`` (that event's value). A condition turns into an Ibis boolean over
such a row, so an indicator's numerator and denominator are data that any engine runs.

Windows are counted in calendar months ending with the month itself: ``Recorded("hba1c", 15)`` in
March 2026 means an HbA1c dated from 1 January 2025 to 31 March 2026 — the National Diabetes Audit's
15-month audit period, rolled forward a month at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis

if TYPE_CHECKING:
    import ibis.expr.types as ir


class Condition:
    """Something true or false of one person in one month."""

    def expr(self, row: ir.Table) -> ir.BooleanValue:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def groups(self) -> frozenset[str]:
        """The event groups the condition reads."""
        return frozenset()

    def valued(self) -> frozenset[str]:
        """The event groups whose values (not only dates) the condition reads."""
        return frozenset()

    def __str__(self) -> str:  # pragma: no cover - every subclass overrides
        raise NotImplementedError


@dataclass(frozen=True)
class Recorded(Condition):
    """An event of ``group`` in the ``months`` calendar months ending with this one (``None``: ever)."""

    group: str
    months: int | None = None

    def expr(self, row: ir.Table) -> ir.BooleanValue:
        last = row[f"last_{self.group}"]
        if self.months is None:
            return last.notnull()
        return last.notnull() & (last > row.month - self.months)

    def groups(self) -> frozenset[str]:
        return frozenset({self.group})

    def __str__(self) -> str:
        span = "ever" if self.months is None else f"in the last {self.months} months"
        return f"{self.group} recorded {span}"


@dataclass(frozen=True)
class LatestAtMost(Condition):
    """The latest value of ``group`` in the window is ``limit`` or less (none in the window: false)."""

    group: str
    limit: float
    months: int

    def expr(self, row: ir.Table) -> ir.BooleanValue:
        value = row[f"value_{self.group}"]
        return Recorded(self.group, self.months).expr(row) & value.notnull() & (value <= self.limit)

    def groups(self) -> frozenset[str]:
        return frozenset({self.group})

    def valued(self) -> frozenset[str]:
        return frozenset({self.group})

    def __str__(self) -> str:
        return f"latest {self.group} in the last {self.months} months <= {self.limit:g}"


@dataclass(frozen=True)
class AgeBetween(Condition):
    """Aged ``low`` to ``high`` (whole years, both included) at the month's end."""

    low: int = 0
    high: int = 200

    def expr(self, row: ir.Table) -> ir.BooleanValue:
        return (row.age >= self.low) & (row.age <= self.high)

    def __str__(self) -> str:
        return f"aged {self.low}+" if self.high >= 200 else f"aged {self.low}-{self.high}"


@dataclass(frozen=True)
class AllOf(Condition):
    parts: tuple[Condition, ...]

    def expr(self, row: ir.Table) -> ir.BooleanValue:
        out = ibis.literal(True)
        for p in self.parts:
            out = out & p.expr(row)
        return out

    def groups(self) -> frozenset[str]:
        return frozenset().union(*(p.groups() for p in self.parts))

    def valued(self) -> frozenset[str]:
        return frozenset().union(*(p.valued() for p in self.parts))

    def __str__(self) -> str:
        return "(" + " and ".join(str(p) for p in self.parts) + ")"


@dataclass(frozen=True)
class AnyOf(Condition):
    parts: tuple[Condition, ...]

    def expr(self, row: ir.Table) -> ir.BooleanValue:
        out = ibis.literal(False)
        for p in self.parts:
            out = out | p.expr(row)
        return out

    def groups(self) -> frozenset[str]:
        return frozenset().union(*(p.groups() for p in self.parts))

    def valued(self) -> frozenset[str]:
        return frozenset().union(*(p.valued() for p in self.parts))

    def __str__(self) -> str:
        return "(" + " or ".join(str(p) for p in self.parts) + ")"


EVERYONE = AllOf(())
