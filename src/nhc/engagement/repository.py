"""Feedback items to rows and back (the engagement area's only SQL).

Contract: :meth:`EngagementRepository.add` takes a :class:`~nhc.engagement.domain.FeedbackItem` (scrubbed
by construction) and returns it with its id; :meth:`items` reads them back newest first, optionally of one
neighbourhood; :meth:`get` raises :class:`~nhc.engagement.domain.NotFound`; :meth:`save_tags` writes a
re-tagged item's themes, tags and who re-tagged it.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.orm import Session

from nhc.engagement.domain import FeedbackItem, NotFound
from nhc.engagement.domain.scrubber import Scrubbed
from nhc.engagement.models import FeedbackRow


def _split(value: str) -> tuple[str, ...]:
    return tuple(v for v in value.split(",") if v)


def to_item(row: FeedbackRow) -> FeedbackItem:
    return FeedbackItem(
        id=row.id,
        neighbourhood=row.neighbourhood,
        channel=row.channel,  # type: ignore[arg-type]
        # Scrubbed on the way in: the table holds nothing else (see nhc.engagement.models).
        text=Scrubbed(row.text),
        themes=_split(row.themes),
        tags=_split(row.tags),
        sentiment=row.sentiment,  # type: ignore[arg-type]
        age_band=row.age_band,
        imd_quintile=row.imd_quintile,
        received=row.received,
        entered_by=row.entered_by,
        retagged_by=row.retagged_by,
    )


class EngagementRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, item: FeedbackItem) -> FeedbackItem:
        row = FeedbackRow(
            neighbourhood=item.neighbourhood,
            channel=item.channel.value,
            text=item.text.text,
            themes=",".join(item.themes),
            tags=",".join(item.tags),
            sentiment=item.sentiment.value,
            age_band=item.age_band,
            imd_quintile=item.imd_quintile,
            received=item.received,
            entered_by=item.entered_by,
            retagged_by=item.retagged_by,
        )
        self.session.add(row)
        self.session.flush()
        return dataclasses.replace(item, id=row.id)

    def get(self, item_id: int) -> FeedbackItem:
        row = self.session.get(FeedbackRow, item_id)
        if row is None:
            raise NotFound(f"no feedback item {item_id}")
        return to_item(row)

    def items(self, neighbourhood: str | None = None, limit: int | None = None) -> list[FeedbackItem]:
        query = select(FeedbackRow).order_by(FeedbackRow.received.desc(), FeedbackRow.id.desc())
        if neighbourhood is not None:
            query = query.where(FeedbackRow.neighbourhood == neighbourhood)
        if limit is not None:
            query = query.limit(limit)
        return [to_item(r) for r in self.session.scalars(query)]

    def save_tags(self, item: FeedbackItem) -> None:
        row = self.session.get(FeedbackRow, item.id)
        if row is None:
            raise NotFound(f"no feedback item {item.id}")
        row.themes, row.tags, row.retagged_by = ",".join(item.themes), ",".join(item.tags), item.retagged_by

    def count(self) -> int:
        return len(self.session.scalars(select(FeedbackRow.id)).all())
