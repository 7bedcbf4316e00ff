"""Analytics commands (``nhc run``, ``nhc explain``) — filled in by the analytics package."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the analytics commands to ``app``."""
