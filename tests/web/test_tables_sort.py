"""Every table on the analytics pages sorts by a column through a link (``?sort=col&dir=asc``, no
JavaScript, ``aria-sort`` on the sorted header), long tables are paginated, and the CSV downloads
still carry every row (issue 20, items 4 and 5)."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.web.analytics_support import make_app, number, sign_in, table_by
from tests.web.fixture_lake import GEOGRAPHY, write_fixture_lake

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")

#: Every analytics page and the tables on it (by caption); each must be sortable.
PAGES = {
    "/": ("People by need band", "People by age band and need band"),
    "/pngs": ("People by Patient Need Group",),
    "/pngs/5": ("People by age band and need band",),
    "/compare": ("People in each need band", "People in each tier"),
    "/neighbourhoods": ("Neighbourhoods by locality",),
    "/neighbourhoods/Banbury": (
        "People by need band in Banbury",
        "People on each register",
        "Electronic Frailty Index",
        "By IMD quintile",
        "Practices in Banbury",
    ),
    "/variation?indicator=high_need": ("Practices outside the 95% limits", "Every practice"),
    "/worklists": ("People on each worklist by neighbourhood",),
}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sort")
    lake = write_fixture_lake(tmp / "lake", n=1500, seed=5)
    application = make_app(lake.root, tmp)
    yield application
    application.state.security.db.dispose()


@pytest.fixture(scope="module")
def ana(app):
    return sign_in(app, "ana")


def test_every_table_on_the_analytics_pages_has_sort_links_on_its_headers(ana) -> None:
    for url, captions in PAGES.items():
        page = ana.get(url)
        assert page.status_code == 200, url
        for caption in captions:
            t = table_by(page.text, caption=caption)
            linked = [h for h in t.headers if h.href]
            assert linked, f"{url}: {caption} has no sortable header"
            for h in linked:
                query = parse_qs(urlsplit(h.href).query)
                assert query["dir"] == ["asc"] and query["sort"], (url, h)
                assert h.aria_sort == "none", (url, h)


def test_a_header_link_sorts_the_table_and_says_so_with_aria_sort(ana) -> None:
    page = ana.get("/neighbourhoods").text
    link = table_by(page, testid="neighbourhoods").header("People").href
    assert link == "/neighbourhoods?sort=population&dir=asc"
    t = table_by(ana.get(link).text, testid="neighbourhoods")
    people = [number(c) for c in t.column("People")]
    assert people == sorted(people) and len(people) == len({nb for nb, _ in GEOGRAPHY.values()})
    assert t.header("People").aria_sort == "ascending" and t.header("Locality").aria_sort == "none"
    # following the sorted header's link again sorts the other way
    flipped = table_by(ana.get(t.header("People").href).text, testid="neighbourhoods")
    assert [number(c) for c in flipped.column("People")] == sorted(people, reverse=True)
    assert flipped.header("People").aria_sort == "descending"


def test_suppressed_sorts_between_none_and_the_smallest_count(ana) -> None:
    page = ana.get("/worklists?sort=high_admission_risk&dir=asc").text
    cells = table_by(page, testid="worklist-counts").column("High risk")
    order = {"none": 0, "suppressed": 1}
    ranks = [order.get(c, 2) for c in cells]
    assert ranks == sorted(ranks)
    counts = [number(c) for c in cells if c not in order]
    assert counts == sorted(counts)


def test_on_a_page_of_several_tables_one_link_sorts_one_table(ana) -> None:
    url = "/neighbourhoods/Banbury"
    before = ana.get(url).text
    link = table_by(before, caption="Practices in Banbury").header("People").href
    assert "sort=practices.population" in link and link.endswith("#practices")
    after = ana.get(link.replace("dir=asc", "dir=desc")).text
    practices = table_by(after, caption="Practices in Banbury")
    shown = [number(c) for c in practices.column("People")]
    assert shown == sorted(shown, reverse=True)
    assert practices.header("People").aria_sort == "descending"
    # the other tables keep their own order
    assert table_by(after, caption="By IMD quintile").rows == table_by(before, caption="By IMD quintile").rows


def test_sorting_by_the_label_keeps_the_categories_order(ana) -> None:
    t = table_by(ana.get("/?sort=label&dir=desc#breakdown").text, testid="breakdown")
    assert t.column("Age band") == ["85+", "75-84", "65-74", "45-64", "18-44", "0-17"]


def test_unknown_sort_columns_and_directions_are_ignored(ana) -> None:
    default = table_by(ana.get("/neighbourhoods").text, testid="neighbourhoods").rows
    for query in ("sort=nope", "sort=population&dir=sideways", "sort=<script>", "sort=practices.population"):
        page = ana.get(f"/neighbourhoods?{query}")
        assert page.status_code == 200, query
        t = table_by(page.text, testid="neighbourhoods")
        if "dir=sideways" in query:
            assert t.header("People").aria_sort == "ascending"
        else:
            assert t.rows == default, query


def _sort_key(cell: str) -> float:
    value = number(cell)
    return 0.5 if value is None else value


def test_long_tables_have_pages_with_previous_and_next_links(app, ana, monkeypatch) -> None:
    import nhc.web.tables as paging

    monkeypatch.setitem(paging.table.__kwdefaults__, "page_size", 4)  # the fixture's 6 practices: 2 pages
    app.state.page_cache.clear()
    try:
        first = ana.get("/?dimension=practice_code&sort=total&dir=desc").text
        second_href = "/?dimension=practice_code&sort=total&dir=desc&page=2#breakdown"
        assert second_href.replace("&", "&amp;") in first  # "Next" keeps the sort
        second = ana.get(second_href).text
        past_the_end = ana.get("/?dimension=practice_code&sort=total&dir=desc&page=9").text
    finally:
        app.state.page_cache.clear()
    t1, t2 = table_by(first, testid="breakdown"), table_by(second, testid="breakdown")
    assert len(t1.rows) == 4 and "1 to 4 of 6" in first and "Page 2 of 2" in first
    assert len(t2.rows) == 2 and "5 to 6 of 6" in second and "Page 1 of 2" in second
    assert table_by(past_the_end, testid="breakdown").rows == t2.rows  # the last page, not an error
    practices = [r[0] for r in t1.rows + t2.rows]
    assert sorted(p.rsplit("(", 1)[1].rstrip(")") for p in practices) == sorted(GEOGRAPHY)
    totals = [_sort_key(r[1]) for r in t1.rows + t2.rows]
    assert totals == sorted(totals, reverse=True)
    rows = list(csv.DictReader(io.StringIO(ana.get("/downloads/breakdown.csv?dimension=practice_code").text)))
    assert len(rows) == len(GEOGRAPHY)  # the download is the whole table


def test_the_worklist_sorts_and_pages_without_javascript(app) -> None:
    cli = sign_in(app, "cli")
    page = cli.get("/worklists/Banbury?worklist=high_admission_risk").text
    t = table_by(page, testid="worklist")
    assert t.header("Age").href and t.header("Rank").aria_sort == "none"
    by_age = table_by(cli.get(t.header("Age").href).text, testid="worklist")
    ages = [int(c.split(",")[0]) for c in by_age.column("Age")]
    assert ages == sorted(ages) and by_age.header("Age").aria_sort == "ascending"
    assert "worklist=high_admission_risk" in t.header("Age").href  # the chosen list is kept


def test_bands_sort_lower_moderate_higher_and_practices_by_name(ana) -> None:
    t = table_by(ana.get("/pngs?sort=band&dir=asc").text, caption="People by Patient Need Group")
    bands = t.column("Band")
    order = ["Lower need", "Moderate need", "Higher need"]
    assert [order.index(b) for b in bands] == sorted(order.index(b) for b in bands)
    page = ana.get("/neighbourhoods/Witney?sort=practices.practice&dir=desc").text
    names = table_by(page, caption="Practices in Witney").column("Practice")
    assert names == sorted(names, reverse=True) and len(names) == 2
