"""The authorisation server over HTTP: SMART discovery, the token, authorisation and revocation
endpoints and NHC's public keys. Only translation: a request becomes Authlib's
:class:`~nhc.security.oauth.FormRequest`, the answer ``(status, body, headers)`` a response.

* ``GET /.well-known/smart-configuration`` — SMART App Launch 2 discovery (public)
* ``GET /oauth/jwks`` — the public key NHC signs access tokens with (public)
* ``POST /oauth/token`` — ``client_credentials`` (``private_key_jwt``), ``authorization_code``
  (PKCE) or ``refresh_token`` (rotated, single use); errors as RFC 6749 5.2 JSON
* ``GET /oauth/authorize`` — the signed-in user's consent page (sign-in first if needed);
  ``POST /oauth/authorize`` — the decision (CSRF-checked); a ``patient/`` grant names its patient,
  decided and audited by the one access decision
* ``POST /oauth/revoke`` — RFC 7009 revocation of an access or refresh token by the client that
  holds it
"""

from __future__ import annotations

from typing import Any

import orjson
from authlib.oauth2.rfc6749.errors import InvalidRequestError, OAuth2Error
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from nhc.identifiers import InvalidIdentifier, parse_patient_id
from nhc.security.oauth import FormRequest, Grantee, NhcAuthorizationServer, parse_scopes, public_jwks
from nhc.security.oauth.clients import PRIVATE_KEY_JWT
from nhc.security.oauth.refresh import OFFLINE, ONLINE
from nhc.security.oauth.scopes import LAUNCH_PATIENT, ResourceScope, ScopeError
from nhc.web.access import patient_access
from nhc.web.deps import check_csrf, client_ip, current_user, render
from nhc.web.oauth.deps import endpoints, oauth_service

router = APIRouter(tags=["SMART on FHIR"])

#: Scopes advertised (SMART 2 capability list and examples of what is granted).
SCOPES_SUPPORTED = (
    "patient/*.read",
    "user/*.read",
    "system/*.read",
    "user/CarePlan.write",
    "user/Appointment.write",
    LAUNCH_PATIENT,
    OFFLINE,
    ONLINE,
)
CAPABILITIES = (
    "launch-standalone",
    "client-public",
    "client-confidential-asymmetric",
    "context-standalone-patient",
    "permission-patient",
    "permission-user",
    "permission-v1",
    "permission-v2",
    "permission-offline",
    "permission-online",
)
#: Form fields of our consent page that are not part of the OAuth request.
OWN_FIELDS = ("csrf_token", "decision", "patient")


def _server(request: Request) -> NhcAuthorizationServer:
    return NhcAuthorizationServer(oauth_service(request), endpoints(request))


def _printable(text: str) -> bool:
    return all(" " <= c <= "~" for c in text)


class _Refused(Exception):
    """An OAuth error found before Authlib's server ran (e.g. plain HTTP from a remote host)."""

    def __init__(self, error: OAuth2Error) -> None:
        super().__init__(error.description)
        self.error = error


async def _form_request(request: Request, skip: tuple[str, ...] = ()) -> FormRequest:
    """The request as Authlib reads it (:class:`_Refused` when OAuth may not run over it at all:
    Authlib refuses plain HTTP except on a loopback address)."""
    if request.method == "GET":
        items = list(request.query_params.multi_items())
    else:
        items = [(k, v) for k, v in (await request.form()).multi_items() if isinstance(v, str)]
    items = [(k, v) for k, v in items if k not in skip]
    if not all(_printable(k) and _printable(v) for k, v in items):
        # RFC 6749 parameters are printable ASCII (VSCHAR); Authlib would put others in an error
        # description, which it then refuses to build
        raise _Refused(InvalidRequestError("OAuth parameters must be printable ASCII"))
    try:
        return FormRequest(request.method, str(request.url), dict(request.headers), items)
    except OAuth2Error as exc:
        raise _Refused(exc) from None


def _respond(result: tuple[int, Any, list[tuple[str, str]]]) -> Response:
    status, body, headers = result
    content = orjson.dumps(body) if isinstance(body, dict) else (body or b"")
    media = "application/json" if isinstance(body, dict) else None
    return Response(content, status_code=status, headers=dict(headers), media_type=media)


@router.get("/.well-known/smart-configuration")
def smart_configuration(request: Request) -> JSONResponse:
    ep = endpoints(request)
    return JSONResponse(
        {
            "issuer": ep.issuer,
            "jwks_uri": f"{ep.issuer}/oauth/jwks",
            "authorization_endpoint": f"{ep.issuer}/oauth/authorize",
            "token_endpoint": ep.token_url,
            "revocation_endpoint": f"{ep.issuer}/oauth/revoke",
            "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
            "token_endpoint_auth_methods_supported": [PRIVATE_KEY_JWT, "none"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384", "RS256", "ES256"],
            "scopes_supported": list(SCOPES_SUPPORTED),
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "capabilities": list(CAPABILITIES),
        }
    )


@router.get("/oauth/jwks")
def jwks(request: Request) -> JSONResponse:
    return JSONResponse(public_jwks(oauth_service(request).key))


@router.post("/oauth/token")
async def token(request: Request) -> Response:
    try:
        req = await _form_request(request)
    except _Refused as exc:
        return _respond(exc.error())
    return _respond(_server(request).create_token_response(req))


@router.post("/oauth/revoke")
async def revoke(request: Request) -> Response:
    server = _server(request)
    try:
        req = await _form_request(request)
    except _Refused as exc:
        return _respond(exc.error())
    try:
        client = server.authenticate_client(req, ["none", PRIVATE_KEY_JWT], "revocation")
    except OAuth2Error as exc:
        return _respond(exc())
    ep = endpoints(request)
    oauth_service(request).revoke_token(
        req.form.get("token", ""), client, issuer=ep.issuer, audience=ep.fhir_base
    )
    return Response(status_code=200)


def _needs_patient(scope: str) -> bool:
    try:
        parsed = parse_scopes(scope)
    except ScopeError:
        return False
    return LAUNCH_PATIENT in parsed or any(
        isinstance(s, ResourceScope) and s.context == "patient" for s in parsed
    )


@router.get("/oauth/authorize")
async def authorize_page(request: Request) -> Response:
    current_user(request)  # sign in first (the sign-in page comes back here)
    server = _server(request)
    try:
        req = await _form_request(request)
        grant = server.get_consent_grant(req)
    except _Refused as exc:
        return _error(request, exc.error)
    except OAuth2Error as exc:
        return _error(request, exc)
    scope = req.scope or ""
    return render(
        request,
        "oauth_authorize.html",
        {
            "client": grant.client,
            "scopes": scope.split(),
            "needs_patient": _needs_patient(scope),
            "params": [(k, v) for k, v in request.query_params.multi_items()],
        },
    )


def _error(request: Request, exc: OAuth2Error) -> Response:
    """Back to the client when its redirect URI is known and checked, else a page saying why."""
    status, body, headers = exc()
    if status == 302:
        return _respond((status, body, headers))
    detail = f"{body.get('error')}: {body.get('error_description', '')}".strip(": ")
    return render(
        request,
        "error.html",
        {"status": 400, "title": "The app's request is not valid", "detail": detail},
        400,
    )


@router.post("/oauth/authorize")
async def authorize(request: Request) -> Response:
    principal = current_user(request)
    form = await request.form()
    if not check_csrf(request, form.get("csrf_token")):
        return render(
            request,
            "error.html",
            {"status": 400, "title": "Bad request", "detail": "The form expired; start again from the app."},
            400,
        )
    server = _server(request)
    try:
        req = await _form_request(request, skip=OWN_FIELDS)
        grant = server.get_consent_grant(req)
    except _Refused as exc:
        return _error(request, exc.error)
    except OAuth2Error as exc:
        return _error(request, exc)
    grantee = None
    if form.get("decision") == "allow":
        patient_id = None
        if _needs_patient(req.scope or ""):
            try:
                patient_id = parse_patient_id(str(form.get("patient", "")), "patient")
            except InvalidIdentifier as exc:
                return render(
                    request, "error.html", {"status": 400, "title": "Bad request", "detail": exc.message}, 400
                )
            # the one decision, audited: may this user see this person at all?
            patient_access(request).authorise(
                principal,
                frozenset({patient_id}),
                action="oauth_launch",
                resource=f"client:{grant.client.client_id}",
                ip=client_ip(request),
            )
        grantee = Grantee(principal.user_id, patient_id)
    return _respond(server.create_authorization_response(req, grant_user=grantee, grant=grant))
