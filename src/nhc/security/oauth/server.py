"""The OAuth 2 authorisation server, on Authlib's grant and client-authentication machinery.

* ``client_credentials`` for backend systems, authenticated with ``private_key_jwt`` (RFC 7523
  client assertion: ``iss`` = ``sub`` = the client id, ``aud`` = the token URL, ``exp`` at most
  five minutes ahead, a ``jti`` never seen before; RS384/ES384 as SMART Backend Services asks,
  RS256/ES256 too).
* ``authorization_code`` for user-facing apps, PKCE with S256 required (SMART App Launch 2), the
  user signed in through NHC's own sign-in; the consent may bind the grant to one patient. With
  ``offline_access`` or ``online_access`` granted, the response carries a refresh token.
* ``refresh_token`` for those apps: single use, rotated, a reused one revokes its family
  (:mod:`~nhc.security.oauth.refresh`); a refresh may narrow the scope, never widen it.

Authlib knows nothing about our web framework: :class:`FormRequest` carries a request's method,
URL, headers and form or query values, and a response comes back as ``(status, body, headers)``
for the web layer to send. One :class:`NhcAuthorizationServer` is made per request with the
URLs that request was addressed to (issuer, token endpoint, FHIR base = token audience).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, ClassVar

from authlib.oauth2.rfc6749 import AuthorizationServer, OAuth2Payload, OAuth2Request
from authlib.oauth2.rfc6749.errors import (
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, ClientCredentialsGrant, RefreshTokenGrant
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from joserfc import jwt
from joserfc.errors import JoseError

from nhc.security.oauth.clients import PRIVATE_KEY_JWT, RegisteredClient
from nhc.security.oauth.refresh import SavedRefresh
from nhc.security.oauth.scopes import ScopeError, allowed_subset, parse_scopes
from nhc.security.oauth.service import OAuthService, SavedCode

#: Algorithms accepted on client assertions (never ``none``, never HMAC).
ASSERTION_ALGS = ("RS384", "ES384", "RS256", "ES256")
#: The longest an assertion may live (SMART Backend Services: ``exp`` at most five minutes ahead).
MAX_ASSERTION_SECONDS = 300


@dataclass(frozen=True)
class Endpoints:
    """Where this server is, as the request addressed it."""

    issuer: str  # the server's root URL
    fhir_base: str  # the audience of the tokens it issues

    @property
    def token_url(self) -> str:
        return f"{self.issuer}/oauth/token"


class _Payload(OAuth2Payload):
    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._list: defaultdict[str, list] = defaultdict(list)
        for k, v in items:
            self._list[k].append(v)
        self._data = {k: v[0] for k, v in self._list.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list]:
        return self._list


class FormRequest(OAuth2Request):
    """A request as Authlib reads it: ``items`` are the form (POST) or query (GET) values."""

    def __init__(self, method: str, uri: str, headers: dict[str, str], items: list[tuple[str, str]]) -> None:
        super().__init__(method, uri, headers=headers)
        self.payload = _Payload(items)

    @property
    def args(self) -> dict[str, str]:
        return self.payload.data

    @property
    def form(self) -> dict[str, str]:
        return self.payload.data


@dataclass(frozen=True)
class Grantee:
    """Who a code grant is for: the signed-in account, and the launch patient if one was chosen."""

    user_id: int
    patient_id: int | None = None


class PrivateKeyJwt(JWTBearerClientAssertion):
    """``private_key_jwt``: the assertion checked against the client's registered keys."""

    CLIENT_AUTH_METHOD = PRIVATE_KEY_JWT

    def __init__(self, service: OAuthService, endpoints: Endpoints) -> None:
        super().__init__(validate_jti=True, leeway=30)
        self.service, self.endpoints = service, endpoints

    def get_audiences(self) -> list[str]:
        return [self.endpoints.token_url]

    def resolve_client_public_key(self, client: RegisteredClient):
        return client.key_set()

    def process_assertion_claims(self, assertion: str, resolve_key: Any) -> dict[str, Any]:
        try:
            token = jwt.decode(assertion, resolve_key, algorithms=list(ASSERTION_ALGS))
        except (JoseError, ValueError) as exc:
            raise InvalidClientError(description="the client assertion's signature does not verify") from exc
        claims = token.claims
        self.verify_claims(claims)
        if (
            not isinstance(claims["exp"], int)
            or claims["exp"] > self.service.now() + MAX_ASSERTION_SECONDS + 30
        ):
            raise InvalidClientError(description="the client assertion expires more than five minutes ahead")
        return claims

    def validate_jti(self, claims: dict[str, Any], jti: str) -> bool:
        return self.service.first_use_of_assertion(str(claims["sub"]), str(jti), int(claims["exp"]))


def _check_scope(scope: str | None) -> None:
    try:
        parse_scopes(scope)
    except ScopeError as exc:
        raise InvalidScopeError(description=str(exc)) from None


class SystemGrant(ClientCredentialsGrant):
    """Client credentials: the token acts as the account the administrator bound to the client,
    with the requested scopes only if the client's registered scopes cover them."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = [PRIVATE_KEY_JWT]

    def create_token_response(self):
        client: RegisteredClient = self.request.client
        scope = client.get_allowed_scope(self.request.payload.scope)
        if scope is None or client.user_id is None:
            raise InvalidScopeError(description="the client is not registered for that scope")
        server: NhcAuthorizationServer = self.server
        token = server.service.issue_token(
            client,
            client.user_id,
            scope,
            None,
            issuer=server.endpoints.issuer,
            audience=server.endpoints.fhir_base,
        )
        return 200, token, self.TOKEN_RESPONSE_HEADER


class AppGrant(AuthorizationCodeGrant):
    """Authorisation code with PKCE (S256 required); codes kept hashed, single use, 5 minutes."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["none", PRIVATE_KEY_JWT]

    def validate_authorization_request(self) -> str:
        """Authlib's checks (client, redirect URI, scope), then PKCE with S256 and the SMART ``aud``
        (errors go back to the client's checked redirect URI)."""
        redirect_uri = super().validate_authorization_request()
        data = self.request.payload.data
        server: NhcAuthorizationServer = self.server
        problem = None
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            problem = "PKCE is required: send code_challenge with code_challenge_method=S256"
        elif data.get("aud", "").rstrip("/") != server.endpoints.fhir_base:
            problem = f"aud must be this FHIR server's base URL, {server.endpoints.fhir_base}"
        if problem:
            raise InvalidRequestError(problem, state=self.request.payload.state, redirect_uri=redirect_uri)
        return redirect_uri

    def save_authorization_code(self, code: str, request: FormRequest) -> None:
        grantee: Grantee = request.user
        data = request.payload.data
        server: NhcAuthorizationServer = self.server
        server.service.save_code(
            code,
            request.client.client_id,
            grantee.user_id,
            request.payload.redirect_uri or "",
            request.scope or "",
            grantee.patient_id,
            data["code_challenge"],
            data["code_challenge_method"],
        )

    def query_authorization_code(self, code: str, client: RegisteredClient) -> SavedCode | None:
        server: NhcAuthorizationServer = self.server
        return server.service.redeem_code(code, client.client_id)

    def delete_authorization_code(self, authorization_code: SavedCode) -> None:
        """Nothing to do: :meth:`query_authorization_code` deleted it."""

    def authenticate_user(self, authorization_code: SavedCode) -> Grantee | None:
        server: NhcAuthorizationServer = self.server
        if server.service.principal(authorization_code.user_id) is None:
            return None
        return Grantee(authorization_code.user_id, authorization_code.patient_id)

    def create_token_response(self):
        client: RegisteredClient = self.request.client
        code: SavedCode = self.request.authorization_code
        grantee = self.authenticate_user(code)
        if grantee is None:
            raise InvalidClientError(description="the account behind this code is disabled")
        server: NhcAuthorizationServer = self.server
        token = server.service.issue_token(
            client,
            grantee.user_id,
            code.scope,
            grantee.patient_id,
            issuer=server.endpoints.issuer,
            audience=server.endpoints.fhir_base,
        )
        refresh = server.service.refresh.start(client, grantee.user_id, code.scope, grantee.patient_id)
        if refresh is not None:
            token["refresh_token"] = refresh
        return 200, token, self.TOKEN_RESPONSE_HEADER


class AppRefreshGrant(RefreshTokenGrant):
    """``grant_type=refresh_token``: the client that holds the token (authenticated as it was
    registered) gets a new access token and the next refresh token of the family; the old one is
    spent. A narrower ``scope`` narrows the access token only (RFC 6749 6: the refresh token keeps
    the original scope)."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["none", PRIVATE_KEY_JWT]

    def authenticate_refresh_token(self, refresh_token: str) -> SavedRefresh | None:
        server: NhcAuthorizationServer = self.server
        return server.service.refresh.find(refresh_token)

    def _validate_token_scope(self, token: SavedRefresh) -> None:
        """Only narrowing: every requested scope must be covered by the original grant
        (``patient/*.read`` covers ``patient/Observation.rs``)."""
        requested = self.request.payload.scope
        if not requested:
            return
        _check_scope(requested)
        if allowed_subset(requested, token.scope) is None:
            raise InvalidScopeError(description="a refresh may narrow the granted scope, never widen it")

    def authenticate_user(self, refresh_token: SavedRefresh) -> Grantee | None:
        server: NhcAuthorizationServer = self.server
        if server.service.principal(refresh_token.user_id) is None:
            return None
        return Grantee(refresh_token.user_id, refresh_token.patient_id)

    def create_token_response(self):
        saved: SavedRefresh = self.request.refresh_token
        if self.authenticate_user(saved) is None:
            raise InvalidGrantError(description="the account behind this refresh token is disabled")
        server: NhcAuthorizationServer = self.server
        following = server.service.refresh.rotate(saved)
        if following is None:  # spent by a racing request: the family is revoked
            raise InvalidGrantError(description="the refresh token has already been used")
        token = server.service.issue_token(
            self.request.client,
            saved.user_id,
            self.request.payload.scope or saved.scope,
            saved.patient_id,
            issuer=server.endpoints.issuer,
            audience=server.endpoints.fhir_base,
        )
        token["refresh_token"] = following
        return 200, token, self.TOKEN_RESPONSE_HEADER


class NhcAuthorizationServer(AuthorizationServer):
    """Authlib's server over :class:`OAuthService` for one request's :class:`Endpoints`."""

    def __init__(self, service: OAuthService, endpoints: Endpoints) -> None:
        super().__init__()
        self.service, self.endpoints = service, endpoints
        self.register_client_auth_method(PRIVATE_KEY_JWT, PrivateKeyJwt(service, endpoints))
        self.register_grant(SystemGrant)
        self.register_grant(AppGrant, [CodeChallenge(required=True)])
        self.register_grant(AppRefreshGrant)

    def query_client(self, client_id: str) -> RegisteredClient | None:
        client = self.service.get_client(client_id)
        return client if client is not None and not client.revoked else None

    def save_token(self, token: dict, request: FormRequest) -> None:
        """Tokens are self-contained JWTs: issuing one is audited by the service, nothing to save."""

    def validate_requested_scope(self, scope: str | None) -> None:
        _check_scope(scope)

    def create_oauth2_request(self, request: FormRequest) -> FormRequest:
        return request

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]):
        return status, body, headers

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No listeners: issuing and refusing are audited by the service."""
