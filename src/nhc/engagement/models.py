"""Tables of the engagement area (``nhc.db.Base``, ``eng_`` prefix): the feedback items.

Only scrubbed text is ever written here (the repository takes :class:`~nhc.engagement.domain.FeedbackItem`\\ s,
whose text is :class:`~nhc.engagement.domain.Scrubbed`). No column holds an identifier: the person's
facts are the age band and IMD quintile they chose to give. Themes and tags are stored as
comma-separated slugs (few, short, always read with their item). Created by migration ``0012_engagement``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nhc.db import Base, utcnow


class FeedbackRow(Base):
    __tablename__ = "eng_feedback"
    __table_args__ = (
        CheckConstraint("channel IN ('public_form', 'meeting_note', 'survey')", name="channel"),
        CheckConstraint("sentiment IN ('positive', 'negative', 'mixed')", name="sentiment"),
        CheckConstraint("imd_quintile IS NULL OR imd_quintile BETWEEN 1 AND 5", name="imd_quintile"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    neighbourhood: Mapped[str] = mapped_column(String(200), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    themes: Mapped[str] = mapped_column(String(200))
    tags: Mapped[str] = mapped_column(String(300), default="")
    sentiment: Mapped[str] = mapped_column(String(10))
    age_band: Mapped[str | None] = mapped_column(String(10), nullable=True)
    imd_quintile: Mapped[int | None] = mapped_column(Integer, nullable=True)
    received: Mapped[dt.date] = mapped_column(Date, index=True)
    entered_by: Mapped[str | None] = mapped_column(String(150), nullable=True)
    retagged_by: Mapped[str | None] = mapped_column(String(150), nullable=True)
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
