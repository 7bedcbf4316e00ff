"""What every care page shares: redirects, neighbourhood URLs, the context of the team's tabs."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import RedirectResponse

from nhc.care import domain as dom

TEXT = 4000


def see(url: str) -> RedirectResponse:
    """303 See Other: after a form is handled, the browser GETs the page."""
    return RedirectResponse(url, status_code=303)


def nb_url(nb: str, tail: str = "") -> str:
    return f"/care/{quote(nb, safe='')}{tail}"


def who(view: object) -> str:
    """A view's person as a page title names them: their name, else ``Patient <id>``."""
    person = getattr(view, "person", None)
    return person.name if person and person.name else f"Patient {getattr(view, 'patient_id', '')}"


def common(nb: str, active: str) -> dict[str, object]:
    return {
        "neighbourhood": nb,
        "active": active,
        "roles": dom.ROLE_LABELS,
        "outcomes": dom.OUTCOMES,
        "events": dom.DETERIORATION_EVENTS,
        "skills": sorted(dom.SKILLS),
        "services": dom.SERVICES,
    }
