"""The rules of population health analytics: pure functions over Ibis tables with an as-of date.

One idea a module (the population, coded events, registers, frailty, multimorbidity, segmentation,
risk, utilisation, worklists, the cube, disclosure control). None names an engine or does I/O, so
the same rule runs on DuckDB and on a Spark cluster; :mod:`nhc.analytics.pipeline` is the edge that
runs them.
"""
