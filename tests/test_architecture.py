"""The house rules of docs/architecture.md that a machine can check: sizes, imports at the top, the arrows."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "nhc"
sys.path.insert(0, str(REPO / "scripts"))

import sizes  # noqa: E402  (scripts/sizes.py: the same measure the developers print)


def _modules() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if "migrations" not in p.parts]


def test_no_module_over_600_lines_and_no_function_over_80() -> None:
    modules, functions = sizes.measured()
    over = [m for m in modules if m[0] > sizes.MODULE_LIMIT] + [
        f for f in functions if f[0] > sizes.FUNCTION_LIMIT
    ]
    assert over == [], f"over the size limits (lines, name): {over}"


def _function_level_nhc_imports(path: Path) -> list[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            names = []
            if isinstance(inner, ast.ImportFrom) and inner.level == 0 and inner.module:
                names = [inner.module]
            elif isinstance(inner, ast.Import):
                names = [a.name for a in inner.names]
            found |= {
                f"{path.relative_to(PACKAGE.parent)}:{inner.lineno} {n}"
                for n in names
                if n.split(".")[0] == "nhc"
            }
    return sorted(found)


def test_nhc_modules_are_imported_at_the_top_of_a_module() -> None:
    """A function-level import of our own code hides a cycle; the design should change instead."""
    found = [hit for path in _modules() for hit in _function_level_nhc_imports(path)]
    assert found == [], "\n".join(found)


def test_the_import_contracts_hold() -> None:
    lint_imports = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run([lint_imports, "--no-cache"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:]
