"""A minimal FastAPI app serving only the FHIR router (for tests, benchmarks and a quick look).

The main web app mounts :data:`nhc.web.fhir.router` itself and overrides ``get_server`` and
``get_current_user``; this app serves the lake at ``settings.lake_dir`` (no care record) to the
system user.
"""

from __future__ import annotations

from fastapi import FastAPI

from nhc.fhir.server import FhirServer, LakeReader, Sources
from nhc.settings import Settings
from nhc.web.fhir import get_server, router


def create_fhir_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    reader = LakeReader(settings.lake_dir)
    server = FhirServer(Sources(reader))
    app = FastAPI(title="NHC FHIR API", version="0.1.0")
    app.include_router(router)
    app.dependency_overrides[get_server] = lambda: server
    app.state.fhir_reader = reader
    return app
