"""Demonstration comments for ``nhc demo``: a handful per neighbourhood, drawn from the labelled set's
training rows (never its held-out rows, so the benchmark stays honest), each taken in through the same
use cases as a real comment (scrubbed, themed by the classifier, stored). Deterministic for a seed."""

from __future__ import annotations

import datetime as dt
import random

from nhc.engagement.domain import Channel
from nhc.engagement.domain.classifier import labelled_comments, training_rows
from nhc.engagement.services import feedback
from nhc.engagement.services.feedback import Comment, Engagement
from nhc.vocab import AGE_BANDS

DEMO_USER = "demo"
CHANNELS = (Channel.PUBLIC_FORM, Channel.PUBLIC_FORM, Channel.MEETING_NOTE, Channel.SURVEY)


def demo_comments(
    neighbourhoods: list[str], per_neighbourhood: int, today: dt.date, seed: int
) -> list[Comment]:
    rng = random.Random(seed)
    pool = training_rows(labelled_comments())
    comments = []
    for name in neighbourhoods:
        for row in rng.sample(pool, per_neighbourhood):
            channel = rng.choice(CHANNELS)
            comments.append(
                Comment(
                    neighbourhood=name,
                    text=row.text,
                    channel=channel,
                    received=today - dt.timedelta(days=rng.randrange(90)),
                    age_band=rng.choice((*AGE_BANDS[1:], None)),
                    imd_quintile=rng.randint(1, 5) if channel is Channel.SURVEY else None,
                )
            )
    return comments


def seed(eng: Engagement, per_neighbourhood: int = 10, seed: int = 1) -> int:
    """Add the demonstration comments unless there are comments already; the number added."""
    with eng.uow() as uow:
        if uow.repo.count():
            return 0
    comments = demo_comments(list(eng.neighbourhoods()), per_neighbourhood, eng.clock().date(), seed)
    public = [c for c in comments if c.channel is Channel.PUBLIC_FORM]
    notes = [c for c in comments if c.channel is not Channel.PUBLIC_FORM]
    items = [feedback.make_item(eng, c, None) for c in public]
    with eng.uow() as uow:
        for i in items:
            uow.repo.add(i)
    feedback.import_notes(eng, None, DEMO_USER, notes, "demo")
    return len(comments)
