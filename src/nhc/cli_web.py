"""Web and security commands: ``nhc serve``, ``nhc users create|list|set-password|disable|enable``,
``nhc demo-users`` and ``nhc db upgrade|current``. Thin wrappers over :mod:`nhc.web`, :mod:`nhc.security` and :mod:`nhc.db`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console()
users_app = typer.Typer(help="Manage users of the web app.", no_args_is_help=True)
db_app = typer.Typer(help="The operational database (schema migrations).", no_args_is_help=True)

DataOption = Annotated[
    Path | None,
    typer.Option("--data", help="Data folder (default: $NHC_DATA or ./data).", show_default=False),
]
DEMO_USERS = (
    # username, display name, role, neighbourhoods (None = the first neighbourhood in the lake)
    ("analyst", "Ada Analyst", "analyst", ()),
    ("clinician", "Dr Clare Clinician", "clinician", None),
    ("team", "Tom Team-Member", "team_member", None),
    ("admin", "Alex Admin", "admin", ()),
)


def _settings(data: Path | None):
    import dataclasses

    from nhc.settings import Settings

    settings = Settings.from_env()
    if data is not None:  # every other setting (database, trusted proxies...) as the environment says
        settings = dataclasses.replace(settings, data_dir=data)
    return settings


def _security(data: Path | None):
    from nhc.db import Database
    from nhc.security.service import SecurityService

    db = Database(_settings(data).db_url)
    db.upgrade()
    return SecurityService(db)


def _first_neighbourhood(data: Path | None) -> str:
    from nhc.errors import NhcError
    from nhc.insights import InsightsService

    try:  # the neighbourhood with the most people on worklists, so the demo has something to show
        svc = InsightsService(_settings(data).lake_dir)
        names = sorted(svc.geography()["neighbourhoods"])
    except NhcError:
        return "Central Oxford"
    return max(names, key=lambda nb: svc.worklist_page(nb, None, 1)[1], default="Central Oxford")


def _demo_password(username: str) -> str:
    """A random password that meets the password policy for ``username`` (a random one almost
    always does; the loop makes it certain)."""
    from nhc.errors import NhcError
    from nhc.security.passwords import check_policy, generate_password

    while True:
        password = generate_password()
        try:
            check_policy(password, username)
        except NhcError:
            continue
        return password


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(db_app, name="db")

    @app.command()
    def serve(
        host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
        workers: Annotated[int, typer.Option("--workers", help="Worker processes.")] = 1,
        data: DataOption = None,
    ) -> None:
        """Serve the web app (pages, JSON API under /api, OpenAPI at /openapi.json)."""
        import os

        import uvicorn

        if data is not None:
            os.environ["NHC_DATA"] = str(data)
        _security(data)  # migrate once before the workers start
        trusted = _settings(data).trusted_proxies
        console.print(f"Serving NHC on http://{host}:{port}/  (Ctrl+C to stop)")
        uvicorn.run(
            "nhc.web.asgi:app",
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

    @app.command("demo-users")
    def demo_users(
        data: DataOption = None,
        neighbourhood: Annotated[
            str | None,
            typer.Option(
                "--neighbourhood", help="Neighbourhood of the clinical demo users (default: the first)."
            ),
        ] = None,
        host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port")] = 8000,
    ) -> None:
        """Create one demo user per role (new random passwords each time) and print them."""
        sec = _security(data)
        nb = neighbourhood or _first_neighbourhood(data)
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

    @users_app.command("create")
    def users_create(
        username: Annotated[str, typer.Argument(help="Username.")],
        role: Annotated[str, typer.Option("--role", help="analyst, clinician, team_member or admin.")],
        name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
        neighbourhood: Annotated[
            list[str] | None, typer.Option("--neighbourhood", help="Repeatable.")
        ] = None,
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

    @users_app.command("set-password")
    def users_set_password(
        username: Annotated[str, typer.Argument(help="Username.")],
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

    @users_app.command("disable")
    def users_disable(
        username: Annotated[str, typer.Argument(help="Username.")], data: DataOption = None
    ) -> None:
        """Disable an account: it cannot sign in, and every session it has is ended."""
        _security(data).set_active(username, False)
        console.print(f"disabled {username}; their sessions were ended")

    @users_app.command("enable")
    def users_enable(
        username: Annotated[str, typer.Argument(help="Username.")], data: DataOption = None
    ) -> None:
        """Enable a disabled account again."""
        _security(data).set_active(username, True)
        console.print(f"enabled {username}")

    @users_app.command("list")
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

    @db_app.command("upgrade")
    def db_upgrade(revision: Annotated[str, typer.Argument()] = "head", data: DataOption = None) -> None:
        """Apply the schema migrations to the operational database."""
        from nhc.db import current_revision, upgrade

        url = _settings(data).db_url
        upgrade(url, revision)
        console.print(f"database at revision {current_revision(url)}")

    @db_app.command("current")
    def db_current(data: DataOption = None) -> None:
        """Show the database's schema revision."""
        from nhc.db import current_revision

        console.print(current_revision(_settings(data).db_url) or "(empty database)")
