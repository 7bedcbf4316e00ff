"""Sign-in and sign-out (local accounts; redirect providers such as OIDC / NHS CIS2 when configured)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer

from nhc.errors import NhcError
from nhc.security.identity import RedirectIdentityProvider
from nhc.security.service import SignInError
from nhc.web.deps import SESSION_COOKIE, check_csrf, client_ip, cookie_secure, optional_user, render

router = APIRouter(include_in_schema=False)
FLOW_COOKIE = "nhc_signin_flow"


def _safe_next(target: str | None) -> str:
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or len(target) > 500
    ):
        return "/"
    return target


def _csrf_ok(request: Request, token: str) -> bool:
    # a token with non-ASCII characters is simply wrong (the constant-time comparison refuses it)
    return token.isascii() and check_csrf(request, token)


def _providers(request: Request) -> list:
    return [
        p for p in request.app.state.security.providers.values() if isinstance(p, RedirectIdentityProvider)
    ]


def _signed_in(request: Request, token: str, target: str) -> RedirectResponse:
    response = RedirectResponse(_safe_next(target), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request),
        path="/",
        max_age=int(request.app.state.security.policy.session_hours * 3600),
    )
    return response


@router.get("/sign-in")
def sign_in_form(request: Request, next: str = "/"):
    if optional_user(request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "sign_in.html", {"next": _safe_next(next), "providers": _providers(request)})


@router.post("/sign-in")
def sign_in(
    request: Request,
    username: str = Form("", max_length=200),
    password: str = Form("", max_length=1024),
    csrf_token: str = Form("", max_length=200),
    next: str = Form("/", max_length=500),
):
    ctx = {"next": _safe_next(next), "username": username, "providers": _providers(request)}
    if not _csrf_ok(request, csrf_token):
        return render(
            request, "sign_in.html", {**ctx, "error": "Your form expired. Sign in again."}, status_code=400
        )
    errors = {}
    if not username.strip():
        errors["username"] = "Enter your username"
    if not password:
        errors["password"] = "Enter your password"
    if errors:
        return render(request, "sign_in.html", {**ctx, "field_errors": errors}, status_code=400)
    try:
        _principal, token = request.app.state.security.sign_in(username, password, client_ip(request))
    except SignInError as exc:
        return render(
            request, "sign_in.html", {**ctx, "error": exc.message}, status_code=429 if exc.locked else 401
        )
    return _signed_in(request, token, next)


@router.post("/sign-out")
def sign_out(request: Request, csrf_token: str = Form("", max_length=200)):
    if not _csrf_ok(request, csrf_token):
        return render(
            request,
            "error.html",
            {"status": 400, "title": "Bad request", "detail": "Your form expired. Try again."},
            status_code=400,
        )
    request.app.state.security.sign_out(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/sign-in/{provider}")
def sign_in_redirect(request: Request, provider: str, next: str = "/"):
    idp = request.app.state.security.providers.get(provider)
    if not isinstance(idp, RedirectIdentityProvider):
        raise NhcError(f"unknown sign-in method {provider!r}")
    callback = str(request.url_for("sign_in_callback", provider=provider))
    url, kept = idp.begin(callback)
    serializer = URLSafeTimedSerializer(request.app.state.secret_key, salt="nhc-signin-flow")
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        FLOW_COOKIE,
        serializer.dumps({**kept, "next": _safe_next(next)}),
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request),
        max_age=600,
        path="/sign-in",
    )
    return response


@router.get("/sign-in/{provider}/callback", name="sign_in_callback")
def sign_in_callback(request: Request, provider: str):
    idp = request.app.state.security.providers.get(provider)
    if not isinstance(idp, RedirectIdentityProvider):
        raise NhcError(f"unknown sign-in method {provider!r}")
    serializer = URLSafeTimedSerializer(request.app.state.secret_key, salt="nhc-signin-flow")
    try:
        kept = serializer.loads(request.cookies.get(FLOW_COOKIE, ""), max_age=600)
    except BadSignature:
        raise NhcError("your sign-in took too long or was not started here; start again") from None
    identity = idp.complete(
        dict(request.query_params), kept, str(request.url_for("sign_in_callback", provider=provider))
    )
    _principal, token = request.app.state.security.start_session(identity, client_ip(request))
    response = _signed_in(request, token, kept.get("next", "/"))
    response.delete_cookie(FLOW_COOKIE, path="/sign-in")
    return response
