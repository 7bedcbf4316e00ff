"""The care record's own FHIR operation: ``EpisodeOfCare/{id}/$care-record``, a Bundle with the
episode, its team (CareTeam), the current plan, tasks (Task) and referrals (ServiceRequest).

Reads and searches of care resources (EpisodeOfCare, CarePlan, CareTeam, Task, ServiceRequest)
are the FHIR server's, like the lake's (:mod:`nhc.web.fhir`); this operation goes through the same
server, so the same access decision and audit apply.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from nhc.fhir.server import FhirError, collection
from nhc.web.fhir.router import CurrentUser, Server, base_url, error_response, fhir_response

router = APIRouter(prefix="/fhir", tags=["fhir", "care"])


@router.get(
    "/EpisodeOfCare/{rid}/$care-record",
    summary="PERSON-LEVEL: the episode with its team, plan, tasks and referrals as a FHIR Bundle",
)
def care_record(request: Request, rid: str, server: Server, user: CurrentUser) -> Response:
    try:
        resources = server.care_record(user, rid)
    except FhirError as exc:
        return error_response(exc)
    return fhir_response(collection(resources, base_url(request)))
