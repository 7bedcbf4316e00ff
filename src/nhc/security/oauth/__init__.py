"""OAuth 2 and SMART on FHIR for NHC: tokens that let FHIR clients in under the same access model
as the pages.

* :mod:`~nhc.security.oauth.scopes`  SMART scopes, parsed and checked as data
* :mod:`~nhc.security.oauth.models`  clients, codes, seen assertions, revoked tokens (tables)
* :mod:`~nhc.security.oauth.clients` a registered client as Authlib sees it; client keys
* :mod:`~nhc.security.oauth.keys`    NHC's token signing key (data folder) and its public JWKS
* :mod:`~nhc.security.oauth.tokens`  access tokens: issue and verify (joserfc, one algorithm)
* :mod:`~nhc.security.oauth.service` the use cases (register, revoke, issue, verify), audited
* :mod:`~nhc.security.oauth.server`  the authorisation server on Authlib's grants

A token acts as an NHC account (the signed-in user for an app; the account an administrator bound
to a backend system). Its scopes narrow what that account may do; every person-level read still
goes through :class:`nhc.insights.access.PatientAccess` (role, relationship, break-glass, audit).
"""

from __future__ import annotations

from nhc.security.oauth.clients import APP, SYSTEM, RegisteredClient
from nhc.security.oauth.keys import load_signing_key, public_jwks
from nhc.security.oauth.scopes import GrantedScopes, ScopeError, parse_scopes
from nhc.security.oauth.server import Endpoints, FormRequest, Grantee, NhcAuthorizationServer
from nhc.security.oauth.service import OAuthService, TokenPolicy, TokenUse
from nhc.security.oauth.tokens import TokenRefused

__all__ = [
    "APP",
    "SYSTEM",
    "Endpoints",
    "FormRequest",
    "GrantedScopes",
    "Grantee",
    "NhcAuthorizationServer",
    "OAuthService",
    "RegisteredClient",
    "ScopeError",
    "TokenPolicy",
    "TokenRefused",
    "TokenUse",
    "load_signing_key",
    "parse_scopes",
    "public_jwks",
]
