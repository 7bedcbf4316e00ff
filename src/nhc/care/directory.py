"""Where the care service learns about a person: the analytics' insight tables (risk, band, reasons,
worklists), through a small interface so the service does not depend on how the lake is read.

:class:`InsightsDirectory` wraps :class:`nhc.insights.InsightsService` (the web app's reader of the
lake); :class:`StaticDirectory` holds a few people in memory (tests, demos, the CLI without a lake).
Both return plain dicts; an unknown person is ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from nhc.errors import NhcError
from nhc.insights.search import PersonQuery
from nhc.reference.geography import neighbourhoods as geography_neighbourhoods


class PatientDirectory(Protocol):
    def lookup(self, patient_id: int) -> dict[str, Any] | None:
        """``{patient_id, neighbourhood, locality, risk, band, care_home, registers, ae_12m,
        emergency_admissions_12m, worklists: {name: reasons}}`` or ``None`` if unknown."""

    def worklist(self, neighbourhood: str, worklist: str | None = None) -> list[dict[str, Any]]:
        """PERSON-LEVEL: the people on a neighbourhood's worklist(s), ranked."""

    def by_nhs_number(self, nhs_number: str) -> int | None:
        """PERSON-LEVEL: the patient id of the person with this (checked, ten-digit) NHS number, or
        ``None``. Only a key to put to the access decision: nothing about them is shown before it."""


class StaticDirectory:
    """People held in memory: ``StaticDirectory([{patient_id: 1, neighbourhood: ..., ...}, ...])``."""

    def __init__(self, people: Iterable[dict[str, Any]] = ()) -> None:
        self.people: dict[int, dict[str, Any]] = {}
        for p in people:
            self.add(p)

    def add(self, person: dict[str, Any]) -> None:
        p = dict(person)
        p.setdefault("locality", _locality(p["neighbourhood"]))
        p.setdefault("worklists", {})
        self.people[int(p["patient_id"])] = p

    def lookup(self, patient_id: int) -> dict[str, Any] | None:
        return self.people.get(int(patient_id))

    def by_nhs_number(self, nhs_number: str) -> int | None:
        found = (pid for pid, p in self.people.items() if p.get("nhs_number") == nhs_number)
        return next(found, None)

    def worklist(self, neighbourhood: str, worklist: str | None = None) -> list[dict[str, Any]]:
        out = []
        for p in self.people.values():
            if p["neighbourhood"] != neighbourhood:
                continue
            for name, reasons in sorted(p["worklists"].items()):
                if worklist is None or name == worklist:
                    out.append(
                        {
                            "worklist": name,
                            "patient_id": p["patient_id"],
                            "reasons": reasons,
                            "risk": p.get("risk"),
                            "band": p.get("band"),
                            "score": p.get("risk") or 0.0,
                        }
                    )
        out.sort(key=lambda r: (r["worklist"], -(r["score"] or 0.0), r["patient_id"]))
        for i, r in enumerate(out, 1):
            r["rank"] = i
        return out


class InsightsReader(Protocol):
    """What :class:`InsightsDirectory` needs of :class:`nhc.insights.service.InsightsService`."""

    def patient(self, patient_id: int) -> dict[str, Any]: ...

    def worklist(self, neighbourhood: str, worklist: str | None = None) -> list[dict[str, Any]]: ...

    def find_people(self, query: PersonQuery, *, limit: int) -> list[dict[str, Any]]: ...


class InsightsDirectory:
    """People from the lake's insight tables via :class:`nhc.insights.InsightsService`."""

    def __init__(self, insights: InsightsReader) -> None:
        self.insights = insights

    def lookup(self, patient_id: int) -> dict[str, Any] | None:
        try:
            found = self.insights.patient(int(patient_id))
        except NhcError:
            return None
        person = dict(found["person"])
        person["worklists"] = {w["worklist"]: w["reasons"] for w in found.get("worklists", [])}
        return person

    def worklist(self, neighbourhood: str, worklist: str | None = None) -> list[dict[str, Any]]:
        return self.insights.worklist(neighbourhood, worklist)

    def by_nhs_number(self, nhs_number: str) -> int | None:
        """Through the people search's own lookup (an NHS number matches exactly)."""
        try:
            found = self.insights.find_people(PersonQuery("nhs_number", value=nhs_number), limit=1)
        except NhcError:  # the lake is not built
            return None
        return int(found[0]["patient_id"]) if found else None


def _locality(neighbourhood: str) -> str:
    return locality_of(neighbourhood) or "Unknown"


def locality_of(neighbourhood: str) -> str | None:
    """The locality of a neighbourhood of the reference geography, or ``None`` if unknown."""
    return neighbourhoods().get(neighbourhood)


def neighbourhoods() -> dict[str, str]:
    """Every neighbourhood of the reference geography and its locality."""
    global _NEIGHBOURHOODS
    if _NEIGHBOURHOODS is None:
        table = geography_neighbourhoods()
        _NEIGHBOURHOODS = {r["neighbourhood"]: r["locality"] for r in table.to_pylist()}
    return _NEIGHBOURHOODS


_NEIGHBOURHOODS: dict[str, str] | None = None
