"""The care record on the FHIR API: EpisodeOfCare, CarePlan and, per episode, a Bundle with the
team (CareTeam), the plan, tasks (Task) and referrals (ServiceRequest).

Reads go through the care service, so the same role and relationship checks and the same audit
apply as on the pages. Installed before the lake's FHIR router so these types are answered here.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from nhc.care import fhir as care_fhir
from nhc.security.roles import Principal
from nhc.web.care.deps import care
from nhc.web.deps import current_user

router = APIRouter(prefix="/fhir", tags=["fhir", "care"])
FHIR_JSON = "application/fhir+json"


def _fhir(resource: dict[str, Any]) -> JSONResponse:
    return JSONResponse(resource, media_type=FHIR_JSON)


def _number(rid: str, prefix: str) -> int:
    """The record number in a FHIR id as emitted (``care-episode-12``) or given bare (``12``):
    ASCII digits, 1 to the largest care record id; otherwise 422 naming the id."""
    from nhc.care.domain import InvalidCareInput
    from nhc.identifiers import InvalidIdentifier, parse_whole_number
    from nhc.web.care.deps import MAX_RECORD_ID

    try:
        return parse_whole_number(rid.strip().removeprefix(prefix), "id", minimum=1, maximum=MAX_RECORD_ID)
    except InvalidIdentifier as exc:
        raise InvalidCareInput(
            f"{rid[:40]!r} is not a care record id (expected {prefix}<number>): {exc}"
        ) from None


@router.get("/EpisodeOfCare/{rid}", summary="PERSON-LEVEL: a virtual-ward episode as FHIR (audited)")
def episode_of_care(request: Request, rid: str, user: Principal = Depends(current_user)):
    if rid.startswith(("reg-", "ch-")):  # the lake's episodes (registrations, care homes) share this path
        from nhc.fhir.api import read_response
        from nhc.web.fhir_security import fhir_reader, fhir_user

        return read_response(fhir_reader(request), fhir_user(request), "EpisodeOfCare", rid)
    episode_id = _number(rid, "care-episode-")
    return _fhir(care_fhir.episode_of_care(care(request).episode(user, episode_id).episode))


@router.get("/CarePlan/{rid}", summary="PERSON-LEVEL: the current care plan as FHIR (audited)")
def care_plan(request: Request, rid: str, user: Principal = Depends(current_user)) -> JSONResponse:
    return _fhir(care_fhir.care_plan(care(request).care_plan(user, _number(rid, "care-plan-"))))


@router.get(
    "/EpisodeOfCare/{rid}/$care-record",
    summary="PERSON-LEVEL: the episode with its team, plan, tasks and referrals as a FHIR Bundle",
)
def care_record(request: Request, rid: str, user: Principal = Depends(current_user)) -> JSONResponse:
    service = care(request)
    detail = service.episode(user, _number(rid, "care-episode-"))
    resources = [care_fhir.episode_of_care(detail.episode)]
    staff = service.list_staff(detail.episode.neighbourhood)
    resources.append(care_fhir.care_team(detail.episode.neighbourhood, staff, episode=detail.episode))
    if detail.plan_id is not None:
        resources.append(care_fhir.care_plan(service.care_plan(user, detail.plan_id)))
    for t in detail.tasks:
        resources.append(care_fhir.task(t))
        if t.kind == "referral" and t.patient_id is not None:
            resources.append(care_fhir.service_request(t))
    return _fhir(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "total": len(resources),
            "entry": [
                {"fullUrl": f"{request.base_url}fhir/{r['resourceType']}/{r['id']}", "resource": r}
                for r in resources
            ],
        }
    )
