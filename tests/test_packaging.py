"""Packaging: environment.yml and pyproject.toml agree, the public API imports, the README and CI
tell a newcomer the same two commands."""
from __future__ import annotations

import importlib
import re

import pytest
import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    tomllib = pytest.importorskip("tomli")


def normalise(requirement: str) -> str:
    """'Torch >= 2.1' -> 'torch>=2.1': compare requirements without case or spaces."""
    return re.sub(r"\s+", "", requirement).lower()


@pytest.fixture(scope="module")
def pyproject(root) -> dict:
    with open(root / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)


@pytest.fixture(scope="module")
def conda_pip_deps(root) -> list[str]:
    env = yaml.safe_load((root / "environment.yml").read_text(encoding="utf-8"))
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip_sections) == 1, "environment.yml should have one pip: section"
    return [d for d in pip_sections[0] if d.strip() != "-e ."]


def test_environment_yml_pip_deps_equal_pyproject_deps(pyproject, conda_pip_deps):
    """environment.yml's pip list (besides '-e .') is exactly pyproject's dependencies plus all extras."""
    project = pyproject["project"]
    wanted = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        wanted += extra
    assert sorted(map(normalise, conda_pip_deps)) == sorted(set(map(normalise, wanted)))
    assert len(conda_pip_deps) == len(set(map(normalise, conda_pip_deps)))  # no duplicates


def test_environment_yml_installs_the_package(root):
    """environment.yml installs munit_lib itself in editable mode."""
    env = yaml.safe_load((root / "environment.yml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert "-e ." in [d.strip() for d in pip]


def test_ipywidgets_supports_colab_7_and_current_8(pyproject, conda_pip_deps):
    """ipywidgets is pinned '>=7.7,<9' in both files (Colab still ships ipywidgets 7)."""
    for deps in (pyproject["project"]["dependencies"], conda_pip_deps):
        pins = [normalise(d) for d in deps if normalise(d).startswith("ipywidgets")]
        assert pins == ["ipywidgets>=7.7,<9"]


def test_test_extra_has_no_jupyterlab(pyproject):
    """The test extra stays free of jupyterlab (it slows every nbval run)."""
    test_extra = [normalise(d) for d in pyproject["project"]["optional-dependencies"]["test"]]
    assert any(d.startswith("pytest") for d in test_extra) and any(d.startswith("nbval") for d in test_extra)
    assert not any(d.startswith("jupyterlab") for d in test_extra)


@pytest.mark.parametrize("name", ["MUNITConfig", "Generator", "MultiScaleDiscriminator", "MUNIT",
                                  "load_official_generators"])
def test_public_names_import(name):
    """The public names of munit_lib import from the package root and are listed in __all__."""
    module = importlib.import_module("munit_lib")
    assert callable(getattr(module, name))
    assert name in module.__all__


def test_readme_gives_the_two_commands(root):
    """README.md tells a newcomer to run `make lab` and `make test`."""
    text = (root / "README.md").read_text(encoding="utf-8")
    assert "make lab" in text and "make test" in text


def test_ci_runs_make_test(root):
    """.ci/run runs `make test`, the command the README gives."""
    lines = [line.strip() for line in (root / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    assert "make test" in [line for line in lines if not line.startswith("#")]


def test_makefile_defines_lab_and_test(root):
    """The Makefile has the lab and test targets, and test runs the unit tests and the notebooks."""
    text = (root / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^lab:", text, re.M) and re.search(r"^test:", text, re.M)
    test_recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", text, re.M).group(1)
    assert "tests/" in test_recipe and "--nbval" in text and "notebooks/" in test_recipe
