"""An app with the care pages installed, on the small fixture lake of the web tests, and a team."""

from __future__ import annotations

import re
from pathlib import Path

from nhc.care.services import CareService
from nhc.settings import Settings
from tests.browser_support import served

PASSWORD = "correct-horse-battery-staple"
NB = "Banbury"


def make_app(lake_root: Path, db_url: str, data_dir: Path):
    from nhc.insights import InsightsService
    from nhc.web.app import create_app
    from nhc.web.care import install

    app = create_app(Settings(data_dir=data_dir, database_url=db_url), insights=InsightsService(lake_root))
    install(app)  # until the app factory calls it
    sec = app.state.security
    sec.create_user("lead", "Dr Lead", "clinician", password=PASSWORD, neighbourhoods=[NB])
    nurse = sec.create_user("nurse", "Nina Nurse", "team_member", password=PASSWORD, neighbourhoods=[NB])
    sec.create_user("away", "Dr Away", "clinician", password=PASSWORD, neighbourhoods=["Witney"])
    from nhc.web.care.deps import care

    class _Req:  # care() only needs request.app
        pass

    req = _Req()
    req.app = app  # type: ignore[attr-defined]
    svc: CareService = care(req)  # type: ignore[arg-type]
    staff = {
        "nina": svc.add_staff(None, "Nina Nurse", "community_nurse", NB, capacity=8, user_id=nurse.id).id,
        "ben": svc.add_staff(None, "Ben Nurse", "community_nurse", NB, capacity=8).id,
        "phil": svc.add_staff(None, "Phil Pharmacist", "clinical_pharmacist", NB, capacity=10).id,
        "tia": svc.add_staff(None, "Tia Tiny", "community_nurse", NB, capacity=0).id,
    }
    app.state.test_staff = staff
    return app


def worklist_patients(lake, neighbourhood: str = NB) -> list[int]:
    return [
        r["patient_id"] for r in lake.read("worklists").to_pylist() if r["neighbourhood"] == neighbourhood
    ]


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def live_server(app):
    """Serve ``app`` with a real uvicorn server on a free local port; yields its base URL (the
    browser tests' own :func:`tests.browser_support.served`)."""
    return served(app)


def held_on_boxes(html: str) -> dict[str, str]:
    """The meeting-date boxes as the page fills them (the NHS.UK date input: day, month, year)."""
    return {
        f"held_on_{part}": re.search(
            rf'name="held_on_{part}" type="text" inputmode="numeric" value="([^"]*)"', html
        ).group(1)
        for part in ("day", "month", "year")
    }
