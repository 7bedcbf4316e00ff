"""Print the longest modules and functions under src/nhc (migrations excluded).

    python scripts/sizes.py            # the longest ten of each
    python scripts/sizes.py --check    # exit 1 if a module is over 600 lines or a function over 80

The house rule (docs/architecture.md): modules under ~600 lines, functions under ~80.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src" / "nhc"
MODULE_LIMIT, FUNCTION_LIMIT = 600, 80


def measured() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(lines, module) and (lines, module:function) for every module outside migrations."""
    modules, functions = [], []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).as_posix()
        if "/migrations/" in rel:
            continue
        text = path.read_text()
        modules.append((len(text.splitlines()), rel))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions.append((node.end_lineno - node.lineno + 1, f"{rel}:{node.name}"))
    return sorted(modules, reverse=True), sorted(functions, reverse=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--top", type=int, default=10)
    args = ap.parse_args()
    modules, functions = measured()
    for title, rows in (("modules", modules), ("functions", functions)):
        print(f"longest {title}:")
        for lines, name in rows[: args.top]:
            print(f"  {lines:5d}  {name}")
    over = [m for m in modules if m[0] > MODULE_LIMIT] + [f for f in functions if f[0] > FUNCTION_LIMIT]
    if args.check and over:
        print(f"{len(over)} over the limits ({MODULE_LIMIT} lines a module, {FUNCTION_LIMIT} a function)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
