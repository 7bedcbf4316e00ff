"""Bundles: a search's page (``searchset``) and an operation's result (``collection``)."""

from __future__ import annotations

from typing import Any


def searchset(
    resources: list[dict[str, Any]],
    base: str,
    total: int | None = None,
    self_url: str | None = None,
    next_url: str | None = None,
    included: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A ``searchset`` Bundle: the matches, then ``included`` resources (search mode ``include``),
    with ``self`` and ``next`` links when given."""
    links = []
    if self_url:
        links.append({"relation": "self", "url": self_url})
    if next_url:
        links.append({"relation": "next", "url": next_url})
    out: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset"}
    if total is not None:
        out["total"] = total
    if links:
        out["link"] = links
    out["entry"] = [
        {"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": mode}}
        for group, mode in ((resources, "match"), (included or [], "include"))
        for r in group
    ]
    return out


def collection(resources: list[dict[str, Any]], base: str) -> dict[str, Any]:
    """A ``collection`` Bundle of resources that belong together (an episode's care record)."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "total": len(resources),
        "entry": [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r} for r in resources],
    }
