"""The course's repository address is written once (munit_lib.course.COURSE_REPOSITORY); every
notebook's Colab badge and set-up cell use it, and the README names it."""
from __future__ import annotations

import json
import re

from munit_lib.course import COLAB_CLONE_DIR, COLAB_SETUP_CELL, COURSE_REPOSITORY, colab_badge


def notebooks(root):
    paths = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert len(paths) >= 9
    return paths


def cells(path) -> list[dict]:
    return [dict(c, source="".join(c["source"])) for c in json.loads(path.read_text(encoding="utf-8"))["cells"]]


def test_every_notebook_has_its_own_colab_badge_first(root):
    """The first cell is markdown and holds the badge that opens this very notebook in Colab."""
    for path in notebooks(root):
        first = cells(path)[0]
        assert first["cell_type"] == "markdown" and colab_badge(path.name) in first["source"], (
            f"{path.name}: the first cell should hold {colab_badge(path.name)}")


def test_every_notebook_starts_with_the_colab_set_up_cell(root):
    """The first code cell is exactly munit_lib.course.COLAB_SETUP_CELL: clone in Colab, nothing elsewhere."""
    for path in notebooks(root):
        first_code = next(c for c in cells(path) if c["cell_type"] == "code")
        assert first_code["source"] == COLAB_SETUP_CELL, (
            f"{path.name}: replace the first code cell with munit_lib.course.COLAB_SETUP_CELL")


def test_set_up_cell_fails_loudly_and_does_nothing_outside_colab():
    """No `|| true`: a failed clone raises with what to do; outside Colab the cell only imports."""
    assert "|| true" not in COLAB_SETUP_CELL
    assert COURSE_REPOSITORY + ".git" in COLAB_SETUP_CELL and COLAB_CLONE_DIR in COLAB_SETUP_CELL
    assert COLAB_SETUP_CELL.count("raise RuntimeError") == 2
    namespace: dict = {}
    exec(compile(COLAB_SETUP_CELL, "colab_setup_cell", "exec"), namespace)  # not in Colab here
    assert "CLONE" not in namespace  # the Colab branch did not run


def test_no_other_course_address_in_notebooks_or_readme(root):
    """Any github.com/<owner>/munit-course address anywhere is the one of COURSE_REPOSITORY."""
    owner_and_name = COURSE_REPOSITORY.split("github.com/", 1)[1]
    texts = {p.name: p.read_text(encoding="utf-8") for p in notebooks(root)}
    texts["README.md"] = (root / "README.md").read_text(encoding="utf-8")
    assert COURSE_REPOSITORY in texts["README.md"]
    for name, text in texts.items():
        for found in re.findall(r"github(?:\.com)?/([\w.-]+/[\w.-]*munit[\w.-]*)", text):
            assert found.removesuffix(".git") == owner_and_name, f"{name} names {found}, not {owner_and_name}"
