"""One piece of feedback: what someone told us, where, through which channel, and how it is themed.

A :class:`FeedbackItem` holds no identifiers: its text is :class:`~nhc.engagement.domain.scrubber.Scrubbed`
(the constructor refuses plain strings, so unscrubbed text cannot be stored or shown by mistake), and
the only facts about the person are the ones they chose to give: an age band and an IMD quintile.
Themes are slugs of :data:`nhc.vocab.WHAT_PEOPLE_VALUE`; free tags are short lower-case words that
staff add. Re-tagging (:meth:`FeedbackItem.retagged`) returns a new item that says who re-tagged it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from nhc.engagement.domain.errors import BadField
from nhc.engagement.domain.scrubber import Scrubbed
from nhc.vocab import AGE_BANDS, THEMES

MAX_TEXT = 2000
MAX_TAGS = 5
IMD_QUINTILES: tuple[int, ...] = (1, 2, 3, 4, 5)
IMD_LABELS = {1: "1 (most deprived)", 2: "2", 3: "3", 4: "4", 5: "5 (least deprived)"}
_TAG = re.compile(r"^[a-z0-9][a-z0-9 -]{0,39}$")


class Channel(StrEnum):
    """How the feedback reached us."""

    PUBLIC_FORM = "public_form"
    MEETING_NOTE = "meeting_note"
    SURVEY = "survey"


CHANNEL_LABELS = {
    Channel.PUBLIC_FORM: "Public form",
    Channel.MEETING_NOTE: "Meeting note",
    Channel.SURVEY: "Survey",
}
#: The channels staff enter by hand (the public form is the public's own).
STAFF_CHANNELS = (Channel.MEETING_NOTE, Channel.SURVEY)


class Sentiment(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    MIXED = "mixed"


def parse_channel(value: str) -> Channel:
    try:
        return Channel(value)
    except ValueError:
        raise BadField("channel", f"unknown channel {value!r}", [c.value for c in Channel]) from None


def parse_sentiment(value: str) -> Sentiment:
    try:
        return Sentiment(value)
    except ValueError:
        raise BadField("sentiment", f"unknown sentiment {value!r}", [s.value for s in Sentiment]) from None


def check_themes(themes: Iterable[str]) -> tuple[str, ...]:
    """``themes`` in the vocabulary's order, each once; :class:`BadField` for an unknown one."""
    wanted = set(themes)
    unknown = sorted(wanted - set(THEMES))
    if unknown:
        raise BadField("themes", f"unknown theme {unknown[0]!r}", THEMES)
    return tuple(t for t in THEMES if t in wanted)


def check_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Free tags: lower-cased, trimmed, each once, at most :data:`MAX_TAGS`, short words only."""
    out: list[str] = []
    for raw in tags:
        tag = " ".join(str(raw).lower().split())
        if not tag or tag in out:
            continue
        if not _TAG.match(tag):
            raise BadField("tags", f"{tag[:40]!r} is not a short word", "letters, digits, spaces, dashes")
        out.append(tag)
    if len(out) > MAX_TAGS:
        raise BadField("tags", f"{len(out)} tags", f"at most {MAX_TAGS}")
    return tuple(out)


def check_age_band(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    if value not in AGE_BANDS:
        raise BadField("age_band", f"unknown age band {value!r}", AGE_BANDS)
    return value


def check_quintile(value: int | str | None) -> int | None:
    if value in (None, ""):
        return None
    # ASCII digits only: int() would also read "１" or "٣" as a number.
    text = str(value).strip()
    quintile = int(text) if len(text) == 1 and text in "12345" else 0
    if quintile not in IMD_QUINTILES:
        raise BadField("imd_quintile", f"{value!r} is not a quintile", "1, 2, 3, 4, 5")
    return quintile


@dataclass(frozen=True)
class FeedbackItem:
    """One comment, scrubbed and themed. ``id`` is ``None`` until stored."""

    neighbourhood: str
    channel: Channel
    text: Scrubbed
    themes: tuple[str, ...]
    sentiment: Sentiment
    received: dt.date
    tags: tuple[str, ...] = ()
    age_band: str | None = None
    imd_quintile: int | None = None
    entered_by: str | None = None  # the staff account that entered a note; None for the public form
    retagged_by: str | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.text, Scrubbed):
            raise TypeError("feedback text must be scrubbed first (nhc.engagement.domain.scrub)")
        if not self.text.text.strip():
            raise BadField("text", "the comment is empty", "a comment of 1 to 2000 characters")
        if len(self.text.text) > MAX_TEXT:
            n = len(self.text.text)
            raise BadField(
                "text",
                f"the comment is too long ({n:,} characters; the most is {MAX_TEXT:,})",
                f"at most {MAX_TEXT}",
            )
        if not self.neighbourhood.strip():
            raise BadField("neighbourhood", "is empty", "a neighbourhood of the county")
        object.__setattr__(self, "channel", parse_channel(self.channel))
        object.__setattr__(self, "sentiment", parse_sentiment(self.sentiment))
        object.__setattr__(self, "themes", check_themes(self.themes))
        object.__setattr__(self, "tags", check_tags(self.tags))
        object.__setattr__(self, "age_band", check_age_band(self.age_band))
        object.__setattr__(self, "imd_quintile", check_quintile(self.imd_quintile))

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS[self.channel]

    def retagged(self, themes: Iterable[str], tags: Iterable[str], by: str) -> FeedbackItem:
        """The same comment with the themes and tags a member of staff chose (``by``: their username)."""
        return dataclasses.replace(self, themes=check_themes(themes), tags=check_tags(tags), retagged_by=by)
