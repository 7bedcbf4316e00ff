"""The navigator's JSON API: ``POST /api/navigate`` (same bodies as ``nhc navigate --json``),
``GET /api/navigate/reasons`` and ``GET /api/navigate/dispositions``. Open to anyone (patients use
it themselves); a signed-in user is recorded as the asker in the decision log.

A bad request is HTTP 400, a problem document whose ``detail`` names the field and whose ``field``
and ``allowed`` say which values would do.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from nhc.navigation.domain import BadField, NavigationError
from nhc.navigation.services import NavigationService
from nhc.web.deps import optional_user
from nhc.web.navigation.deps import navigation_service

router = APIRouter(prefix="/api/navigate", tags=["navigation"])
MAX_BODY = 16_384  # a request is a few hundred bytes

EXAMPLE = {
    "age": 55,
    "sex": "male",
    "reason": "chest_pain",
    "red_flags": ["crushing_chest_pain"],
    "when": "2026-03-02T10:15:00",
    "practice_code": "K84013",
}


def problem(status: int, detail: str, **extra: Any) -> JSONResponse:
    title = {400: "Bad request", 404: "Not found"}.get(status, "Error")
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra},
        status_code=status,
        media_type="application/problem+json",
    )


def bad_request(exc: NavigationError) -> JSONResponse:
    if isinstance(exc, BadField):
        return problem(exc.http_status, str(exc), field=exc.field, allowed=exc.allowed)
    return problem(exc.http_status, str(exc))


def _asker(request: Request) -> str:
    try:
        user = optional_user(request)
    except AttributeError:  # no security service on this app (e.g. a public site): anonymous
        user = None
    return user.username if user is not None else "anonymous"


@router.post(
    "",
    summary="Navigate: the most appropriate service for a person",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}, "example": EXAMPLE}},
        }
    },
    responses={400: {"description": "A field is missing or has a value outside the allowed ones"}},
)
async def navigate(request: Request, service: NavigationService = Depends(navigation_service)):
    raw = await request.body()
    if len(raw) > MAX_BODY:
        return problem(400, f"request: larger than {MAX_BODY} bytes", field="request")
    try:
        body = json.loads(raw or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return problem(400, "request: not valid JSON", field="request", allowed="a JSON object")
    try:
        # off the event loop: the answer is logged to the database, which must not stall other requests
        return await run_in_threadpool(service.navigate, body, asked_by=_asker(request), channel="api")
    except NavigationError as exc:
        return bad_request(exc)


@router.get("/reasons", summary="The reasons and the red flags each asks about")
def reasons(service: NavigationService = Depends(navigation_service)) -> dict[str, Any]:
    return {"reasons": service.reasons()}


@router.get("/dispositions", summary="The dispositions the navigator can answer")
def dispositions(service: NavigationService = Depends(navigation_service)) -> dict[str, Any]:
    return {"dispositions": service.dispositions()}
