"""What every ``nhc`` command shares: the consoles, the shared options, settings and services.

One registration style for every area: an area module defines its commands as plain module-level
functions and a ``register(app)`` that adds them with :func:`add_commands` (top-level commands)
or :func:`add_group` (``nhc <group> <command>``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from nhc import bootstrap
from nhc.bootstrap import Services
from nhc.care.directory import PatientDirectory
from nhc.errors import NhcError
from nhc.settings import Settings

console = Console()
err_console = Console(stderr=True)

DataOption = Annotated[
    Path | None,
    typer.Option("--data", help="Data folder (default: $NHC_DATA or ./data).", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON instead of tables.")]
HostOption = Annotated[str, typer.Option("--host", help="Address of the web app.")]
PortOption = Annotated[int, typer.Option("--port", help="Port of the web app.")]
NeighbourhoodOption = Annotated[
    str, typer.Option("--neighbourhood", "-n", help="Neighbourhood name, e.g. Headington.")
]


def settings_for(data: Path | None) -> Settings:
    """The environment's settings, with the data folder ``--data`` gave (if it gave one)."""
    settings = Settings.from_env()
    return settings if data is None else dataclasses.replace(settings, data_dir=data)


def services_for(data: Path | None, *, care_directory: PatientDirectory | None = None) -> Services:
    """Every service over ``--data`` (the database migrated), from the composition root."""
    return bootstrap.build(settings_for(data), care_directory=care_directory)


def parse_date(value: str | None, option: str) -> date | None:
    """``value`` as a date (``None`` stays ``None``); a bad one is an :class:`NhcError` naming ``option``."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise NhcError(f"{option} must be a date like 2026-03-31, not {value!r}") from None


def print_json(value: Any) -> None:
    """``value`` as indented JSON on stdout (dates and paths as strings), for scripts."""
    print(json.dumps(value, indent=2, default=str))


def add_commands(app: typer.Typer, commands: Mapping[str, Callable[..., Any]]) -> None:
    """Add ``commands`` (name -> function) as top-level commands of ``app``."""
    for name, function in commands.items():
        app.command(name)(function)


def add_group(
    app: typer.Typer, name: str, help: str, commands: Mapping[str, Callable[..., Any]]
) -> typer.Typer:
    """Add ``nhc <name> <command>`` for each of ``commands``; the group's own ``--help`` is ``help``."""
    group = typer.Typer(help=help, no_args_is_help=True)
    add_commands(group, commands)
    app.add_typer(group, name=name)
    return group
