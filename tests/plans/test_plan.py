"""A neighbourhood's plan over the 3,000-person county: its numbers are the analytics' own figures
(read here from a separate insights service, not through the plan's code), every section is present
in the page, the PDF (its text read back with pypdf) and the JSON summary, sections without a
source say so, and ``nhc plans build`` writes the PDFs and fails in one line for an unknown name."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pypdf
import pytest

from nhc import bootstrap
from nhc.cli import main
from nhc.insights.service import InsightsService, NotFound
from nhc.plans.plan import SECTIONS
from nhc.settings import Settings
from nhc.web.plans.render import pdf_bytes


@pytest.fixture(scope="module")
def services(county: Path, tmp_path_factory):
    db = tmp_path_factory.mktemp("plans-db") / "nhc.sqlite3"
    services = bootstrap.build(Settings(data_dir=county, database_url=f"sqlite:///{db}"))
    services.plans.seed_starter()
    yield services
    services.close()


@pytest.fixture(scope="module")
def analytics(county: Path) -> InsightsService:
    """The analytics' own figures, from a service of their own."""
    return InsightsService(county / "lake")


@pytest.fixture(scope="module")
def neighbourhood(analytics) -> str:
    """The most populous neighbourhood (the fewest suppressed cells)."""
    return max(analytics.neighbourhoods(), key=lambda r: r["population"] or 0)["name"]


def test_a_neighbourhood_plan_shows_the_analytics_own_population_65_plus_and_higher_need(
    services, analytics, neighbourhood
) -> None:
    plan = services.plans.build(services.plans.scope(neighbourhood))
    row = next(r for r in analytics.neighbourhoods() if r["name"] == neighbourhood)
    profile = analytics.neighbourhood_profile(neighbourhood)
    assert plan.figures == {
        "population": row["population"],
        "aged_65_plus": profile["aged_65_plus"],
        "higher_need": row["high"],
    }
    assert row["population"] > 0
    ages = analytics.breakdown("age_band", (("neighbourhood", neighbourhood),))["rows"]
    assert [(r["label"], r["total"]) for r in plan.table("ages").rows] == [
        (r["label"], r["total"]) for r in ages
    ]
    registers = {r["register"]: r["count"] for r in profile["registers"]}
    assert {r["register"]: r["count"] for r in plan.table("conditions").rows} == registers


def test_the_county_plan_shows_the_county_total(services, analytics) -> None:
    plan = services.plans.build(services.plans.scope("Oxfordshire"))
    assert plan.figures["population"] == analytics.overview(())["total"]
    assert plan.scope.kind == "county"


def test_sections_without_a_source_say_so_rather_than_show_numbers(services, neighbourhood) -> None:
    plan = services.plans.build(services.plans.scope(neighbourhood))
    assert [s.title for s in plan.sections] == [title for _, title in SECTIONS]
    feedback = plan.section("feedback")
    assert feedback.not_ready == "No feedback gathered yet."
    assert feedback.tables == ()
    assert plan.section("team").not_ready  # no team in this care record
    assert plan.section("priorities").tables[0].rows[0]["activity"] == "Primary care visiting service"


def test_an_unknown_name_is_not_found(services) -> None:
    with pytest.raises(NotFound):
        services.plans.scope("Atlantis")


def test_the_pdf_has_page_numbers_contents_and_every_section_heading(services, neighbourhood) -> None:
    plan = services.plans.build(services.plans.scope(neighbourhood))
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes(plan)))
    pages = [p.extract_text() for p in reader.pages]
    text = "\n".join(pages)
    assert f"Neighbourhood health plan: {neighbourhood} neighbourhood" in pages[0]
    for _, title in SECTIONS:
        assert pages[0].count(title) >= 1, f"{title} missing from the contents"
        assert sum(title in p for p in pages[1:]) >= 1, f"{title} missing from the body"
    assert f"Page 1 of {len(pages)}" in pages[0]
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]
    assert f"{plan.figures['population']:,} people are registered" in text
    assert "No feedback gathered yet." in text


def _run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


@pytest.fixture
def own_db(monkeypatch, tmp_path):
    monkeypatch.setenv("NHC_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")


def test_the_command_writes_one_plan_pdf(capsys, county, neighbourhood, tmp_path, own_db) -> None:
    out = tmp_path / "plan.pdf"
    code, stdout, _ = _run(
        capsys,
        "plans",
        "build",
        "--neighbourhood",
        neighbourhood,
        "--pdf",
        str(out),
        "--data",
        str(county),
        "--json",
    )
    assert code == 0
    doc = json.loads(stdout)
    assert doc["name"] == neighbourhood and doc["pdf"] == str(out)
    assert set(doc["sections"]) == {key for key, _ in SECTIONS}
    assert pypdf.PdfReader(out).pages[0].extract_text().startswith("Neighbourhood Health")


@pytest.mark.slow  # 24 PDFs (about 50 s): benchmarks/plans.py builds and times every one
def test_the_command_builds_every_neighbourhood(capsys, county, analytics, tmp_path, own_db) -> None:
    code, stdout, _ = _run(
        capsys, "plans", "build", "--all", "--out", str(tmp_path), "--data", str(county), "--json"
    )
    assert code == 0
    names = {r["name"] for r in json.loads(stdout)["plans"]}
    assert names == set(analytics.geography()["neighbourhoods"])
    assert len(list(tmp_path.glob("*.pdf"))) == len(names)


def test_an_unknown_neighbourhood_is_one_line_and_exit_2(capsys, county, tmp_path, own_db) -> None:
    code, stdout, stderr = _run(
        capsys, "plans", "build", "--neighbourhood", "Atlantis", "--data", str(county)
    )
    assert code == 2
    assert "there is no neighbourhood or locality called 'Atlantis'" in stderr
    assert "Traceback" not in stderr + stdout
    assert len(stderr.strip().splitlines()) == 1
