"""Search for a person by NHS number or name (clinical roles): a page of people shown as people.

The router only translates: the text is parsed (:func:`nhc.insights.search.parse_person_query`),
the use case (:func:`nhc.insights.search.search_people`) refuses other roles, decides access on
every person it found and audits the search, and the page shows the people the user may see.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from nhc.insights.search import LIMIT, MAX_LENGTH, InvalidSearch, parse_person_query, search_people
from nhc.security.roles import Principal
from nhc.security.service import AccessDenied
from nhc.web.access import patient_access
from nhc.web.deps import client_ip, current_user, insights, render

router = APIRouter(include_in_schema=False)


@router.get("/search")
def search(
    request: Request,
    q: str = Query("", max_length=4 * MAX_LENGTH),
    user: Principal = Depends(current_user),
):
    """The search page; with ``q``, the people found that the user may see (400 when ``q`` is
    neither an NHS number nor a name; 403 for roles that may not see people)."""
    context: dict[str, Any] = {"q": q.strip(), "result": None, "error": None, "limit": LIMIT}
    query = None
    if q.strip():
        try:
            query = parse_person_query(q)
        except InvalidSearch as exc:
            context["error"] = exc.message
    if query is not None:  # the use case refuses (and audits) a role that may not see people
        found = search_people(insights(request), patient_access(request), user, query, client_ip(request))
        return render(request, "search.html", {**context, "result": found, "page_title": "Search results"})
    if not user.is_clinical:
        raise AccessDenied(f"Your role ({user.role_label}) cannot search for people.")
    status = 400 if context["error"] else 200
    return render(request, "search.html", {**context, "page_title": "Find a person"}, status_code=status)
