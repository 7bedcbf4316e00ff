"""Searchers over the care record (the operational database): EpisodeOfCare (virtual-ward
episodes, ``care-episode-<n>``), CarePlan, CareTeam (the team around one episode,
``care-episode-<n>-team``), Task and ServiceRequest (referrals about one person).

Which records belong to which patients is read here (ids and owners only); the resources are built
from the care service's views by :mod:`nhc.care.fhir`. The access decision has been made by the
dispatcher (:class:`nhc.insights.access.PatientAccess`) on the patients these records resolve to
before anything is built, so the care service is called as the system (``principal=None``) and
does not decide or audit a second time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from nhc.care import fhir as care_fhir
from nhc.care.models import CarePlan, Episode, Task
from nhc.care.services import CareService, TaskView
from nhc.fhir import mapping as m
from nhc.fhir.server.outcome import FhirError
from nhc.fhir.server.params import (
    Search,
    codes_match,
    date_matches,
    instant_matches,
    instant_text,
    last_updated_of,
)
from nhc.fhir.server.table import (
    CARE,
    DATE,
    ID,
    PATIENT,
    Include,
    Param,
    Searcher,
    Sources,
    patient_includes,
    sort_by_date,
)
from nhc.identifiers import MAX_RECORD_ID, InvalidIdentifier, parse_whole_number

VIRTUAL_WARD = "virtual-ward"


def contain_practitioners(resource: dict[str, Any]) -> dict[str, Any]:
    """Staff references (``Practitioner/staff-<n>``) made ``contained`` Practitioners (name only), so
    every reference in a served resource resolves without publishing staff records on their own
    (a team's staff list is for its members: see docs/security.md)."""
    contained: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("reference")
            if isinstance(ref, str) and ref.startswith("Practitioner/staff-"):
                rid = ref.split("/", 1)[1]
                node["reference"] = f"#{rid}"
                practitioner: dict[str, Any] = {"resourceType": "Practitioner", "id": rid}
                if node.get("display"):
                    practitioner["name"] = [{"text": node["display"]}]
                contained.setdefault(rid, practitioner)
            for key, value in node.items():
                if key != "contained":
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(resource)
    if contained:
        resource["contained"] = [*resource.get("contained", []), *contained.values()]
    return resource


def episode_team(episode_id: int) -> dict[str, str]:
    """The reference to the team around one episode (served as ``CareTeam``)."""
    return {"reference": f"CareTeam/care-episode-{episode_id}-team"}


def episode_resource(care: CareService, episode_id: int) -> dict[str, Any]:
    """An EpisodeOfCare whose team is the (served) team around the episode."""
    detail = care.episode(None, episode_id).episode
    res = care_fhir.episode_of_care(detail)
    res["team"] = [episode_team(episode_id) | {"display": f"{detail.neighbourhood} team"}]
    return contain_practitioners(res)


def plan_resource(care: CareService, plan_id: int) -> dict[str, Any]:
    """A CarePlan, with ``careTeam`` naming the team around its episode."""
    plan = care.care_plan(None, plan_id)
    res = care_fhir.care_plan(plan)
    if plan.episode_id:
        res["careTeam"] = [episode_team(plan.episode_id)]
    return contain_practitioners(res)


def team_resource(care: CareService, episode_id: int) -> dict[str, Any]:
    episode = care.episode(None, episode_id).episode
    staff = care.list_staff(episode.neighbourhood)
    return contain_practitioners(care_fhir.care_team(episode.neighbourhood, staff, episode=episode))


def record_number(rid: str, prefix: str, suffix: str = "") -> int:
    """The record number in a care id as emitted (``care-episode-12``) or bare (``12``): 422 otherwise."""
    text = rid.strip().removeprefix(prefix)
    text = text.removesuffix(suffix) if suffix else text
    try:
        return parse_whole_number(text, "id", minimum=1, maximum=MAX_RECORD_ID)
    except InvalidIdentifier as exc:
        raise FhirError(
            422, "invalid", f"{rid[:40]!r} is not a care record id (expected {prefix}<number>{suffix}): {exc}"
        ) from None


class CareSearcher(Searcher):
    """A care resource type kept in one table (``model``: ``id``, ``patient_id``, ``neighbourhood``)."""

    source = CARE
    params: tuple[Param, ...] = (*PATIENT, ID)
    model: Any = None
    prefix = ""
    suffix = ""

    def number(self, rid: str) -> int | None:
        try:
            return record_number(rid, self.prefix, self.suffix)
        except FhirError:
            return None

    def check_read_id(self, rid: str) -> None:
        record_number(rid, self.prefix, self.suffix)

    def where(self) -> list[Any]:
        """Conditions every record of this type meets (e.g. only referrals about one person)."""
        return [self.model.patient_id.is_not(None)]

    def records(
        self, care: CareService, *, ids: list[int] | None = None, patients: frozenset[int] | None = None
    ) -> list[Any]:
        """(id, patient_id, neighbourhood[, updated_at]) of the records with these ids / of these
        patients (``updated_at`` where the table keeps a change time)."""
        columns = [self.model.id, self.model.patient_id, self.model.neighbourhood]
        if hasattr(self.model, "updated_at"):
            columns.append(self.model.updated_at)
        stmt = select(*columns).where(*self.where())
        if ids is not None:
            stmt = stmt.where(self.model.id.in_(ids))
        if patients is not None:
            stmt = stmt.where(self.model.patient_id.in_(sorted(patients)))
        with care.db.unit_of_work() as s:
            return list(s.execute(stmt.order_by(self.model.id)))

    def patients_of(self, src: Sources, ids: list[str]) -> frozenset[int]:
        numbers = [n for n in (self.number(i) for i in ids) if n is not None]
        if not numbers or src.care is None:
            return frozenset()
        return frozenset(int(r.patient_id) for r in self.records(src.care, ids=numbers))

    def build(self, care: CareService, records: list[Any]) -> list[dict[str, Any]]:
        raise NotImplementedError

    def matches(self, resource: dict[str, Any], s: Search) -> bool:
        return True

    def stamp(self, records: list[Any], resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``meta.lastUpdated`` from the record's own change time (plans, tasks, referrals), the
        value ``_lastUpdated`` is tested on. Episodes and their teams keep none: they carry no
        ``meta.lastUpdated`` and a ``_lastUpdated`` search does not match them."""
        changed = {
            f"{self.prefix}{r.id}{self.suffix}": r.updated_at
            for r in records
            if getattr(r, "updated_at", None) is not None
        }
        for resource in resources:
            when = changed.get(resource["id"])
            if when is not None:
                resource["meta"] = {**resource.get("meta", {}), "lastUpdated": instant_text(when)}
        return resources

    def search(self, src: Sources, s: Search) -> tuple[list[dict[str, Any]], int]:
        if src.care is None or s.scope == frozenset():
            return [], 0
        ids = None
        if s.ids:
            ids = [n for n in (self.number(i) for i in s.ids) if n is not None]
            if not ids:
                return [], 0
        found = self.records(src.care, ids=ids, patients=s.scope)
        resources = [
            r
            for r in self.stamp(found, self.build(src.care, found))
            if self.matches(r, s) and instant_matches(s.last_updated, last_updated_of(r))
        ]
        if s.sort is not None:
            resources = sort_by_date(resources, s.descending)
        return resources[s.offset : s.offset + max(s.count, 0)], len(resources)


def _start(resource: dict[str, Any]) -> dt.date | None:
    start = (resource.get("period") or {}).get("start")
    return dt.date.fromisoformat(start[:10]) if start else None


class CareEpisodeSearcher(CareSearcher):
    """Virtual-ward episodes; ``code`` is the episode type (``virtual-ward``), ``date`` the admission."""

    rtype, model, prefix = "EpisodeOfCare", Episode, "care-episode-"
    params = (*PATIENT, Param("code", "token"), DATE, ID)
    includes = patient_includes("EpisodeOfCare")

    def build(self, care: CareService, records: list[Any]) -> list[dict[str, Any]]:
        return [episode_resource(care, r.id) for r in records]

    def matches(self, resource: dict[str, Any], s: Search) -> bool:
        return codes_match(s.codes, m.EPISODE_TYPE, VIRTUAL_WARD) and date_matches(s.dates, _start(resource))


class CarePlanSearcher(CareSearcher):
    rtype, model, prefix = "CarePlan", CarePlan, "care-plan-"
    includes = (*patient_includes("CarePlan"), Include("CarePlan", "care-team", ("careTeam",), "CareTeam"))

    def build(self, care: CareService, records: list[Any]) -> list[dict[str, Any]]:
        return [plan_resource(care, r.id) for r in records]


class CareTeamSearcher(CareSearcher):
    """The team around one episode (the neighbourhood's staff, with the patient as subject)."""

    rtype, model, prefix, suffix = "CareTeam", Episode, "care-episode-", "-team"
    includes = patient_includes("CareTeam")

    def build(self, care: CareService, records: list[Any]) -> list[dict[str, Any]]:
        return [team_resource(care, r.id) for r in records]


def task_views(care: CareService, records: list[Any]) -> dict[int, TaskView]:
    """The care service's views of these task records (read from their teams' boards)."""
    wanted = {r.id for r in records}
    out: dict[int, TaskView] = {}
    for neighbourhood in sorted({r.neighbourhood for r in records}):
        for views in care.board(None, neighbourhood).values():
            out.update({v.id: v for v in views if v.id in wanted})
    return out


class TaskSearcher(CareSearcher):
    """Tasks and referrals about one person (team tasks about no one are not person-level)."""

    rtype, model, prefix = "Task", Task, "care-task-"
    includes = patient_includes("Task", ("for",))

    def build(self, care: CareService, records: list[Any]) -> list[dict[str, Any]]:
        views = task_views(care, records)
        return [contain_practitioners(care_fhir.task(views[r.id])) for r in records if r.id in views]


class ServiceRequestSearcher(CareSearcher):
    """Referrals about one person (a referral's ServiceRequest; its Task is served as Task)."""

    rtype, model, prefix = "ServiceRequest", Task, "care-referral-"
    includes = patient_includes("ServiceRequest")

    def where(self) -> list[Any]:
        return [*super().where(), Task.kind == "referral"]

    def build(self, care: CareService, records: list[Any]) -> list[dict[str, Any]]:
        views = task_views(care, records)
        return [
            contain_practitioners(care_fhir.service_request(views[r.id])) for r in records if r.id in views
        ]


def care_record(care: CareService, episode_id: int) -> list[dict[str, Any]]:
    """``EpisodeOfCare/{id}/$care-record``: the episode, its team, current plan, tasks and referrals
    (the same resources, references and contained staff as reads and searches serve)."""
    detail = care.episode(None, episode_id)
    resources = [episode_resource(care, episode_id), team_resource(care, episode_id)]
    if detail.plan_id is not None:
        resources.append(plan_resource(care, detail.plan_id))
    for t in detail.tasks:
        resources.append(contain_practitioners(care_fhir.task(t)))
        if t.kind == "referral" and t.patient_id is not None:
            resources.append(contain_practitioners(care_fhir.service_request(t)))
    # the same meta.lastUpdated as a Task / ServiceRequest search serves
    records = TaskSearcher().records(care, ids=[t.id for t in detail.tasks]) if detail.tasks else []
    for searcher in (TaskSearcher(), ServiceRequestSearcher()):
        searcher.stamp(records, resources)
    return resources


def care_searchers() -> list[Searcher]:
    """The care record's searchers, in the order the CapabilityStatement lists them."""
    return [
        CareEpisodeSearcher(),
        CarePlanSearcher(),
        CareTeamSearcher(),
        TaskSearcher(),
        ServiceRequestSearcher(),
    ]
