"""Notebook 00's road map and README's series table tell the truth: a notebook they list as ready
exists, one they mark "in progress" does not exist yet, and every notebook in notebooks/ has a row."""
from __future__ import annotations

import re


def roadmap_rows(root) -> dict[str, str]:
    """{"NN": row text} from the road-map table of notebook 00's twin."""
    text = (root / "notebooks" / "00_overview_and_setup.py").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^# \| (\d\d) \| (.*)\|\s*$", text, re.M))
    assert rows, "notebook 00 has no road-map table (rows like '# | 01 | topic |')"
    return rows


def readme_rows(root) -> dict[str, str]:
    """{"NN": row text} from the series table of README.md."""
    text = (root / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (\d\d) \| (.*)\|\s*$", text, re.M))
    assert rows, "README.md has no series table (rows like '| 01 | topic |')"
    return rows


def test_roadmap_rows_match_the_notebooks_present(root):
    present = {p.name[:2] for p in (root / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    for number, row in roadmap_rows(root).items():
        in_progress = "in progress" in row or "planned" in row
        if number in present:
            assert not in_progress, f"notebook {number} exists: drop its '(in progress)' mark in notebook 00's road map"
        else:
            assert in_progress, f"notebook {number} does not exist: mark it '*(in progress)*' in notebook 00's road map"


def test_every_notebook_is_on_the_roadmap(root):
    rows = roadmap_rows(root)
    for path in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        assert path.name[:2] in rows, f"{path.name} is missing from notebook 00's road map"


def test_readme_series_matches_the_notebooks_present(root):
    present = {p.name[:2] for p in (root / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    rows = readme_rows(root)
    for number in sorted(present):
        assert number in rows, f"notebook {number} is missing from README's series table"
    for number, row in rows.items():
        in_progress = "in progress" in row or "planned" in row
        if number in present:
            assert not in_progress, f"notebook {number} exists: drop its '(in progress)' mark in README's series table"
        else:
            assert in_progress, f"notebook {number} does not exist: mark it '(in progress)' in README's series table"
