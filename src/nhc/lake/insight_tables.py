"""Schemas of the tables the analytics write back to the lake (insights).

Kept apart from :mod:`nhc.lake.schema` (the source tables) so each module holds one idea; the
registry there merges both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nhc.lake.schema import TableSchema

INSIGHT_TABLES: tuple[TableSchema, ...] = ()
