"""The planning model on tiny inputs: exact outputs worked out by hand, demography, seeds, centiles."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nhc.planning import demography, levers, montecarlo
from nhc.planning.parameters import LEVER_ORDER

from .helpers import baseline, cell, costs, rates, scenario

FRAIL = cell(11, "75-84", gp=400, ae=30, emergency_admission=20, bed_days=100)


def test_a_fixed_lever_gives_exact_outputs():
    """Frail admissions avoided 25% and half the remaining bed days to the virtual ward, nobody
    ageing out of their band: 15 admissions, 37.5 bed days, 37.5 virtual ward days, the beds they
    need at 80% occupancy, their cost and the GP WTE against one in post."""
    b = baseline([FRAIL], {("F", 80): 100})
    s = scenario(
        {
            "frailty_admissions_avoided": {"interval": [0.25, 0.25], "need_groups": [11]},
            "bed_days_to_virtual_ward": {"interval": [0.5, 0.5]},
        }
    )
    r = montecarlo.run(
        b, s, rates(), costs(gp=10, emergency_admission=1000, bed_days=300, virtual_ward_days=100)
    )
    got = {k: v["p50"] for k, v in r.summary.items()}
    assert got["activity.emergency_admission"] == pytest.approx(15)
    assert got["activity.bed_days"] == pytest.approx(37.5)
    assert got["activity.virtual_ward_days"] == pytest.approx(37.5)
    assert got["activity.gp"] == pytest.approx(400)
    assert got["activity.ae"] == pytest.approx(30)
    assert got["beds"] == pytest.approx(37.5 / 365 / 0.8)
    assert got["cost"] == pytest.approx(400 * 10 + 15 * 1000 + 37.5 * 300 + 37.5 * 100)
    assert got["wte.gp"] == pytest.approx(400 * 15 / 96_000)
    (gp,) = [w for w in r.workforce if w["role"] == "gp"]
    assert gp["gap_p50"] == pytest.approx(400 * 15 / 96_000 - 1.0)
    # a fixed lever is the same in every run
    for m in r.summary.values():
        assert m["p10"] == pytest.approx(m["p90"])


def test_no_levers_reproduce_baseline_times_demography():
    """With no lever, each cell's activity is its baseline times its age band and sex's change in
    people: young adults grow 10% a year by migration (x 1.21 in two years), people over 45 lose
    10% a year to deaths (x 0.81)."""
    b = baseline(
        [cell(3, "18-44", gp=200, ae=10), cell(11, "75-84", gp=400, emergency_admission=20, bed_days=100)],
        {("F", 30): 500, ("F", 80): 1000},
    )
    r8 = rates(mortality=[(0, 44, 0.0), (45, 100, 0.1)], migration=[(0, 44, 0.1), (45, 100, 0.0)])
    r = montecarlo.run(b, scenario(horizon_years=2), r8, costs())
    got = {k: v["p50"] for k, v in r.summary.items()}
    assert got["activity.gp"] == pytest.approx(200 * 1.21 + 400 * 0.81)
    assert got["activity.ae"] == pytest.approx(10 * 1.21)
    assert got["activity.emergency_admission"] == pytest.approx(20 * 0.81)
    assert got["activity.bed_days"] == pytest.approx(100 * 0.81)
    assert r.population == pytest.approx([1500, 550 + 900, 605 + 810])
    (step,) = r.waterfall
    assert step["step"] == "demography"
    assert step["activity.gp"] == pytest.approx(200 * 0.21 - 400 * 0.19)


def test_births_enter_at_age_zero_split_by_sex():
    """Women aged 30 with fertility 0.1 give 10 births per 100 women, 51.2% boys."""
    b = baseline([cell(3, "18-44")], {("F", 30): 100})
    years = demography.project(b.population, rates(fertility=[(15, 44, 0.1)]), 1)
    assert years[1][0, 0] == pytest.approx(10 * 0.488)
    assert years[1][1, 0] == pytest.approx(10 * 0.512)
    assert years[1][0, 31] == pytest.approx(100)


def test_the_oldest_age_keeps_its_survivors():
    """People aged 100 and over stay at 100 the next year (less deaths)."""
    b = baseline([cell(11, "85+")], {("M", 99): 10, ("M", 100): 5})
    years = demography.project(b.population, rates(mortality=[(0, 99, 0.0), (100, 100, 0.2)]), 1)
    assert years[1][1, 100] == pytest.approx(10 + 5 * 0.8)


LEVERS = {
    "frailty_admissions_avoided": {"interval": [0.05, 0.2], "need_groups": [11]},
    "ae_to_utc": {"interval": [0.05, 0.15]},
    "gp_appointments_shifted": {"interval": [0.0, 0.3], "to": {"pharmacist": 1.0}},
}


def test_runs_are_reproducible_by_seed():
    """The same seed gives the same runs; another seed other runs, with the same principal."""
    b = baseline([FRAIL], {("F", 80): 100})
    one = montecarlo.run(b, scenario(LEVERS, seed=3), rates(), costs())
    two = montecarlo.run(b, scenario(LEVERS, seed=3), rates(), costs())
    other = montecarlo.run(b, scenario(LEVERS, seed=4), rates(), costs())
    assert one.to_dict() == two.to_dict()
    assert (one.samples["ae_to_utc"] == two.samples["ae_to_utc"]).all()
    assert (one.samples["ae_to_utc"] != other.samples["ae_to_utc"]).any()
    assert one.summary["activity.ae"]["principal"] == other.summary["activity.ae"]["principal"]


def test_run_zero_is_the_principal_and_draws_match_the_interval():
    """Run 0 takes each interval's midpoint; about 80% of 4,000 draws fall inside the interval."""
    draws = montecarlo.sample_levers(scenario(LEVERS, runs=4000), 4000)["ae_to_utc"]
    assert draws[0] == pytest.approx(0.1)
    inside = ((draws >= 0.05) & (draws <= 0.15)).mean()
    assert 0.77 < inside < 0.83


def test_the_waterfall_adds_up_to_the_principal():
    """Baseline plus each step's change is the principal run's value, for every measure."""
    b = baseline([FRAIL, cell(3, "18-44", gp=100)], {("F", 80): 100, ("F", 30): 50})
    r = montecarlo.run(b, scenario(LEVERS), rates(mortality=[(0, 100, 0.01)]), costs(gp=30, ae=200))
    assert [w["step"] for w in r.waterfall] == ["demography", *LEVERS]
    for measure, s in r.summary.items():
        total = s["baseline"] + sum(w[measure] for w in r.waterfall)
        assert total == pytest.approx(s["principal"]), measure


intervals = st.tuples(st.floats(0, 1), st.floats(0, 1)).map(sorted)


@settings(max_examples=40, deadline=None)
@given(
    frail=intervals,
    utc=intervals,
    shift=intervals,
    seed=st.integers(0, 2**31),
    gp=st.floats(0, 1e6),
    bed_days=st.floats(0, 1e5),
)
def test_p10_p50_p90_are_always_in_order(frail, utc, shift, seed, gp, bed_days):
    """Whatever the intervals, seed and activity: P10 <= P50 <= P90 for every measure."""
    levers = {
        "frailty_admissions_avoided": {"interval": list(frail), "need_groups": [11]},
        "ae_to_utc": {"interval": list(utc)},
        "gp_appointments_shifted": {"interval": list(shift), "to": {"pharmacist": 0.5, "link_worker": 0.5}},
    }
    b = baseline(
        [cell(11, "75-84", gp=gp, ae=gp / 10, emergency_admission=bed_days / 5, bed_days=bed_days)],
        {("F", 80): 100},
    )
    r = montecarlo.run(b, scenario(levers, seed=seed, runs=64), rates(), costs(gp=1, bed_days=2))
    for name, s in r.summary.items():
        assert s["p10"] <= s["p50"] <= s["p90"], name


def test_staff_in_post_scale_to_the_baseline_population():
    """Staff in post given for 1,000 people are halved for a baseline of 500 people."""
    s = scenario()
    data = s.model_dump()
    data["workforce"]["current_wte_population"] = 1000
    data["workforce"]["current_wte"] = {"gp": 4.0}
    s2 = type(s).model_validate(data)
    b = baseline([FRAIL], {("F", 80): 500})
    r = montecarlo.run(b, s2, rates(), costs())
    (gp,) = [w for w in r.workforce if w["role"] == "gp"]
    assert gp["current_wte"] == pytest.approx(2.0)
    assert gp["gap_p50"] == pytest.approx(400 * 15 / 96_000 - 2.0)


def test_every_lever_has_one_rule_in_the_lever_order():
    assert tuple(levers.APPLY) == LEVER_ORDER


def test_without_levers_every_run_is_the_principal():
    """No lever pulled: as many runs as asked, all equal to the demographic projection."""
    r = montecarlo.run(baseline([FRAIL], {("F", 80): 100}), scenario(runs=300), rates(), costs())
    assert r.runs == 300 and len(r.samples["activity.gp"]) == 300
    assert r.summary["activity.gp"]["p10"] == r.summary["activity.gp"]["p90"] == 400
