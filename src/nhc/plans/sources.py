"""What a plan is built from, as the plan builder sees it: the shapes it reads from other areas.

The plans area sits beside care, navigation, access and planning (import-linter keeps sibling areas
from importing each other), so it names what it reads from them as :class:`typing.Protocol`\\ s that
their services already satisfy; the composition root (:mod:`nhc.bootstrap`) hands the services in.
Insights and outcomes are lower layers and are used directly.

:class:`EngagementSource` is the engagement area's summary (``EngagementService.summary``): counts
are ``None`` when disclosure control suppressed them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol


class ThemeCount(Protocol):
    """What people said about one theme of what people value."""

    @property
    def theme(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def count(self) -> int | None: ...
    @property
    def positive(self) -> int | None: ...
    @property
    def negative(self) -> int | None: ...
    @property
    def quotes(self) -> tuple[str, ...]: ...


class EngagementSummary(Protocol):
    """Feedback gathered for a neighbourhood (or the county): ``None`` counts are suppressed."""

    @property
    def total(self) -> int | None: ...
    @property
    def as_of(self) -> dt.date | None: ...
    @property
    def themes(self) -> tuple[ThemeCount, ...]: ...


class EngagementSource(Protocol):
    """``nhc.engagement.services.EngagementService``: ``summary(None)`` is the county's."""

    def summary(self, neighbourhood: str | None) -> EngagementSummary: ...


class StaffMember(Protocol):
    """One member of a neighbourhood team (``nhc.care.services.StaffView``); read in aggregate only."""

    role: str
    role_label: str
    neighbourhood: str
    locality: str
    capacity: int
    load: int
    is_lead: bool


class TeamAccessLike(Protocol):
    lead: bool


class TeamSource(Protocol):
    """The care record's teams (``nhc.care.services.CareService``)."""

    def list_staff(self, neighbourhood: str | None = None) -> Sequence[StaffMember]: ...

    def team_access(self, principal: Any, neighbourhood: str) -> TeamAccessLike: ...


class DirectorySource(Protocol):
    """The services directory (``nhc.navigation.services.NavigationService``): ``directory()`` has
    ``services`` by id, each with ``name``, ``kind``, ``status``, ``taxonomy_terms`` and ``service_areas``."""

    def directory(self) -> Any: ...


class HubUseLike(Protocol):
    hub: Any  # ``.neighbourhood``, ``.name``
    booked: int
    free: int
    utilisation: float


class AccessSource(Protocol):
    """Hub utilisation (``nhc.access.services.AccessService``)."""

    def utilisation(self, start: dt.datetime, end: dt.datetime) -> Sequence[HubUseLike]: ...


class ProjectionLike(Protocol):
    """A planning scenario's result (``nhc.planning.montecarlo.Result``): county totals."""

    scenario: str
    as_of: str
    horizon_years: int
    summary: dict[str, dict[str, float]]
    workforce: list[dict[str, Any]]
