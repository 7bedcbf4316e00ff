"""Our sign-in, roles, relationships and audit for the FHIR router (``nhc.fhir.api``).

The router's ``get_current_user`` dependency is replaced by :func:`fhir_user`: signed in, and a
guard the router calls with the patient ids each request *resolves to* (after parsing with the one
identifier parser, before reading anything). The guard is the one person-level access decision
(:class:`nhc.insights.access.PatientAccess`): clinical roles only, a legitimate relationship with
every patient, population-wide searches refused, every decision audited with the resolved patient
id. ``/fhir/metadata`` and ``Organization`` (practices) are not person-level.
"""

from __future__ import annotations

from fastapi import Request

from nhc.security.roles import Principal
from nhc.web.access import patient_access
from nhc.web.deps import client_ip, current_user

POPULATION_WIDE = "FHIR searches must be about one person: give patient=, subject=, _id= or identifier=."


def fhir_reader(request: Request):
    """The router's LakeReader, opened on first use (so the app starts without a lake)."""
    reader = getattr(request.app.state, "fhir_reader", None)
    if reader is None:
        from nhc.fhir.api import LakeReader

        with request.app.state.fhir_lock:
            reader = getattr(request.app.state, "fhir_reader", None)
            if reader is None:
                reader = LakeReader(request.app.state.settings.lake_dir)
                request.app.state.fhir_reader = reader
    return reader


def fhir_user(request: Request):
    """The signed-in user, with the access decision as the router's guard."""
    from nhc.fhir import api

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

    return api.User(principal.username, (principal.role.value,), guard)
