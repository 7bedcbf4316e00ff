"""What people told us, counted: the summary a neighbourhood plan shows and the themes page tables.

Every count is disclosure-controlled with :func:`nhc.analytics.rules.disclosure.safe_count` (7 or
fewer suppressed to ``None``, others rounded to the nearest 5), whatever is counted: comments are few,
and a small count of comments from one age band in one neighbourhood could point at a person.
Quotes (up to three short scrubbed comments per theme, newest first) are given only for a theme whose
count is published, for the same reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nhc.analytics.rules.disclosure import safe_count
from nhc.engagement.domain.feedback import IMD_LABELS, FeedbackItem, Sentiment
from nhc.vocab import AGE_BANDS, THEMES, WHAT_PEOPLE_VALUE

MAX_QUOTES = 3
QUOTE_LENGTH = 200


@dataclass(frozen=True)
class ThemeCount:
    """One theme's comments: how many, how many positive and negative, and a few examples."""

    theme: str  # slug of nhc.vocab.WHAT_PEOPLE_VALUE
    label: str
    count: int | None
    positive: int | None
    negative: int | None
    quotes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CountRow:
    """One row of a breakdown: a neighbourhood, age band or IMD quintile, its total and theme counts."""

    key: str
    label: str
    total: int | None
    themes: tuple[int | None, ...]  # in nhc.vocab.THEMES order


@dataclass(frozen=True)
class EngagementSummary:
    """The comments of one neighbourhood (or of the county, ``neighbourhood`` None), counted."""

    total: int | None
    as_of: dt.date | None  # the newest comment's date; None when there are none
    themes: tuple[ThemeCount, ...]
    neighbourhood: str | None = None
    by_neighbourhood: tuple[CountRow, ...] = ()
    by_age_band: tuple[CountRow, ...] = ()
    by_imd_quintile: tuple[CountRow, ...] = ()


def theme_count(theme: str, items: Sequence[FeedbackItem]) -> ThemeCount:
    tagged = [i for i in items if theme in i.themes]
    count = safe_count(len(tagged))
    newest = sorted(tagged, key=lambda i: (i.received, i.id or 0), reverse=True)
    quotes = tuple(i.text.text for i in newest if len(i.text.text) <= QUOTE_LENGTH)[:MAX_QUOTES]
    return ThemeCount(
        theme=theme,
        label=WHAT_PEOPLE_VALUE[theme],
        count=count,
        positive=safe_count(sum(i.sentiment is Sentiment.POSITIVE for i in tagged)),
        negative=safe_count(sum(i.sentiment is Sentiment.NEGATIVE for i in tagged)),
        quotes=quotes if count is not None else (),
    )


def breakdown(
    items: Sequence[FeedbackItem],
    keys: Sequence[tuple[str, str]],
    key_of: Callable[[FeedbackItem], str | None],
) -> tuple[CountRow, ...]:
    """One row per ``(key, label)`` of ``keys`` (in that order): its comments and their themes, each
    count disclosure-controlled."""
    rows = []
    for key, label in keys:
        mine = [i for i in items if key_of(i) == key]
        counts = tuple(safe_count(sum(t in i.themes for i in mine)) for t in THEMES)
        rows.append(CountRow(key, label, safe_count(len(mine)), counts))
    return tuple(rows)


def summarise(
    items: Sequence[FeedbackItem], neighbourhood: str | None, neighbourhoods: Sequence[str]
) -> EngagementSummary:
    """The summary of ``items`` (already those of ``neighbourhood``, or all of them)."""
    ages = [(a, a) for a in AGE_BANDS] + [("", "Not given")]
    quintiles = [(str(q), label) for q, label in IMD_LABELS.items()] + [("", "Not given")]
    return EngagementSummary(
        # Nothing gathered is a structural zero (no one was counted), not a small number to hide.
        total=safe_count(len(items)) if items else 0,
        as_of=max((i.received for i in items), default=None),
        themes=tuple(theme_count(t, items) for t in THEMES),
        neighbourhood=neighbourhood,
        by_neighbourhood=breakdown(items, [(n, n) for n in neighbourhoods], lambda i: i.neighbourhood),
        by_age_band=breakdown(items, ages, lambda i: i.age_band or ""),
        by_imd_quintile=breakdown(items, quintiles, lambda i: str(i.imd_quintile) if i.imd_quintile else ""),
    )
