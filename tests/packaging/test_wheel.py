"""The built package is complete: `pip install nhc` then `nhc serve` is styled, with the licence kept.

Builds a wheel from this checkout (no dependencies fetched) and looks inside it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VENDOR = "nhc/web/static/vendor/nhsuk/"


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    # Built from a copy, so that the build folder setuptools writes is this test's own.
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(REPO / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("nhc-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def test_the_wheel_ships_the_nhs_frontend_styles_scripts_and_icons(wheel_names: set[str]) -> None:
    for name in ("nhsuk-frontend.min.css", "nhsuk-frontend.min.js", "assets/images/favicon.ico"):
        assert VENDOR + name in wheel_names, name


def test_the_wheel_keeps_the_frontend_licence_and_its_provenance(wheel_names: set[str]) -> None:
    assert {VENDOR + "LICENSE", VENDOR + "PROVENANCE.md"} <= wheel_names


def test_the_wheel_does_not_ship_test_only_axe(wheel_names: set[str]) -> None:
    assert not any(name.endswith("axe.min.js") for name in wheel_names)


def test_the_vendored_css_asks_for_no_remote_font() -> None:
    css = (REPO / "src" / VENDOR / "nhsuk-frontend.min.css").read_text()
    assert "@font-face" not in css and "assets.nhs.uk" not in css


def test_the_wheel_ships_every_data_file_the_package_reads(wheel_names: set[str]) -> None:
    """Every file under src/nhc (rules, codelists, templates, parameters...) is in the wheel, so an area's
    data cannot work from a checkout and be missing from an install."""
    package = REPO / "src" / "nhc"
    test_only = {"web/static/vendor/axe.min.js", "web/static/vendor/.installed"}
    wanted = {
        "nhc/" + p.relative_to(package).as_posix()
        for p in package.rglob("*")
        if p.is_file()
        and "__pycache__" not in p.parts
        and p.name != ".gitignore"
        and p.relative_to(package).as_posix() not in test_only
    }
    assert sorted(wanted - wheel_names) == []
