"""Write ``docs/spec/`` from the spec tests: one page per area of ``tests/spec/toc.py`` and an index.

Each spec test (a function of ``spec``, see ``tests/spec/framework.py``) is called with a recorder
instead of an engine, so a page shows exactly the inputs, the call and the expected output the test
checks on DuckDB and Spark. Other tests of a spec module (properties, equivalences) are listed by
their docstring, with their cases when they are parametrised. The idea is OpenSAFELY ehrQL's (its
reference is generated from its spec tests); the code is ours.

    python scripts/spec_docs.py          # write docs/spec/
    python scripts/spec_docs.py --check  # exit 1 if docs/spec/ is not what the specs say

``tests/spec/test_spec_docs.py`` runs the check, so the pages never drift from the tests.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import importlib
import inspect
import re
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "spec"
for _p in (ROOT / "src", ROOT):  # the spec modules import nhc (src layout) and tests.spec
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from tests.spec import toc  # noqa: E402
from tests.spec.facts_rows import BASE as FACTS_DEFAULTS  # noqa: E402
from tests.spec.framework import Example, Recorder  # noqa: E402
from tests.spec.helpers import AS_OF, DEFAULTS  # noqa: E402

LONG = 24  # an input with more rows than this is shown by its first and last rows
# words a test name spells in lower case that a heading spells otherwise
WORDS = {
    "png": "PNG",
    "efi": "eFI",
    "imd": "IMD",
    "cms": "CMS",
    "ae": "A&E",
    "as of": "as-of",
    "hba1c": "HbA1c",
    "acs": "ACS",
    "bmi": "BMI",
    "copd": "COPD",
}


@dataclass
class Paragraph:
    """One test: a heading, its docstring, and its examples (spec tests) or cases (parametrised)."""

    name: str
    heading: str
    text: str
    examples: list[tuple[Example, str]] = field(default_factory=list)  # (example, call source)
    cases: tuple[list[str], list[tuple]] | None = None
    generated: bool = False  # a Hypothesis property


@dataclass
class Area:
    slug: str
    title: str
    text: str
    paragraphs: list[Paragraph]

    @property
    def module(self) -> str:
        return f"tests/spec/test_{self.slug}.py"


def collect() -> list[Area]:
    """Every area of the table of contents with its tests, in source order."""
    return [_area(slug, title) for slug, title in toc.AREAS.items()]


def _area(slug: str, title: str) -> Area:
    module = importlib.import_module(f"tests.spec.test_{slug}")
    tests = [v for k, v in vars(module).items() if k.startswith("test_") and callable(v)]
    return Area(slug, title, inspect.getdoc(module) or "", [_paragraph(fn) for fn in tests])


def heading_of(name: str) -> str:
    """``test_one_long_term_condition_is_png_4`` -> "One long term condition is PNG 4"."""
    words = name.removeprefix("test_").replace("_", " ")
    for low, spelt in WORDS.items():
        words = re.sub(rf"\b{re.escape(low)}\b", spelt, words)
    return words[0].upper() + words[1:]


def _paragraph(fn) -> Paragraph:
    inner = getattr(fn, "hypothesis", None)
    target = inner.inner_test if inner is not None else fn
    p = Paragraph(
        fn.__name__, heading_of(fn.__name__), inspect.getdoc(target) or "", generated=inner is not None
    )
    if list(inspect.signature(target).parameters) == ["spec"]:
        if not p.text:
            raise SystemExit(f"{fn.__module__}.{fn.__name__}: a spec test needs a docstring (what it shows)")
        recorder = Recorder()
        target(recorder)
        calls = _call_sources(target)
        if len(calls) != len(recorder.examples):
            raise SystemExit(f"{fn.__name__}: write each spec(...) call in the test body, call= included")
        p.examples = list(zip(recorder.examples, calls, strict=True))
    for mark in getattr(fn, "pytestmark", []):
        if mark.name == "parametrize":
            names = mark.args[0]
            names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
            values = [getattr(v, "values", v) for v in mark.args[1]]
            p.cases = (names, [v if len(names) > 1 else (v,) for v in values])
    return p


def _call_sources(fn) -> list[str]:
    """The source of each ``spec(..., call=...)`` in ``fn``: a lambda's body, else the expression."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "spec":
            call = next(k.value for k in node.keywords if k.arg == "call")
            out.append(wrapped(call.body if isinstance(call, ast.Lambda) else call))
    return out


def wrapped(node: ast.expr, indent: int = 0, width: int = 100) -> str:
    """``node`` as source, a call too long for one line with one argument a line (as ruff would)."""
    text = ast.unparse(node)
    if len(text) + indent <= width or not isinstance(node, ast.Call):
        return text
    inner = indent + 4
    args = [wrapped(a, inner, width) for a in node.args]
    args += [(f"{k.arg}=" if k.arg else "**") + wrapped(k.value, inner, width) for k in node.keywords]
    lines = "".join(f"{' ' * inner}{a},\n" for a in args)
    return f"{ast.unparse(node.func)}(\n{lines}{' ' * indent})"


# --- rendering ------------------------------------------------------------------------------------


def cell(value: Any) -> str:
    """A value as a table cell: dates ISO, booleans true/false, nothing as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).replace("|", "\\|")


def table(columns: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    return lines + ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]


def _default(table_name: str, column: str) -> Any:
    if table_name == "facts":
        return FACTS_DEFAULTS.get(column)
    return DEFAULTS.get(column)


def _input_table(name: str, value: Any) -> list[str]:
    if hasattr(value, "to_pylist"):  # a pyarrow.Table: every column
        rows = value.to_pylist()
        cols = list(value.column_names)
    else:  # rows: the columns the spec names; a row without one shows the default it gets
        rows, cols = value, []
        for r in rows:
            cols += [k for k in r if k not in cols]
    runs: list[list[Any]] = []  # [how many, values] for each run of identical rows
    for r in rows:
        values = [r.get(c, _default(name, c)) for c in cols]
        if runs and runs[-1][1] == values:
            runs[-1][0] += 1
        else:
            runs.append([1, values])
    counted = any(n > 1 for n, _ in runs)
    body = [[n, *v] for n, v in runs] if counted else [v for _, v in runs]
    header = ["rows", *cols] if counted else cols
    note = []
    if len(body) > LONG:
        left_out = len(body) - 2 * (LONG // 2)
        body = [*body[: LONG // 2], ["…"] * len(header), *body[-(LONG // 2) :]]
        note = [f"({left_out} rows left out here; the test has them all)", ""]
    caption = f"`{name}`" + (" (`rows`: how many identical rows)" if counted else "")
    return [caption, "", *table(header, body), "", *note]


def render_example(example: Example, call: str) -> list[str]:
    out = ["**Given**", ""]
    for name, value in example.given.items():
        out += _input_table(name, value)
    cols = example.output_columns()
    out += ["**Call**", "", "```python", call, "```", ""]
    out += ["**Expect**", "", *table(cols, [[r[c] for c in cols] for r in example.expect]), ""]
    return out


def render_area(area: Area) -> str:
    first, _, rest = area.text.partition("\n\n")
    lines = [
        f"# {area.title}",
        "",
        _without_area_name(first),
        "",
        *([rest.strip(), ""] if rest.strip() else []),
    ]
    lines += [f"Specs: [`{area.module}`](../../{area.module}). {_read_me()}", ""]
    for i, p in enumerate(area.paragraphs, 1):
        lines += [f"## {i}. {p.heading}", ""]
        if p.text:
            lines += [p.text, ""]
        for example, call in p.examples:
            lines += render_example(example, call)
        if p.cases:
            names, values = p.cases
            lines += ["Cases:", "", *table(names, [list(v) for v in values]), ""]
        if not p.examples:
            how = "for generated inputs (Hypothesis)" if p.generated else "in code"
            lines += [f"Checked {how}: `{area.module}::{p.name}`.", ""]
    return "\n".join(lines).rstrip() + "\n"


def _without_area_name(paragraph: str) -> str:
    # a module docstring opens "Area: what it covers"; the page heading already names the area
    _head, sep, body = paragraph.partition(": ")
    return body[0].upper() + body[1:] if sep and body and "\n" not in _head else paragraph


def _read_me() -> str:
    return "How to read a spec: [index](index.md)."


def anchor(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def render_index(areas: list[Area]) -> str:
    lines = [
        "# Specifications of the analytics",
        "",
        "Generated by `scripts/spec_docs.py` from the spec tests in `tests/spec/`: do not edit by hand;",
        "change a test and run `python scripts/spec_docs.py` (a test fails while these pages and the",
        "tests disagree).",
        "",
        "## How to read a spec",
        "",
        "Each spec shows one behaviour: **given** tiny input tables, a **call** of an analytics rule,",
        "the **expected** output. The test runs the call on every engine (DuckDB and Spark) and the",
        "output must be exactly the expected rows, in any order (only the columns shown are compared).",
        "",
        f"* The as-of date `AS_OF` is {AS_OF.isoformat()} throughout.",
        "* In a call, `t.<name>` is the given input table of that name.",
        "* Input columns a spec does not give take defaults: a lake table's text columns a fixed",
        "  value (`sex` F, `small_area_code` SA1, `practice_code` P1 ...), nullable ones empty; a",
        "  lake table not given is empty, except `small_areas` (SA1: IMD decile 3, neighbourhood N1,",
        "  locality Oxford City) and `practices` (P1: neighbourhood N1, locality Oxford City).",
        "  `facts` rows describe a 40-year-old woman active in the last 12 months with no",
        "  condition, no frailty and no use of services, unless the row says otherwise.",
        "* An empty cell is a missing value (null).",
        "",
        "## Areas",
        "",
    ]
    for a in areas:
        lines += [f"### [{a.title}]({a.slug}.md)", ""]
        for i, p in enumerate(a.paragraphs, 1):
            h = f"{i}. {p.heading}"
            lines.append(f"{i}. [{p.heading}]({a.slug}.md#{anchor(h)})")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render() -> dict[str, str]:
    """Every page of docs/spec/ by file name."""
    areas = collect()
    return {"index.md": render_index(areas), **{f"{a.slug}.md": render_area(a) for a in areas}}


def stale(pages: dict[str, str], out: Path = OUT) -> list[str]:
    """Files of ``out`` that differ from ``pages``, are missing, or are not pages any more."""
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.md")} if out.exists() else {}
    return sorted(n for n in set(pages) | set(on_disk) if pages.get(n) != on_disk.get(n))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if docs/spec/ is out of date")
    args = parser.parse_args(argv)
    pages = render()
    if args.check:
        bad = stale(pages)
        if bad:
            print(f"docs/spec/ is out of date ({', '.join(bad)}): run python scripts/spec_docs.py")
            return 1
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name in stale(pages):
        path = OUT / name
        if name in pages:
            path.write_text(pages[name], encoding="utf-8")
        else:
            path.unlink()
    print(f"wrote {len(pages)} pages to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
