"""Cube: counts of people by grouping set ('All' for a dimension outside it), each count controlled by
the disclosure rule (7 or fewer suppressed, the rest rounded to the nearest 5)."""

from __future__ import annotations

from nhc.analytics.rules import cube


def _people(n: int, band: str, png: int, png_name: str, age_band: str) -> list[dict]:
    """``n`` people alike (each is a row of the insights table)."""
    person = {
        "band": band,
        "png": png,
        "png_name": png_name,
        "age_band": age_band,
        "sex": "F",
        "imd_quintile": 2,
        "practice_code": "P1",
        "neighbourhood": "N1",
        "locality": "L1",
    }
    return [dict(person) for _ in range(n)]


def test_each_grouping_set_is_counted_and_controlled(spec):
    """Each grouping set counts people over its own dimensions: 7 people are suppressed, 13 shown as
    15, and the locality's 20 as 20."""
    spec(
        given={
            "insights": _people(13, "low", 3, "Low need adult", "18-44")
            + _people(7, "high", 11, "Frailty", "85+")
        },
        call=lambda t: cube.cube(t.insights, (("band",), ("locality",))),
        expect=[
            {"grouping": "band", "band": "high", "locality": "All", "count": None},
            {"grouping": "band", "band": "low", "locality": "All", "count": 15},
            {"grouping": "locality", "band": "All", "locality": "L1", "count": 20},
        ],
    )


def test_uncontrolled_counts_are_exact(spec):
    """With control off (inside the trusted setting only) counts are exact; the PNG reads with its name."""
    spec(
        given={
            "insights": _people(13, "low", 3, "Low need adult", "18-44")
            + _people(7, "high", 11, "Frailty", "85+")
        },
        call=lambda t: cube.cube(t.insights, (("band", "png"),), control=False),
        expect=[
            {"png": "11 Frailty", "count": 7},
            {"png": "3 Low need adult", "count": 13},
        ],
    )


def test_a_total_is_controlled_on_its_own(spec):
    """A total is rounded from the exact count, not added up from controlled cells: 13, 8 and 6 people
    show as 15, 10 and suppressed, and their 27 as 25 (not 15 + 10)."""
    spec(
        given={
            "insights": _people(13, "low", 3, "Low need adult", "18-44")
            + _people(8, "moderate", 5, "Medium complexity morbidity", "45-64")
            + _people(6, "high", 11, "Frailty", "85+")
        },
        call=lambda t: cube.cube(t.insights, (("band",), ("locality",))),
        expect=[
            {"grouping": "band", "band": "high", "locality": "All", "count": None},
            {"grouping": "band", "band": "low", "locality": "All", "count": 15},
            {"grouping": "band", "band": "moderate", "locality": "All", "count": 10},
            {"grouping": "locality", "band": "All", "locality": "L1", "count": 25},
        ],
    )


def _counts(rows: list[tuple[str | None, int]]) -> list[dict]:
    return [{"neighbourhood": key, "people": n} for key, n in rows]


def test_counts_kept_are_changed_by_a_days_people(spec):
    """A refresh counts everyone again from last night's counts: the changed people's rows as they
    were are taken away and as they are now added. N1 had 3 people and loses one (who moves to N2);
    N2 gains that one and a new person."""
    spec(
        given={
            "kept": _counts([("N1", 3), ("N2", 1)]),
            "before": _counts([("N1", 1)]),
            "after": _counts([("N2", 2)]),
        },
        call=lambda t: cube.changed_counts(t.kept, t.before, t.after, ("neighbourhood",), "people"),
        expect=_counts([("N1", 2), ("N2", 3)]),
    )


def test_a_count_left_with_nobody_is_dropped_and_a_new_one_appears(spec):
    """As counting everyone would: N1's only person died (no row after), so N1 goes; N3 was nobody's
    and now has one; people with no neighbourhood count as one more key."""
    spec(
        given={
            "kept": _counts([("N1", 1), ("N2", 4), (None, 2)]),
            "before": _counts([("N1", 1), (None, 1)]),
            "after": _counts([("N3", 1), (None, 2)]),
        },
        call=lambda t: cube.changed_counts(t.kept, t.before, t.after, ("neighbourhood",), "people"),
        expect=_counts([("N2", 4), ("N3", 1), (None, 3)]),
    )
