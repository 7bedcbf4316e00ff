"""The FHIR router's two dependency seams, which the apps override: :func:`get_server` (the server
over its sources) and :func:`get_current_user` (for now the system user)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from nhc.fhir.server import SYSTEM_USER, FhirServer, User


def get_current_user() -> User:
    """Dependency seam for sign-in, tokens, roles and audit (overridden by the main web app)."""
    return SYSTEM_USER


def get_server() -> FhirServer:  # pragma: no cover - always overridden by the app
    raise RuntimeError("get_server must be overridden with the app's FhirServer")


Server = Annotated[FhirServer, Depends(get_server)]
CurrentUser = Annotated[User, Depends(get_current_user)]
