"""Web and security commands: ``nhc serve``, ``nhc demo-users``, ``nhc users
create|list|set-password|disable|enable`` and ``nhc db upgrade|current``.

Thin wrappers over :mod:`nhc.web`, :mod:`nhc.security` and :mod:`nhc.db`, with the services from
the composition root (:mod:`nhc.bootstrap`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from rich.table import Table

from nhc.bootstrap import Services
from nhc.cli.common import (
    DataOption,
    HostOption,
    PortOption,
    add_commands,
    add_group,
    console,
    services_for,
    settings_for,
)
from nhc.db import current_revision, upgrade
from nhc.errors import NhcError
from nhc.security.passwords import check_policy, generate_password
from nhc.security.service import SecurityService
from nhc.web.app import create_app

DEMO_USERS = (
    # username, display name, role, neighbourhoods (None = the first neighbourhood in the lake)
    ("analyst", "Ada Analyst", "analyst", ()),
    ("clinician", "Dr Clare Clinician", "clinician", None),
    ("team", "Tom Team-Member", "team_member", None),
    ("admin", "Alex Admin", "admin", ()),
)
UsernameArgument = Annotated[str, typer.Argument(help="Username.")]


def _security(data: Path | None) -> SecurityService:
    """The security service over ``--data`` (its database migrated)."""
    return services_for(data).security


def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes.")] = 1,
    data: DataOption = None,
) -> None:
    """Serve the web app (pages, JSON API under /api, OpenAPI at /openapi.json)."""
    settings = settings_for(data)
    target: Any
    if workers <= 1:
        target = create_app(settings)  # the settings handed over as a value
    else:
        _security(data)  # migrate once, before the workers start
        # Each uvicorn worker is a new process that imports nhc.web.asgi:app, which builds the app
        # from the environment: the only way to hand the workers these settings (--data included).
        os.environ.update(settings.as_env())
        target = "nhc.web.asgi:app"
    trusted = settings.trusted_proxies
    console.print(f"Serving NHC on http://{host}:{port}/  (Ctrl+C to stop)")
    uvicorn.run(
        target,
        host=host,
        port=port,
        workers=workers,
        # X-Forwarded-For/-Proto are believed only from NHC_TRUSTED_PROXIES (none by default):
        # uvicorn's own default trusts any local process, which could then forge the client
        # address that rate limits and the audit log rely on.
        proxy_headers=bool(trusted),
        forwarded_allow_ips=",".join(trusted),
        log_level="info",
        server_header=False,
    )


def _first_neighbourhood(services: Services) -> str:
    try:  # the neighbourhood with the most people on worklists, so the demo has something to show
        names = sorted(services.insights.geography()["neighbourhoods"])
    except NhcError:
        return "Central Oxford"
    return max(
        names, key=lambda nb: services.insights.worklist_page(nb, None, 1)[1], default="Central Oxford"
    )


def _demo_password(username: str) -> str:
    """A random password that meets the password policy for ``username`` (a random one almost
    always does; the loop makes it certain)."""
    while True:
        password = generate_password()
        try:
            check_policy(password, username)
        except NhcError:
            continue
        return password


def demo_users(
    data: DataOption = None,
    neighbourhood: Annotated[
        str | None,
        typer.Option(
            "--neighbourhood", help="Neighbourhood of the clinical demo users (default: the first)."
        ),
    ] = None,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
) -> None:
    """Create one demo user per role (new random passwords each time) and print them."""
    services = services_for(data)
    sec = services.security
    nb = neighbourhood or _first_neighbourhood(services)
    table = Table(title=f"Demo users — sign in at http://{host}:{port}/sign-in")
    for col in ("username", "password", "role", "neighbourhoods"):
        table.add_column(col)
    for username, name, role, nbs in DEMO_USERS:
        password = _demo_password(username)
        nbs = (nb,) if nbs is None else nbs
        if sec.get_user(username):
            sec.set_password(username, password)
        else:
            sec.create_user(username, name, role, password=password, neighbourhoods=nbs)
        table.add_row(username, password, role, ", ".join(nbs))
    console.print(table)
    console.print(f"URL: http://{host}:{port}/")


def users_create(
    username: UsernameArgument,
    role: Annotated[str, typer.Option("--role", help="analyst, clinician, team_member or admin.")],
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    neighbourhood: Annotated[list[str] | None, typer.Option("--neighbourhood", help="Repeatable.")] = None,
    password: Annotated[
        str | None, typer.Option("--password", help="Password (prompted if not given).")
    ] = None,
    data: DataOption = None,
) -> None:
    """Create a local user."""
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = _security(data).create_user(
        username, name or username, role, password=password, neighbourhoods=neighbourhood or ()
    )
    console.print(f"created {user.username} ({user.role})")


def users_set_password(
    username: UsernameArgument,
    password: Annotated[
        str | None, typer.Option("--password", help="New password (prompted if not given).")
    ] = None,
    data: DataOption = None,
) -> None:
    """Set or reset a user's password; every session they have is ended."""
    if password is None:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    _security(data).set_password(username, password)
    console.print(f"password set for {username}; their sessions were ended")


def users_disable(username: UsernameArgument, data: DataOption = None) -> None:
    """Disable an account: it cannot sign in, and every session it has is ended."""
    _security(data).set_active(username, False)
    console.print(f"disabled {username}; their sessions were ended")


def users_enable(username: UsernameArgument, data: DataOption = None) -> None:
    """Enable a disabled account again."""
    _security(data).set_active(username, True)
    console.print(f"enabled {username}")


def users_list(data: DataOption = None) -> None:
    """List users with their roles and neighbourhoods."""
    table = Table(title="Users")
    for col in ("username", "name", "role", "neighbourhoods", "provider", "active"):
        table.add_column(col)
    for u in _security(data).list_users():
        table.add_row(
            u.username,
            u.display_name,
            u.role,
            ", ".join(u.neighbourhoods),
            u.identity_provider,
            "yes" if u.active else "no",
        )
    console.print(table)


def db_upgrade(revision: Annotated[str, typer.Argument()] = "head", data: DataOption = None) -> None:
    """Apply the schema migrations to the operational database."""
    url = settings_for(data).db_url
    upgrade(url, revision)
    console.print(f"database at revision {current_revision(url)}")


def db_current(data: DataOption = None) -> None:
    """Show the database's schema revision."""
    console.print(current_revision(settings_for(data).db_url) or "(empty database)")


def register(app: typer.Typer) -> None:
    """Add ``nhc serve``, ``nhc demo-users``, ``nhc users ...`` and ``nhc db ...`` to ``app``."""
    add_commands(app, {"serve": serve, "demo-users": demo_users})
    add_group(
        app,
        "users",
        "Manage users of the web app.",
        {
            "create": users_create,
            "list": users_list,
            "set-password": users_set_password,
            "disable": users_disable,
            "enable": users_enable,
        },
    )
    add_group(
        app,
        "db",
        "The operational database (schema migrations).",
        {"upgrade": db_upgrade, "current": db_current},
    )
