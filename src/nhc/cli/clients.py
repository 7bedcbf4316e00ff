"""OAuth client commands (``nhc clients create|list|revoke``): an administrator registers the
systems and apps that may get FHIR access tokens (:mod:`nhc.security.oauth`).

``create --kind system`` registers a backend service: its public key (``--jwks FILE`` or
``--public-key FILE``, PEM), the NHC account it acts as (``--user``; that account's role and
neighbourhoods decide what it may see) and its ``system/`` scopes. ``create --kind app`` registers
a user-facing app: its exact redirect URIs and ``patient/`` or ``user/`` scopes (a key is optional:
without one it is a public client using PKCE).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from nhc.cli.common import DataOption, JsonOption, add_group, console, services_for
from nhc.errors import NhcError
from nhc.security.oauth import OAuthService, RegisteredClient, load_signing_key


def _service(data: Path | None) -> OAuthService:
    services = services_for(data)
    return OAuthService(services.security, load_signing_key(services.settings.data_dir))


def _row(c: RegisteredClient) -> dict[str, object]:
    return {
        "client_id": c.client_id,
        "name": c.name,
        "kind": c.kind,
        "scope": c.scope,
        "auth": c.auth_method,
        "redirect_uris": list(c.redirect_uris),
        "revoked": c.revoked,
    }


def create(
    name: Annotated[str, typer.Option("--name", help="What the client is, e.g. 'ICB analytics platform'.")],
    scope: Annotated[
        str, typer.Option("--scope", help="Space-separated SMART scopes, e.g. 'system/*.read'.")
    ],
    kind: Annotated[
        str, typer.Option("--kind", help="system (backend service) or app (user-facing).")
    ] = "system",
    jwks: Annotated[Path | None, typer.Option("--jwks", help="The client's public JWKS (JSON file).")] = None,
    public_key: Annotated[
        Path | None, typer.Option("--public-key", help="The client's public key (PEM).")
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="System clients: the NHC account it acts as.")
    ] = None,
    redirect_uri: Annotated[
        list[str] | None, typer.Option("--redirect-uri", help="Apps: an exact redirect URI.")
    ] = None,
    as_json: JsonOption = False,
    data: DataOption = None,
) -> None:
    """Register a client and print its client_id."""
    key_file = jwks or public_key
    try:
        keys = key_file.read_text() if key_file else None
    except OSError as exc:
        raise NhcError(f"cannot read the key file: {exc}") from None
    client = _service(data).create_client(
        name,
        kind,
        scope,
        keys=keys,
        redirect_uris=tuple(redirect_uri or ()),
        username=user,
        created_by="cli",
    )
    if as_json:
        print(json.dumps(_row(client)))
    else:
        console.print(
            f"Registered {client.kind} client {client.name!r}: client_id [bold]{client.client_id}[/bold]"
        )


def list_clients(as_json: JsonOption = False, data: DataOption = None) -> None:
    """Every registered client (revoked ones too)."""
    rows = [_row(c) for c in _service(data).list_clients()]
    if as_json:
        print(json.dumps(rows))
        return
    table = Table("client_id", "name", "kind", "auth", "scope", "revoked")
    for r in rows:
        table.add_row(
            str(r["client_id"]),
            str(r["name"]),
            str(r["kind"]),
            str(r["auth"]),
            str(r["scope"]),
            "yes" if r["revoked"] else "",
        )
    console.print(table)


def revoke(
    client_id: Annotated[str, typer.Argument(help="The client to revoke.")], data: DataOption = None
) -> None:
    """Revoke a client: no new tokens, and its current tokens stop working now."""
    _service(data).revoke_client(client_id, revoked_by="cli")
    console.print(f"Revoked {client_id}.")


def register(app: typer.Typer) -> None:
    """Add ``nhc clients create|list|revoke`` to ``app``."""
    add_group(
        app,
        "clients",
        "OAuth clients (SMART on FHIR): register, list, revoke.",
        {"create": create, "list": list_clients, "revoke": revoke},
    )
