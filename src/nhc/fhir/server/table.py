"""The one table of what the server serves: resource type -> its searchers, their parameters.

A :class:`Searcher` serves one resource type from one source (the lake, or the care record) and
knows three things: which patients given ids belong to (for the access decision), how to search
(restricted to a decided set of patients) and which parameters it honours. A type served by two
sources (EpisodeOfCare: lake registrations and care-home stays, and care episodes) has two
searchers; :class:`ResourceType` puts them behind one read and one search. Reads, searches,
``$everything`` and the CapabilityStatement all walk this table, so adding a type is one entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from nhc.care.services import CareService
from nhc.fhir.server.outcome import FhirError
from nhc.fhir.server.params import Search
from nhc.fhir.server.reader import LakeReader
from nhc.identifiers import IdentifierToken

LAKE, CARE = "lake", "care"
#: A page large enough for every resource of one person ($everything).
EVERYTHING = 10**9


@dataclass(frozen=True)
class Param:
    """A search parameter as the CapabilityStatement lists it (``type``: FHIR search param type)."""

    name: str
    type: str


@dataclass(frozen=True)
class Include:
    """An ``_include`` a type honours: ``Source:name`` follows the references at ``elements``
    (top-level elements, each one reference or a list of them) to resources of ``target``."""

    source: str
    name: str
    elements: tuple[str, ...]
    target: str

    def references(self, resource: dict[str, Any]) -> list[str]:
        """The ids of ``target`` resources this resource refers to (``Target/id`` references only)."""
        out = []
        for element in self.elements:
            value = resource.get(element)
            for ref in value if isinstance(value, list) else [value]:
                text = ref.get("reference") if isinstance(ref, dict) else None
                if isinstance(text, str) and text.startswith(f"{self.target}/"):
                    out.append(text.split("/", 1)[1])
        return out

    @property
    def value(self) -> str:
        return f"{self.source}:{self.name}"


#: Where a resource keeps its date, in the order looked at (for sorting in Python).
_DATE_PATHS = (
    ("period", "start"),
    ("effectiveDateTime", None),
    ("onsetDateTime", None),
    ("performedDateTime", None),
    ("authoredOn", None),
    ("recordedDate", None),
    ("occurrenceDateTime", None),
    ("issued", None),
)


def resource_date(resource: dict[str, Any]) -> str:
    """The resource's clinical date as ISO text (``""`` if it has none), to sort by."""
    for element, child in _DATE_PATHS:
        value = resource.get(element)
        if child is not None and isinstance(value, dict):
            value = value.get(child)
        if isinstance(value, str):
            return value
    return ""


def sort_by_date(resources: list[dict[str, Any]], descending: bool) -> list[dict[str, Any]]:
    """Resources by date (stable; undated last either way)."""
    dated = sorted((r for r in resources if resource_date(r)), key=resource_date, reverse=descending)
    return dated + [r for r in resources if not resource_date(r)]


def patient_includes(rtype: str, elements: tuple[str, ...] = ("subject", "patient")) -> tuple[Include, ...]:
    """``Type:patient`` and ``Type:subject``: the patient the resource is about (at ``elements``)."""
    return tuple(Include(rtype, name, elements, "Patient") for name in ("patient", "subject"))


ID = Param("_id", "token")
PATIENT = (Param("patient", "reference"), Param("subject", "reference"))
CODE = Param("code", "token")
DATE = Param("date", "date")
#: Every type honours it (each source stamps ``meta.lastUpdated`` and filters on the same value).
LAST_UPDATED = Param("_lastUpdated", "date")


class Sources:
    """What searchers read: the lake (opened on first use) and the care service (``None``: the
    care record is not served, e.g. by the bare FHIR app)."""

    def __init__(
        self,
        lake: LakeReader | Callable[[], LakeReader] | None = None,
        care: CareService | None = None,
    ) -> None:
        self._lake = lake
        self.care = care

    @property
    def lake(self) -> LakeReader:
        if callable(self._lake):
            self._lake = self._lake()
        if self._lake is None:
            raise FhirError(503, "exception", "the lake is not available")
        return self._lake

    def has(self, source: str) -> bool:
        return self.care is not None if source == CARE else self._lake is not None


class Searcher:
    """One resource type from one source. Subclasses set the class attributes and implement
    :meth:`patients_of` and :meth:`search`."""

    rtype: str = ""
    source: str = LAKE
    params: tuple[Param, ...] = ()
    includes: tuple[Include, ...] = ()
    #: ``False``: reference data (practices), no patient and no access decision.
    person_level: bool = True

    def claims(self, rid: str) -> bool:
        """Whether ``rid`` is one of this searcher's ids (its format, not whether it exists)."""
        return True

    def check_read_id(self, rid: str) -> None:
        """Raise :class:`FhirError` when ``rid`` cannot be an id of this type (default: any id may be)."""

    def patients_of(self, src: Sources, ids: list[str]) -> frozenset[int]:
        """The patients the resources with these ids belong to (malformed or unknown ids: no one)."""
        raise NotImplementedError

    def patients_identified(self, src: Sources, ident: IdentifierToken) -> frozenset[int]:
        """The patients an ``identifier`` search names (types without ``identifier``: no one)."""
        return frozenset()

    def search(self, src: Sources, s: Search) -> tuple[list[dict[str, Any]], int]:
        """(one page of resources, total matches), restricted to ``s.scope`` when it is set."""
        raise NotImplementedError


@dataclass(frozen=True)
class ResourceType:
    """A resource type as served now: the searchers whose sources are available, in table order."""

    name: str
    parts: tuple[Searcher, ...]

    @property
    def person_level(self) -> bool:
        return any(p.person_level for p in self.parts)

    @property
    def params(self) -> tuple[Param, ...]:
        """The parameters every part honours (a type's search takes only those), and
        ``_lastUpdated``, which every searcher honours."""
        names = set.intersection(*({p.name for p in part.params} for part in self.parts))
        return (*(p for p in self.parts[0].params if p.name in names), LAST_UPDATED)

    @property
    def includes(self) -> tuple[Include, ...]:
        """The ``_include`` values every part honours."""
        values = set.intersection(*({i.value for i in part.includes} for part in self.parts))
        return tuple(i for i in self.parts[0].includes if i.value in values)

    def reader_of(self, rid: str) -> Searcher:
        """The part whose id format ``rid`` has (checked: it may raise :class:`FhirError`)."""
        part = next((p for p in self.parts if p.claims(rid)), self.parts[-1])
        part.check_read_id(rid)
        return part

    def patients_of(self, src: Sources, ids: list[str]) -> frozenset[int]:
        out: frozenset[int] = frozenset()
        for part in self.parts:
            mine = [i for i in ids if part.claims(i)]
            if mine:
                out |= part.patients_of(src, mine)
        return out

    def patients_identified(self, src: Sources, ident: IdentifierToken) -> frozenset[int]:
        out: frozenset[int] = frozenset()
        for part in self.parts:
            out |= part.patients_identified(src, ident)
        return out

    def search(self, src: Sources, s: Search) -> tuple[list[dict[str, Any]], int]:
        """One page across the parts (the first part's matches, then the next's; by date across
        all of them when the search is sorted), and the total."""
        if s.sort is not None and len(self.parts) > 1:
            found: list[dict[str, Any]] = []
            for part in self.parts:
                found += part.search(src, replace(s, offset=0, count=EVERYTHING))[0]
            ordered = sort_by_date(found, s.descending)
            return ordered[s.offset : s.offset + max(s.count, 0)], len(ordered)
        page: list[dict[str, Any]] = []
        total, skip, want = 0, s.offset, s.count
        for part in self.parts:
            found, n = part.search(src, replace(s, offset=skip, count=want))
            page += found
            want -= len(found)
            total += n
            skip = max(0, skip - n)
        return page, total


class CompartmentExtra(Protocol):
    """Resources of a patient's record that no searcher serves, added to ``$everything``."""

    source: str

    def everything(self, src: Sources, patient_id: int) -> list[dict[str, Any]]: ...


class Table:
    """Resource type -> searchers, in registration order (the order of the CapabilityStatement)."""

    def __init__(self, searchers: Iterable[Searcher], extras: Iterable[CompartmentExtra] = ()) -> None:
        self.extras = tuple(extras)
        self._by_type: dict[str, list[Searcher]] = {}
        for searcher in searchers:
            self._by_type.setdefault(searcher.rtype, []).append(searcher)

    @property
    def all_types(self) -> tuple[str, ...]:
        """Every type the table can serve (with every source available)."""
        return tuple(self._by_type)

    @property
    def all_params(self) -> frozenset[str]:
        own = {p.name for parts in self._by_type.values() for s in parts for p in s.params}
        return frozenset({*own, LAST_UPDATED.name})

    def get(self, rtype: str, src: Sources) -> ResourceType | None:
        """The type as ``src`` can serve it (``None``: not served)."""
        parts = tuple(s for s in self._by_type.get(rtype, ()) if src.has(s.source))
        return ResourceType(rtype, parts) if parts else None

    def served(self, src: Sources) -> list[ResourceType]:
        return [t for t in (self.get(name, src) for name in self._by_type) if t is not None]


def revincludes(types: Iterable[ResourceType], target: str) -> tuple[Include, ...]:
    """The ``_revinclude`` values a ``target`` search honours: every served type's ``_include``
    that points at ``target`` (``Observation:patient`` on Patient, ``CarePlan:care-team`` on CareTeam)."""
    return tuple(i for t in types for i in t.includes if i.target == target)
