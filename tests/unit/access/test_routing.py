"""Planning home visits: skills, windows, priorities, breaks, re-planning and the naive baseline.

Tiny days on a line of places 0.01 degrees of latitude apart (about 1.1 km; 1.45 km by road at the
default road factor 1.3, 2.9 minutes at 30 km/h)."""

from __future__ import annotations

import datetime as dt
import math
import random

import pytest

from nhc.access.domain.visits import Clinician, Place, Priority, Skill, VisitRequest
from nhc.access.routing import baseline, solver, synth
from nhc.access.routing.replan import replan
from nhc.access.routing.travel import TravelSettings, road_km
from nhc.access.services.visits import DayRequest, synthetic_day

H = 60
BASE = Place(51.75, -1.25)


def at(km_north: float) -> Place:
    return Place(51.75 + km_north / 111.2, -1.25)


def visit(
    vid, place, skill=Skill.COMMUNITY_NURSE, window=(8 * H, 17 * H), duration=30, priority=Priority.HIGH
):
    return VisitRequest(vid, place, window[0], window[1], duration, skill, priority)


def clinician(cid, skills, base=BASE, shift=(8 * H, 16 * H), break_minutes=0):
    return Clinician(cid, cid, frozenset(skills), base, base, shift[0], shift[1], break_minutes)


def test_road_distance_is_great_circle_times_the_road_factor() -> None:
    one_degree = road_km(Place(51.0, -1.0), Place(52.0, -1.0), 1.0)
    assert one_degree == pytest.approx(111.2, abs=0.1)
    assert road_km(Place(51.0, -1.0), Place(52.0, -1.0), 1.3) == pytest.approx(1.3 * one_degree)
    assert TravelSettings(speed_kmh=30).minutes(15) == 30


def test_a_visit_goes_to_a_clinician_with_its_skill_even_when_another_is_nearer() -> None:
    nurse = clinician("nurse", {Skill.COMMUNITY_NURSE}, base=at(0))
    gp = clinician("gp", {Skill.GP}, base=at(10))
    plan = solver.plan([visit("v1", at(0.5), Skill.GP)], [nurse, gp], seconds=0.5)
    assert plan.assignment() == {"v1": "gp"}


def test_a_visit_nobody_has_the_skill_for_is_unplanned_with_the_reason() -> None:
    plan = solver.plan([visit("v1", at(1), Skill.PARAMEDIC)], [clinician("c", {Skill.GP})], seconds=0.2)
    assert plan.assignment() == {}
    assert "paramedic" in plan.unplanned["v1"]


def test_every_visit_starts_within_its_window() -> None:
    visits = [
        visit("early", at(3), window=(9 * H, 9 * H + 30)),
        visit("late", at(1), window=(14 * H, 15 * H)),
    ]
    plan = solver.plan(visits, [clinician("c", {Skill.COMMUNITY_NURSE})], seconds=0.5)
    stops = {s.visit_id: s for s in plan.route_of("c").visits}
    assert 9 * H <= stops["early"].start <= 9 * H + 30
    assert 14 * H <= stops["late"].start <= 15 * H
    assert [s.visit_id for s in plan.route_of("c").visits] == ["early", "late"]
    assert all(s.reason for s in stops.values())


def test_when_there_is_not_time_for_both_the_routine_visit_is_left_out() -> None:
    same_hour = (10 * H, 10 * H)
    visits = [
        visit("routine", at(1), window=same_hour, duration=60, priority=Priority.ROUTINE),
        visit("urgent", at(2), window=same_hour, duration=60, priority=Priority.URGENT),
    ]
    plan = solver.plan(visits, [clinician("c", {Skill.COMMUNITY_NURSE})], seconds=0.5)
    assert plan.assignment() == {"urgent": "c"}
    assert plan.unplanned["routine"].startswith("routine")


def test_the_break_is_taken_at_base_within_its_window() -> None:
    c = clinician("c", {Skill.COMMUNITY_NURSE}, break_minutes=30)
    plan = solver.plan([visit("v1", at(2))], [c], seconds=0.5)
    (rest,) = [s for s in plan.route_of("c").stops if s.is_break]
    assert 12 * H <= rest.start <= 14 * H and rest.end - rest.start == 30


def test_replanning_keeps_started_visits_and_fits_the_urgent_one() -> None:
    rng = random.Random(4)
    visits = [visit(f"v{i}", at(rng.uniform(0, 8)), priority=Priority.HIGH) for i in range(8)]
    team = [clinician("a", {Skill.COMMUNITY_NURSE}), clinician("b", {Skill.COMMUNITY_NURSE}, base=at(8))]
    first = solver.plan(visits, team, seconds=0.5)
    now = 10 * H
    started = {
        s.visit_id: (r.clinician_id, s.start) for r in first.routes for s in r.visits if s.start <= now
    }
    urgent = visit("urgent", at(4), window=(now, now + 90), priority=Priority.URGENT)
    second = replan(first, visits, team, [urgent], at=now, seconds=0.5)
    after = {s.visit_id: (r.clinician_id, s.start) for r in second.routes for s in r.visits}
    assert started and all(after[v] == started[v] for v in started)
    assert "urgent" in after and now <= after["urgent"][1] <= now + 90
    moved = [s for r in second.routes for s in r.visits if s.visit_id not in started]
    assert all(s.start >= now for s in moved)


def test_the_baseline_respects_skills_and_windows() -> None:
    visits = [visit("gp", at(1), Skill.GP), visit("nurse", at(1), window=(9 * H, 10 * H))]
    plan = baseline.plan(visits, [clinician("n", {Skill.COMMUNITY_NURSE})])
    assert plan.assignment() == {"nurse": "n"} and "gp" in plan.unplanned
    assert 9 * H <= plan.route_of("n").visits[0].start <= 10 * H


def test_the_optimiser_misses_fewer_urgent_and_high_visits_than_the_baseline_on_a_synthetic_day() -> None:
    visits, team = synth.visits(60, seed=3), synth.clinicians(5, seed=3)
    best = solver.plan(visits, team, seconds=2).summary(visits)
    naive = baseline.plan(visits, team).summary(visits)
    assert best["missed_required"] <= naive["missed_required"]
    assert best["planned"] >= naive["planned"]


def test_synthetic_visits_are_approximate_and_near_their_small_area() -> None:
    visits = synth.visits(40, seed=2)
    assert all(v.place.approximate for v in visits)
    assert len({v.id for v in visits}) == 40
    assert {v.skill for v in synth.visits(200, seed=2)} == set(Skill)


def test_jitter_moves_a_point_no_further_than_the_limit() -> None:
    rng = random.Random(1)
    origin = Place(51.75, -1.25)
    moved = [synth.jitter(origin, rng, km=0.4) for _ in range(200)]
    assert max(road_km(origin, p, 1.0) for p in moved) <= 0.4 + 0.01
    assert not math.isclose(moved[0].latitude, origin.latitude)


def test_the_same_date_gives_the_same_synthetic_day_and_another_date_a_different_one() -> None:
    day = DayRequest(dt.date(2026, 3, 2), visits=30, clinicians=4)
    assert synthetic_day(day) == synthetic_day(day)
    assert synthetic_day(day)[0] != synthetic_day(DayRequest(dt.date(2026, 3, 3), visits=30, clinicians=4))[0]
