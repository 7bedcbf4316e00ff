"""Population health analytics: pure functions over Ibis tables with an as-of date.

Each module holds one idea (registers, frailty, multimorbidity, segmentation, risk, worklists,
cube, disclosure). None of them names an engine or does I/O; :mod:`nhc.analytics.pipeline` is the
edge that reads the lake on the configured engine, runs them and writes the insight tables back.
"""

from __future__ import annotations

DEFAULT_AS_OF = "2026-03-31"
