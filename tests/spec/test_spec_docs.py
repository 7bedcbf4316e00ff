"""docs/spec/ is generated from these specs (scripts/spec_docs.py) and must say what they say."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from . import toc

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("spec_docs", ROOT / "scripts" / "spec_docs.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_docs_spec_is_up_to_date_with_the_specs():
    gen = _generator()
    stale = gen.stale(gen.render())
    assert not stale, f"docs/spec/ is out of date ({', '.join(stale)}): run python scripts/spec_docs.py"


def test_every_spec_module_is_in_the_table_of_contents():
    modules = {p.stem.removeprefix("test_") for p in Path(__file__).parent.glob("test_*.py")}
    assert modules - {"spec_docs"} == set(toc.AREAS)


def test_the_generator_shows_what_a_spec_checks():
    """A spec's page holds its inputs, its call and its expected rows, values written plainly."""
    gen = _generator()
    area = next(a for a in gen.collect() if a.slug == "population")
    p = next(p for p in area.paragraphs if p.name == "test_a_death_on_or_before_as_of_excludes")
    ((_example, call),) = p.examples
    # the call as written, one argument a line when it is long
    assert call.startswith("population.population(\n    t.patients,\n    t.practice_registrations,\n")
    assert call.endswith("    AS_OF,\n)")
    page = gen.render_area(area)
    assert "| 2 | 2026-03-31 |" in page  # the death on as-of, as given
    assert "\n| patient_id |\n|---|\n| 3 |\n| 4 |\n" in page  # the expected rows
    assert gen.cell(None) == "" and gen.cell(True) == "true" and gen.cell("a|b") == "a\\|b"
