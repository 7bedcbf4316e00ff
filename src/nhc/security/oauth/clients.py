"""Registered clients as Authlib sees them, and their keys.

A :class:`RegisteredClient` is a snapshot of an ``oauth_clients`` row with the methods Authlib's
grants call (``ClientMixin``'s contract). Two kinds:

* ``system`` — a backend service (SMART Backend Services; NHS API platform "signed JWT"
  authentication): ``client_credentials`` only, authenticated by a JWT assertion signed with its
  private key (``private_key_jwt``), acting as the NHC account the administrator bound to it.
* ``app`` — a user-facing app: ``authorization_code`` with PKCE (S256); it signs the user in
  through NHC's own sign-in. With a registered key it authenticates with ``private_key_jwt``
  (confidential); without one it is a public client (``none``), and PKCE is what protects the code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc6749 import ClientMixin
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, import_key

from nhc.errors import NhcError
from nhc.security.oauth.scopes import ScopeError, allowed_subset, parse_scopes

SYSTEM, APP = "system", "app"
PRIVATE_KEY_JWT = "private_key_jwt"


@dataclass(frozen=True)
class RegisteredClient(ClientMixin):
    client_id: str
    name: str
    kind: str
    scope: str
    jwks: str | None
    redirect_uris: tuple[str, ...]
    user_id: int | None
    revoked: bool

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.redirect_uris[0] if len(self.redirect_uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        try:
            return allowed_subset(scope, self.scope)
        except ScopeError:
            return None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris  # exact match (no prefix or pattern matching)

    def check_client_secret(self, client_secret: str) -> bool:
        return False  # NHC issues no client secrets

    @property
    def auth_method(self) -> str:
        return PRIVATE_KEY_JWT if self.jwks else "none"

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return (
            not self.revoked
            and method == self.auth_method
            and (self.kind == APP or method == PRIVATE_KEY_JWT)
        )

    def check_response_type(self, response_type: str) -> bool:
        return self.kind == APP and response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        wanted = ("client_credentials",) if self.kind == SYSTEM else ("authorization_code", "refresh_token")
        return not self.revoked and grant_type in wanted

    def key_set(self) -> KeySet:
        return KeySet.import_key_set(json.loads(self.jwks or '{"keys": []}'))


def key_set_json(text: str) -> str:
    """A client's public keys as a JSON key set, from a JWKS document or a PEM public key
    (:class:`NhcError` if it is neither, or holds a private key)."""
    text = text.strip()
    try:
        if text.startswith("{"):
            data: dict[str, Any] = json.loads(text)
            keys = KeySet.import_key_set(data if "keys" in data else {"keys": [data]})
        else:
            keys = KeySet([_pem_key(text.encode())])
    except (JoseError, ValueError, TypeError) as exc:
        raise NhcError(f"not a JWKS or PEM public key: {exc}", hint="give the client's public key") from None
    if any(k.is_private for k in keys):
        raise NhcError("that key set holds a private key", hint="register only the public half")
    return json.dumps(keys.as_dict(private=False))


def _pem_key(pem: bytes) -> Any:
    try:
        return import_key(pem, "RSA")
    except (JoseError, ValueError, TypeError):
        return import_key(pem, "EC")


def check_client_scope(kind: str, scope: str) -> str:
    """The registered scope, checked: system clients take ``system/`` scopes only, apps
    ``patient/`` and ``user/`` scopes (and ``launch/patient``, ``openid``, ``fhirUser``,
    ``offline_access``, ``online_access``)."""
    try:
        parsed = parse_scopes(scope)
    except ScopeError as exc:
        raise NhcError(str(exc)) from None
    if not parsed:
        raise NhcError("give at least one scope", hint="e.g. --scope 'system/*.read'")
    for s in parsed:
        context = s if isinstance(s, str) else s.context
        if (kind == SYSTEM) != (context == SYSTEM):
            raise NhcError(
                f"a {kind} client cannot be given {s if isinstance(s, str) else context + '/…'} scopes"
            )
    return " ".join(scope.split())
