"""The engagement service: one object the web, the CLI and the plans call, grouping the use cases.

Contract
--------
``EngagementService(db, security=..., clock=..., neighbourhoods=...)`` needs a migrated database.
``submit_public`` takes a comment from the public form; ``add_note`` and ``import_notes`` take staff's
meeting and survey notes (audited); ``retag`` replaces a comment's themes and tags (audited);
``inbox`` lists comments newest first; ``summary(neighbourhood)`` is the disclosure-controlled
:class:`~nhc.engagement.domain.EngagementSummary` a neighbourhood plan shows (``None``: the county).
Every comment is scrubbed of identifiers before it is themed, stored or returned. Errors the user can
fix are :class:`~nhc.engagement.domain.EngagementError`\\ s (with ``http_status``), or
:class:`~nhc.errors.InputError` for an import file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from nhc.db import Database, utcnow
from nhc.engagement.domain import Channel, EngagementSummary, FeedbackItem, summarise
from nhc.engagement.domain.classifier import ThemeClassifier, shipped_classifier
from nhc.engagement.services import demo, feedback
from nhc.engagement.services.feedback import Comment, Engagement
from nhc.reference.geography import neighbourhoods as geography_neighbourhoods
from nhc.security.roles import Principal
from nhc.security.service import SecurityService

__all__ = ["Comment", "EngagementService"]

INBOX_LIMIT = 500


def county_neighbourhoods() -> list[str]:
    """The county's neighbourhoods, in the reference geography's order."""
    return geography_neighbourhoods().column("neighbourhood").to_pylist()


class EngagementService:
    """What people told us: taken in, scrubbed, themed, listed and counted."""

    def __init__(
        self,
        db: Database,
        *,
        security: SecurityService | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
        neighbourhoods: Callable[[], Sequence[str]] = county_neighbourhoods,
        classifier: Callable[[], ThemeClassifier] = shipped_classifier,
    ) -> None:
        self.db = db
        self.clock = clock
        self.eng = Engagement(db, clock, classifier, _once(neighbourhoods), security)

    def warm(self) -> None:
        """Train the theme classifier now (the web app does it at start-up, not on the first comment)."""
        self.eng.classifier()

    def neighbourhoods(self) -> list[str]:
        return list(self.eng.neighbourhoods())

    def submit_public(
        self,
        neighbourhood: str,
        text: str,
        *,
        age_band: str | None = None,
        imd_quintile: int | str | None = None,
    ) -> FeedbackItem:
        comment = Comment(neighbourhood, text, age_band=age_band, imd_quintile=imd_quintile)
        return feedback.submit_public(self.eng, comment)

    def add_note(self, principal: Principal, comment: Comment) -> FeedbackItem:
        return feedback.add_note(self.eng, principal, principal.username, comment)

    def import_notes(
        self, comments: Sequence[Comment], *, entered_by: str, file: str, principal: Principal | None = None
    ) -> list[FeedbackItem]:
        return feedback.import_notes(self.eng, principal, entered_by, comments, file)

    def retag(
        self, principal: Principal, item_id: int, themes: Sequence[str], tags: Sequence[str] = ()
    ) -> FeedbackItem:
        return feedback.retag(self.eng, principal, principal.username, item_id, themes, tags)

    def seed_demo(self, per_neighbourhood: int = 10, seed: int = 1) -> int:
        """Demonstration comments (see :mod:`nhc.engagement.services.demo`) unless there are some."""
        return demo.seed(self.eng, per_neighbourhood, seed)

    def item(self, item_id: int) -> FeedbackItem:
        with self.eng.uow() as uow:
            return uow.repo.get(item_id)

    def inbox(
        self,
        neighbourhood: str | None = None,
        theme: str | None = None,
        channel: Channel | None = None,
        limit: int = INBOX_LIMIT,
    ) -> list[FeedbackItem]:
        """Comments newest first, optionally of one neighbourhood, theme and channel (at most ``limit``)."""
        if neighbourhood is not None:
            self.eng.check_neighbourhood(neighbourhood)
        with self.eng.uow() as uow:
            items = uow.repo.items(neighbourhood)
        wanted = [
            i
            for i in items
            if (theme is None or theme in i.themes) and (channel is None or i.channel is channel)
        ]
        return wanted[:limit]

    def summary(self, neighbourhood: str | None = None) -> EngagementSummary:
        """The disclosure-controlled summary of ``neighbourhood``'s comments (``None``: every one)."""
        if neighbourhood is not None:
            self.eng.check_neighbourhood(neighbourhood)
        with self.eng.uow() as uow:
            items = uow.repo.items(neighbourhood)
        return summarise(items, neighbourhood, self.neighbourhoods())


def _once(source: Callable[[], Sequence[str]]) -> Callable[[], Sequence[str]]:
    """``source`` read on first use and kept (the geography does not change while running)."""
    kept: list[Sequence[str]] = []

    def read() -> Sequence[str]:
        if not kept:
            kept.append(tuple(source()))
        return kept[0]

    return read
