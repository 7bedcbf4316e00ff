"""The engagement area's domain: feedback items, the scrubber, the theme classifier and the summary.

No storage, no web: the services (:mod:`nhc.engagement.services`) store and read these objects.
"""

from __future__ import annotations

from nhc.engagement.domain.errors import BadField, EngagementError, NotFound, TooMany
from nhc.engagement.domain.feedback import (
    CHANNEL_LABELS,
    IMD_LABELS,
    IMD_QUINTILES,
    STAFF_CHANNELS,
    Channel,
    FeedbackItem,
    Sentiment,
)
from nhc.engagement.domain.scrubber import Scrubbed, scrub
from nhc.engagement.domain.summary import CountRow, EngagementSummary, ThemeCount, summarise

__all__ = [
    "CHANNEL_LABELS",
    "IMD_LABELS",
    "IMD_QUINTILES",
    "STAFF_CHANNELS",
    "BadField",
    "Channel",
    "CountRow",
    "EngagementError",
    "EngagementSummary",
    "FeedbackItem",
    "NotFound",
    "Scrubbed",
    "Sentiment",
    "ThemeCount",
    "TooMany",
    "scrub",
    "summarise",
]
