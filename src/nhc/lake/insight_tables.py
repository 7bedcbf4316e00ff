"""Compatibility alias for :mod:`nhc.lake.tables.insights` (import from there in new code)."""

from nhc.lake.tables.insights import *  # noqa: F403
from nhc.lake.tables.insights import INSIGHT_TABLES, PATIENT_INSIGHTS  # noqa: F401
