"""The public "you said, we did" pages (no sign-in): for each neighbourhood, what people told us
under each theme of what people value (the engagement summary's disclosure-controlled counts) and
the agreed plan actions answering it, with their status."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request

from nhc.web.deps import render
from nhc.web.plans.pages import plans_service

router = APIRouter(include_in_schema=False)


@router.get("/you-said-we-did")
def index(request: Request):
    svc = plans_service(request)
    localities: dict[str, list[str]] = {}
    for nb, loc in svc.neighbourhoods().items():
        localities.setdefault(loc, []).append(nb)
    return render(
        request,
        "plans/public_index.html",
        {
            "localities": dict(sorted(localities.items())),
            "quote": quote,
            "data_as_of": {"kind": "operational", "at": svc.clock()},
            "page_title": "You said, we did",
        },
    )


@router.get("/you-said-we-did/{name}")
def neighbourhood(request: Request, name: str):
    svc = plans_service(request)
    total, answers = svc.you_said_we_did(name)
    return render(
        request,
        "plans/public.html",
        {
            "name": name,
            "total": total,
            "answers": answers,
            "version": svc.current(name),
            "data_as_of": {"kind": "operational", "at": svc.clock()},
            "page_title": f"You said, we did: {name}",
        },
    )
