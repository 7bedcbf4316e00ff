"""Our sign-in, roles, relationships and audit for the FHIR router (:mod:`nhc.web.fhir`).

The router's ``get_current_user`` dependency is replaced by :func:`fhir_user`: signed in, and a
guard the server calls with the patient ids each request *resolves to* (after parsing with the one
identifier parser, before reading anything). The guard is the one person-level access decision
(:class:`nhc.insights.access.PatientAccess`): clinical roles only, a legitimate relationship with
every patient, population-wide searches refused, every decision audited with the resolved patient
id. ``/fhir/metadata`` and ``Organization`` (practices) are not person-level. ``get_server`` is
replaced by :func:`fhir_server`: the lake (opened on first use) and the care record.
"""

from __future__ import annotations

from fastapi import Request

from nhc.fhir.server import FhirServer, LakeReader, Sources, User
from nhc.security.roles import Principal
from nhc.web.access import patient_access
from nhc.web.care.deps import care
from nhc.web.deps import client_ip, current_user

POPULATION_WIDE = "FHIR searches must be about one person: give patient=, subject=, _id= or identifier=."


def fhir_reader(request: Request) -> LakeReader:
    """The app's LakeReader, opened on first use (so the app starts without a lake)."""
    reader = getattr(request.app.state, "fhir_reader", None)
    if reader is None:
        with request.app.state.fhir_lock:
            reader = getattr(request.app.state, "fhir_reader", None)
            if reader is None:
                reader = LakeReader(request.app.state.settings.lake_dir)
                request.app.state.fhir_reader = reader
    return reader


def fhir_server(request: Request) -> FhirServer:
    """The FHIR server over the app's lake and care record."""
    return FhirServer(Sources(lambda: fhir_reader(request), care(request)))


def fhir_user(request: Request) -> User:
    """The signed-in user, with the access decision as the server's guard."""
    principal: Principal = current_user(request)
    access = patient_access(request)
    resource = (request.url.path + (f"?{request.url.query}" if request.url.query else ""))[:500]
    ip = client_ip(request)

    def guard(patient_ids: frozenset[int] | None) -> None:
        access.authorise(
            principal,
            patient_ids,
            action="fhir_read",
            resource=resource,
            ip=ip,
            population_message=POPULATION_WIDE,
        )

    return User(principal.username, (principal.role.value,), guard)
