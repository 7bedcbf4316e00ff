"""Compatibility alias for :mod:`nhc.lake.tables.dictionary` (import from there in new code)."""

from nhc.lake.tables.dictionary import HEADER, render_dictionary, write_dictionary  # noqa: F401
