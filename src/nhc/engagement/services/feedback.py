"""The feedback use cases: take a comment in (scrub, theme, store), list them, re-tag one.

Every comment goes through :func:`~nhc.engagement.domain.scrub` before anything else sees it -- the
classifier, the database, the thank-you page -- and is themed by the shipped classifier. A bulk import
is one transaction: every row is checked before any is written, and the first bad row names its line
and field (:class:`~nhc.errors.InputError`), so nothing is half-written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nhc.db import Database
from nhc.engagement.domain import (
    STAFF_CHANNELS,
    BadField,
    Channel,
    FeedbackItem,
    scrub,
)
from nhc.engagement.domain.classifier import ThemeClassifier
from nhc.engagement.unit_of_work import EngagementUnitOfWork
from nhc.errors import InputError
from nhc.security.roles import Principal
from nhc.security.service import SecurityService

NOTE_ADDED, RETAGGED, IMPORTED = "engagement_note_added", "engagement_retagged", "engagement_imported"


@dataclass(frozen=True)
class Comment:
    """A comment as given, before scrubbing: by the public form, a member of staff or an import row."""

    neighbourhood: str
    text: str
    channel: Channel = Channel.PUBLIC_FORM
    received: dt.date | None = None  # None: today
    age_band: str | None = None
    imd_quintile: int | str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Engagement:
    """What every use case is given."""

    db: Database
    clock: Callable[[], dt.datetime]
    classifier: Callable[[], ThemeClassifier]
    neighbourhoods: Callable[[], Sequence[str]]
    security: SecurityService | None = None

    def uow(self) -> EngagementUnitOfWork:
        return EngagementUnitOfWork(self.db, self.security, self.clock)

    def check_neighbourhood(self, name: str) -> str:
        known = self.neighbourhoods()
        if name not in known:
            raise BadField("neighbourhood", f"{name[:60]!r} is not a neighbourhood of the county", known)
        return name


def make_item(eng: Engagement, comment: Comment, entered_by: str | None) -> FeedbackItem:
    """The scrubbed, themed item for ``comment`` (not stored)."""
    today = eng.clock().date()
    received = comment.received or today
    if received > today:
        raise BadField("received", f"{received.isoformat()} is in the future", "today or earlier")
    text = scrub(comment.text.strip())
    themes, sentiment = eng.classifier().tag(text.text) if text.text.strip() else ((), "mixed")
    return FeedbackItem(
        neighbourhood=eng.check_neighbourhood(comment.neighbourhood),
        channel=comment.channel,
        text=text,
        themes=themes,
        sentiment=sentiment,  # type: ignore[arg-type]
        received=received,
        tags=comment.tags,
        age_band=comment.age_band,
        imd_quintile=comment.imd_quintile,  # type: ignore[arg-type]
        entered_by=entered_by,
    )


def submit_public(eng: Engagement, comment: Comment) -> FeedbackItem:
    """A comment from the public form: no sign-in, nothing about the person but what they chose to give."""
    if comment.channel is not Channel.PUBLIC_FORM or comment.tags:
        raise BadField("channel", "the public form only takes public comments", "public_form")
    item = make_item(eng, comment, entered_by=None)
    with eng.uow() as uow:
        return uow.repo.add(item)


def add_note(eng: Engagement, principal: Principal | None, entered_by: str, comment: Comment) -> FeedbackItem:
    """A meeting or survey note entered by staff (``entered_by``: their account), audited."""
    if comment.channel not in STAFF_CHANNELS:
        raise BadField("channel", f"{comment.channel.value!r} is not a staff note", STAFF_CHANNELS)
    item = make_item(eng, comment, entered_by=entered_by)
    with eng.uow() as uow:
        stored = uow.repo.add(item)
        uow.audit(
            principal, NOTE_ADDED, resource=f"engagement/{stored.id}", detail=f"channel={item.channel.value}"
        )
        return stored


def import_notes(
    eng: Engagement, principal: Principal | None, entered_by: str, comments: Sequence[Comment], file: str
) -> list[FeedbackItem]:
    """Staff notes in bulk, all or none: row ``n`` of ``comments`` is line ``n + 2`` of ``file``."""
    items = []
    for n, comment in enumerate(comments):
        try:
            items.append(make_item(eng, comment, entered_by))
        except BadField as exc:
            raise InputError(exc.message, file=file, line=n + 2, field=exc.field, hint=exc.hint) from None
    with eng.uow() as uow:
        stored = [uow.repo.add(i) for i in items]
        uow.audit(principal, IMPORTED, resource="engagement", detail=f"file={file[-100:]} rows={len(stored)}")
    return stored


def retag(
    eng: Engagement,
    principal: Principal | None,
    by: str,
    item_id: int,
    themes: Sequence[str],
    tags: Sequence[str],
) -> FeedbackItem:
    """A member of staff's themes and tags for one comment (replacing the classifier's), audited."""
    with eng.uow() as uow:
        item = uow.repo.get(item_id).retagged(themes, tags, by)
        uow.repo.save_tags(item)
        uow.audit(
            principal, RETAGGED, resource=f"engagement/{item_id}", detail=f"themes={','.join(item.themes)}"
        )
        return item
