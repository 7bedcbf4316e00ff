"""Read-side services the pages and the API call: county overview, neighbourhood profiles, practice
variation (funnel plots), worklists and the patient summary, read from the lake's insight tables
through DuckDB. Every aggregate passes disclosure control (:mod:`nhc.analytics.rules.disclosure`)."""

from nhc.insights.service import BadParameter, InsightsService, NotFound

__all__ = ["BadParameter", "InsightsService", "NotFound"]
