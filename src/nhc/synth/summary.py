"""The headline figures ``nhc synth`` prints about what it built, to compare with the published ones.

Counted place by place (:meth:`Counts.of`) and added up (``+``), so the figures of a system of many
places need only one place in memory at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

import numpy as np

from nhc.synth.needs import Needs
from nhc.synth.population import Population


@dataclass(frozen=True)
class Counts:
    people: int = 0
    alive: int = 0
    practices: int = 0
    aged_65: int = 0
    aged_75: int = 0
    two_conditions: int = 0
    frail_65: int = 0
    care_home: int = 0
    housebound: int = 0
    palliative: int = 0
    pregnant: int = 0

    @classmethod
    def of(
        cls,
        pop: Population,
        practices: int,
        ltc: np.ndarray,
        deficits: np.ndarray,
        housebound: np.ndarray,
        needs: Needs,
    ) -> Counts:
        """The counts of one place."""
        alive = pop.alive
        older = alive & (pop.age >= 65)
        return cls(
            people=pop.n,
            alive=int(alive.sum()),
            practices=practices,
            aged_65=int(older.sum()),
            aged_75=int((alive & (pop.age >= 75)).sum()),
            two_conditions=int((alive & (ltc >= 2)).sum()),
            frail_65=int((older & (deficits >= 9)).sum()),
            care_home=int((alive & needs.care_home).sum()),
            housebound=int((alive & housebound).sum()),
            palliative=int(alive[needs.palliative].sum()),
            pregnant=len(needs.pregnant),
        )

    def __add__(self, other: Counts) -> Counts:
        return Counts(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def summary(self, as_of: date | None, places: int) -> dict[str, object]:
        """The figures as ``nhc synth`` prints them (percentages of the living)."""
        living = max(self.alive, 1)
        return {
            "people generated (incl. deaths)": self.people,
            "alive and registered at as-of": self.alive,
            "deaths in the five years": self.people - self.alive,
            "places": places,
            "practices": self.practices,
            "as-of date": str(as_of),
            "aged 65+ (%)": f"{100 * self.aged_65 / living:.1f}",
            "aged 75+ (%)": f"{100 * self.aged_75 / living:.1f}",
            "2+ long-term conditions (%)": f"{100 * self.two_conditions / living:.1f}",
            "65+ with moderate or severe frailty (%)": f"{100 * self.frail_65 / max(self.aged_65, 1):.1f}",
            "care home residents": self.care_home,
            "housebound": self.housebound,
            "on palliative care register": self.palliative,
            "pregnant": self.pregnant,
        }
