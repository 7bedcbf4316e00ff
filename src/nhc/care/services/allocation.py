"""Allocation: who looks after each patient. Propose (the optimiser of :mod:`nhc.care.matching`, or
greedy if it fails), accept (all or nothing), override one patient (with why), re-balance for absence."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from nhc.care import domain as d
from nhc.care.matching import COST_UNASSIGNED, Allocation, CasePatient, greedy, optimise
from nhc.care.matching import StaffMember as Member
from nhc.care.models import AllocationItem, AllocationRun, Assignment, Episode, Staff
from nhc.care.services.base import Care, by, check_neighbourhood, whole
from nhc.care.services.people import labelled
from nhc.care.services.views import EpisodeView, ProposalView, episode_view, proposal_view
from nhc.care.unit_of_work import CareUnitOfWork, require_team
from nhc.security.roles import Principal


@dataclass(frozen=True)
class Caseload:
    """What a proposal works on: the episodes to place, the staff, their room and absences."""

    episodes: list[Episode]
    staff: list[Staff]
    room: dict[int, int]
    absent: dict[int, dt.date]
    names: dict[int, str]
    carried: dict[int, int]


def _caseload(uow: CareUnitOfWork, nb: str, locality: str, rebalance: bool, on: dt.date) -> Caseload:
    """All open episodes of the neighbourhood, or (``rebalance``) only those of absent staff. Staff
    of the locality also carry other neighbourhoods' patients: only the room they have left counts."""
    eps = uow.repo.episodes(nb, d.OPEN_STATUSES, by_id=True)
    staff = uow.repo.staff_of_locality(locality)
    absent = uow.repo.absent_until(on)
    names = {st.id: st.name for st in staff} | uow.repo.staff_names()
    capacity = {st.id: st.capacity for st in staff}
    if rebalance:
        eps = [e for e in eps if e.staff_id is not None and e.staff_id in absent]
        carried = d.carried_while_moving(uow.repo.loads(), [(e.staff_id, e.load) for e in eps if e.staff_id])
    else:
        carried = uow.repo.loads(outside=nb)
    return Caseload(eps, staff, d.room(capacity, carried), absent, names, carried)


def _solver_input(c: Caseload, locality: str) -> tuple[list[CasePatient], list[Member]]:
    patients = [
        CasePatient(
            e.id,
            e.neighbourhood,
            e.locality,
            e.need_set,
            e.load or 1,
            str(e.staff_id) if e.staff_id else None,
        )
        for e in c.episodes
    ]
    members = [
        Member(
            str(st.id),
            st.name,
            st.neighbourhood,
            st.locality,
            st.skill_set,
            c.room[st.id],
            st.id in c.absent,
            # what they carry elsewhere counts towards balance (never below 0, never above capacity)
            min(max(0, c.carried.get(st.id, 0)), st.capacity),
        )
        for st in c.staff
    ]
    if not members:
        raise d.ConflictError(
            f"there are no staff in {locality} to allocate to",
            hint="add staff first (nhc care seed-team or the team page)",
        )
    return patients, members


def _solve(patients: list[CasePatient], members: list[Member], time_limit: float) -> Allocation:
    try:
        return optimise(patients, members, time_limit=time_limit)
    except d.CareError:
        raise
    except Exception as exc:  # the solver failing must not stop the team working
        result = greedy(patients, members)
        result.method = f"greedy (optimiser failed: {type(exc).__name__})"
        return result


def _record_run(
    care: Care, uow: CareUnitOfWork, principal: Principal | None, nb: str, rebalance: bool, on: dt.date,
    c: Caseload, result: Allocation,
) -> AllocationRun:  # fmt: skip
    """The proposal and its items (a new proposal supersedes the one still waiting)."""
    uow.repo.supersede_proposals(nb)
    run = AllocationRun(
        neighbourhood=nb,
        kind=(d.RunKind.REBALANCE if rebalance else d.RunKind.ALLOCATE).value,
        method=result.method,
        solver_status=result.status,
        objective=int(result.objective),
        bound=float(result.bound),
        seconds=float(result.seconds),
        status=d.RunStatus.PROPOSED.value,
        created_by=by(principal),
        created_at=care.clock(),
        note=d.absence_note(on, c.absent, c.names),
    )
    uow.repo.add(run)
    previous = {e.id: e.staff_id for e in c.episodes}
    for a in result.assignments:
        sid, prev = int(a.staff_id), previous[a.patient_id]
        reason = d.readable_reason(a.reason, prev, sid, c.names, c.absent)
        uow.session.add(
            AllocationItem(
                run_id=run.id,
                episode_id=a.patient_id,
                staff_id=sid,
                previous_staff_id=prev,
                cost=a.cost,
                reason=reason,
            )
        )
    for u in result.unassigned:
        uow.session.add(
            AllocationItem(
                run_id=run.id,
                episode_id=u.patient_id,
                staff_id=None,
                previous_staff_id=previous[u.patient_id],
                cost=COST_UNASSIGNED,
                reason=f"not assigned: {u.reason}",
            )
        )
    return run


def propose_allocation(
    care: Care,
    principal: Principal | None,
    neighbourhood: str,
    *,
    rebalance: bool = False,
    on: dt.date | None = None,
    time_limit: float | None = None,
) -> ProposalView:
    """Propose who looks after each patient on the neighbourhood's caseload (persisted as a proposal
    for the lead to accept). ``rebalance=True``: only the patients of staff absent ``on`` (today)
    are re-proposed, to the room others have left."""
    nb, locality = check_neighbourhood(neighbourhood)
    on = on or care.today()
    with care.uow() as uow:
        uow.require_lead(principal, nb, "allocate the caseload")
        c = _caseload(uow, nb, locality, rebalance, on)
        patients, members = _solver_input(c, locality)
        result = _solve(patients, members, time_limit or care.time_limit)
        run = _record_run(care, uow, principal, nb, rebalance, on, c, result)
        uow.audit(
            principal,
            "care_allocation_proposed",
            resource=f"care_allocation:{run.id}",
            detail=f"neighbourhood={nb}; patients={len(c.episodes)}; method={result.method}; "
            f"objective={result.objective}; unassigned={len(result.unassigned)}",
        )
        uow.repo.flush()
        return _proposal_view(uow, run)


def _proposal_view(uow: CareUnitOfWork, run: AllocationRun) -> ProposalView:
    return proposal_view(
        run, uow.repo.run_items(run.id), uow.repo.staff_names(), uow.repo.run_patient_ids(run.id)
    )


def proposal(care: Care, principal: Principal | None, run_id: int) -> ProposalView:
    """A proposal with its items (person-level: the team's own)."""
    with care.uow() as uow:
        view = _proposal_view(uow, uow.repo.get(AllocationRun, run_id, "allocation proposal"))
        uow.authorise_list(principal, view.neighbourhood, f"care_allocation:{run_id}", len(view.items))
    return labelled(care.directory, view)


def latest_proposal(care: Care, principal: Principal | None, neighbourhood: str) -> ProposalView | None:
    nb, _ = check_neighbourhood(neighbourhood)
    with care.uow() as uow:
        run_id = uow.repo.latest_run_id(nb)
    return proposal(care, principal, run_id) if run_id else None


def loads_after(care: Care, principal: Principal | None, run_id: int) -> dict[int, int]:
    """Each staff member's weekly points if the proposal were accepted now (what it moves, from
    whom to whom, on today's caseload): the team's own business, like its staff list."""
    with care.uow() as uow:
        run = uow.repo.get(AllocationRun, run_id, "allocation proposal")
        require_team(principal, run.neighbourhood)
        loads = uow.repo.loads()
        for item in uow.repo.run_items(run_id):
            ep = uow.session.get(Episode, item.episode_id)
            if item.staff_id is None or ep is None or not ep.is_open or ep.staff_id == item.staff_id:
                continue
            points = d.episode_points(ep.status, ep.points)
            if ep.staff_id is not None:
                loads[ep.staff_id] = loads.get(ep.staff_id, 0) - points
            loads[item.staff_id] = loads.get(item.staff_id, 0) + points
        return loads


def accept_allocation(care: Care, principal: Principal | None, run_id: int) -> ProposalView:
    """The lead accepts a proposal: every assignment in it is persisted (all or nothing)."""
    with care.uow() as uow:
        nb = uow.repo.get(AllocationRun, run_id, "allocation proposal").neighbourhood
        uow.require_lead(principal, nb, "accept an allocation")
        if not uow.repo.claim_proposal(run_id, by(principal), care.clock()):  # claimed first: one accept wins
            raise d.ConflictError(
                f"allocation proposal {run_id} is {uow.repo.run_status(run_id)}, not waiting for a decision",
                hint="propose again to allocate the current caseload",
            )
        staff = uow.repo.staff_by_id()
        changed = _apply_items(care, uow, principal, run_id, staff)
        _check_room(uow, run_id, staff, changed)
        uow.audit(
            principal,
            "care_allocation_accepted",
            resource=f"care_allocation:{run_id}",
            detail=f"neighbourhood={nb}",
        )
        uow.repo.flush()
        run = uow.repo.get(AllocationRun, run_id, "allocation proposal")
        uow.session.refresh(run)
        return _proposal_view(uow, run)


def _apply_items(
    care: Care, uow: CareUnitOfWork, principal: Principal | None, run_id: int, staff: dict[int, Staff]
) -> set[int]:
    """Assign every open episode of the proposal that changes hands; the staff ids that gained one."""
    changed: set[int] = set()
    for item in uow.repo.run_items(run_id):
        ep = uow.session.get(Episode, item.episode_id)
        if item.staff_id is None or ep is None or not ep.is_open or ep.staff_id == item.staff_id:
            continue
        assign(
            care, uow, principal, ep, staff[item.staff_id], d.AssignmentSource.PROPOSAL, run_id, item.reason
        )
        changed.add(item.staff_id)
    uow.repo.flush()
    return changed


def _check_room(uow: CareUnitOfWork, run_id: int, staff: dict[int, Staff], changed: set[int]) -> None:
    """The caseload may have changed since the proposal was made: nobody goes over capacity."""
    loads = uow.repo.loads()
    for sid in sorted(changed):
        st = staff[sid]
        if loads.get(sid, 0) > st.capacity:
            raise d.ConflictError(
                f"accepting proposal {run_id} would put {st.name} over capacity "
                f"({loads[sid]} > {st.capacity} points a week); nothing was changed",
                hint="propose again to allocate the current caseload",
            )


def override_assignment(
    care: Care, principal: Principal | None, episode_id: int, staff_id: int | str, why: str
) -> EpisodeView:
    """The lead gives one patient to a named person instead (persisted with who and why). Refused
    with a clear message when the person lacks a needed skill, is absent or has no room."""
    why = d.check_text(why, "the reason for the override", max_len=1000)
    with care.uow() as uow:
        ep = uow.repo.get(Episode, episode_id, "caseload episode")
        nb = ep.neighbourhood
        uow.require_lead(principal, nb, "override an allocation")
        uow.authorise_write(
            principal, ep.patient_id, nb, nb, "care_override_allocation", f"care_episode:{episode_id}"
        )
        ep.require_open()
        st = uow.session.get(Staff, whole(staff_id, "staff id"))
        if st is None or not st.active:
            raise d.NotFoundError(f"there is no active staff member with id {staff_id}")
        load = uow.repo.loads(exclude_episode=ep.id).get(st.id, 0)
        st.check_can_take(ep.need_set, uow.repo.absent_until(care.today()).get(st.id), load, ep.load)
        decided = f"override by {by(principal)}"
        if ep.staff_id != st.id:
            assign(care, uow, principal, ep, st, d.AssignmentSource.OVERRIDE, None, decided, why=why)
        for item in uow.repo.pending_items(ep.id):  # a pending proposal must not undo the override
            item.staff_id, item.reason = st.id, f"{decided}: {why}"
        uow.audit(
            principal, "care_allocation_override", patient_id=ep.patient_id, resource=f"care_episode:{ep.id}",
            reason=why, detail=f"staff={st.id}",
        )  # fmt: skip
        uow.repo.flush()
        return episode_view(ep, uow.repo.staff_names(), care.today())


def assign(
    care: Care,
    uow: CareUnitOfWork,
    principal: Principal | None,
    ep: Episode,
    st: Staff,
    source: d.AssignmentSource,
    run_id: int | None,
    reason: str,
    *,
    why: str | None = None,
) -> None:
    """``st`` looks after ``ep`` from now (the previous assignment ends), and has a caseload
    relationship with the patient (which lets them read the record)."""
    now = care.clock()
    for a in uow.repo.open_assignments(ep.id):
        a.ended_at = now
    uow.session.add(
        Assignment(
            episode_id=ep.id,
            staff_id=st.id,
            source=source.value,
            run_id=run_id,
            reason=reason,
            decided_by=by(principal),
            why=why,
            started_at=now,
        )
    )
    ep.staff_id = st.id
    if st.user_id is not None and not uow.repo.has_relationship(st.user_id, ep.patient_id):
        uow.repo.start_relationship(st.user_id, ep.patient_id, now)
    uow.audit(
        principal, "care_assigned", patient_id=ep.patient_id, resource=f"care_episode:{ep.id}",
        detail=f"staff={st.id}; source={source.value}; run={run_id or ''}", reason=why,
    )  # fmt: skip
