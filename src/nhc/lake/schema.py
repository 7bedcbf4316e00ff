"""Compatibility alias: the lake's tables now live in :mod:`nhc.lake.tables` (the registry).

Kept so that code written against the old path keeps working while every branch moves over;
import from :mod:`nhc.lake.tables` in new code.
"""

from nhc.lake.tables import *  # noqa: F403
from nhc.lake.tables import TABLES, Column, TableSchema, table_schema  # noqa: F401
