"""A synthetic visiting day from the shipped geography: visit requests where frail and housebound
people live, and the clinicians on shift. Deterministic for a seed.

* Visits fall in small areas in proportion to population x deprivation weight (more deprived areas
  have more frailty; weight ``11 - imd_decile``). Each location is the small area's centroid moved
  up to :data:`JITTER_KM` in a random direction and marked approximate (never a real address).
* Mix: sources virtual ward 25%, housebound 30%, frail 20%, new request 25%; skills community nurse
  40%, ANP 25%, GP 20%, paramedic 15%; priorities urgent 10%, high 35%, routine 55%; urgent visits
  have a two-hour window, others a morning, afternoon or whole-day window.
* Clinicians: a quarter of each skill (paramedics and ANPs can also see ANP and paramedic visits
  respectively, GPs can see ANP visits), based at the locality's practices, on 08:00-16:00,
  09:00-17:00 or 10:00-18:00 shifts with a 30-minute break.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from nhc.access.domain.visits import Clinician, Place, Priority, Skill, VisitRequest
from nhc.reference import geography

JITTER_KM = 0.4
SOURCES = (("virtual ward", 25), ("housebound", 30), ("frail", 20), ("new request", 25))
SKILLS = ((Skill.COMMUNITY_NURSE, 40), (Skill.ANP, 25), (Skill.GP, 20), (Skill.PARAMEDIC, 15))
PRIORITIES = ((Priority.URGENT, 10), (Priority.HIGH, 35), (Priority.ROUTINE, 55))
DURATION = {Skill.COMMUNITY_NURSE: 30, Skill.ANP: 40, Skill.GP: 30, Skill.PARAMEDIC: 45}
WINDOWS = ((8 * 60, 12 * 60 + 30), (12 * 60, 17 * 60), (8 * 60, 17 * 60))
SHIFTS = ((8 * 60, 16 * 60), (9 * 60, 17 * 60), (10 * 60, 18 * 60))
ABLE = {
    Skill.GP: frozenset({Skill.GP, Skill.ANP}),
    Skill.ANP: frozenset({Skill.ANP, Skill.PARAMEDIC}),
    Skill.PARAMEDIC: frozenset({Skill.PARAMEDIC, Skill.ANP}),
    Skill.COMMUNITY_NURSE: frozenset({Skill.COMMUNITY_NURSE}),
}


def _pick(rng: random.Random, weighted: Sequence[tuple[object, int]]):
    return rng.choices([x for x, _ in weighted], weights=[w for _, w in weighted])[0]


def jitter(place: Place, rng: random.Random, km: float = JITTER_KM) -> Place:
    """``place`` moved up to ``km`` in a random direction, marked approximate."""
    bearing, dist = rng.uniform(0, 2 * math.pi), km * math.sqrt(rng.random())
    dlat = dist * math.cos(bearing) / 111.2
    dlon = dist * math.sin(bearing) / (111.2 * math.cos(math.radians(place.latitude)))
    return Place(round(place.latitude + dlat, 5), round(place.longitude + dlon, 5), approximate=True)


def visits(count: int, *, seed: int = 1, locality: str | None = "Oxford City") -> list[VisitRequest]:
    """``count`` visit requests in ``locality`` (None: the whole county)."""
    rng = random.Random(seed)
    areas = [a for a in geography.small_areas().to_pylist() if locality is None or a["locality"] == locality]
    weights = [a["population"] * (11 - a["imd_decile"]) for a in areas]
    out = []
    for i, area in enumerate(rng.choices(areas, weights=weights, k=count)):
        skill, priority = _pick(rng, SKILLS), _pick(rng, PRIORITIES)
        if priority is Priority.URGENT:
            start = rng.randrange(8 * 60, 15 * 60, 15)
            window = (start, start + 120)
        else:
            window = rng.choice(WINDOWS)
        out.append(
            VisitRequest(
                id=f"V{i + 1:03d}",
                place=jitter(Place(area["latitude"], area["longitude"]), rng),
                window_start=window[0],
                window_end=window[1],
                duration=DURATION[skill],
                skill=skill,
                priority=priority,
                small_area=area["small_area_code"],
                source=_pick(rng, SOURCES),
            )
        )
    return out


def clinicians(count: int, *, seed: int = 1, locality: str | None = "Oxford City") -> list[Clinician]:
    """``count`` clinicians based at the locality's practices, skills in the visits' proportions."""
    rng = random.Random(seed + 1)
    practices = [
        p for p in geography.practices().to_pylist() if locality is None or p["locality"] == locality
    ]
    order = [Skill.COMMUNITY_NURSE, Skill.ANP, Skill.GP, Skill.PARAMEDIC]
    out = []
    for i in range(count):
        skill = order[i % len(order)]
        base = rng.choice(practices)
        place = Place(base["latitude"], base["longitude"])
        shift = SHIFTS[i % len(SHIFTS)]
        out.append(
            Clinician(
                id=f"C{i + 1:02d}",
                name=f"{skill.value} {i + 1} ({base['name']})",
                skills=ABLE[skill],
                start_base=place,
                end_base=place,
                shift_start=shift[0],
                shift_end=shift[1],
            )
        )
    return out
