"""The ``nhc`` command line: one module per area, one registration style, shared options.

``nhc = "nhc.cli:main"`` is the console entry point; ``python -m nhc.cli`` runs the same.

- :mod:`nhc.cli.root` — the Typer app and :func:`main` (errors as one line and a hint, exit 2)
- :mod:`nhc.cli.common` — consoles, shared options, settings and services from :mod:`nhc.bootstrap`
- :mod:`nhc.cli.lake` (``synth``, ``lake``), :mod:`nhc.cli.analytics` (``run``, ``explain``),
  :mod:`nhc.cli.fhir` (``ingest``, ``export``), :mod:`nhc.cli.web` (``serve``, ``demo-users``,
  ``users``, ``db``), :mod:`nhc.cli.care` (``care``), :mod:`nhc.cli.demo` (``demo``)

A new area adds a module with its commands as plain functions and a ``register(app)`` that adds
them with :func:`nhc.cli.common.add_commands` or :func:`nhc.cli.common.add_group`, and lists the
module in :data:`nhc.cli.root.AREAS`.
"""

from __future__ import annotations

from nhc.cli.root import app, main

__all__ = ["app", "main"]
