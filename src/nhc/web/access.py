"""The one person-level access decision, as the web app's routes get it."""

from __future__ import annotations

from fastapi import Request

from nhc.insights.access import PatientAccess


def patient_access(request: Request) -> PatientAccess:
    """:class:`PatientAccess` over the app's security service and insight tables (built once by
    :func:`nhc.bootstrap.build`)."""
    return request.app.state.services.patient_access
