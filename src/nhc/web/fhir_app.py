"""A minimal FastAPI app serving only the FHIR router (for tests, benchmarks and a quick look).

The main web app mounts :data:`nhc.fhir.api.router` itself and overrides ``get_reader`` and
``get_current_user``; this app does the same with a :class:`~nhc.fhir.api.LakeReader` over
``settings.lake_dir`` and the system user.
"""

from __future__ import annotations

from fastapi import FastAPI

from nhc.fhir.api import LakeReader, get_reader, router
from nhc.settings import Settings


def create_fhir_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    reader = LakeReader(settings.lake_dir)
    app = FastAPI(title="NHC FHIR API", version="0.1.0")
    app.include_router(router)
    app.dependency_overrides[get_reader] = lambda: reader
    app.state.fhir_reader = reader
    return app
