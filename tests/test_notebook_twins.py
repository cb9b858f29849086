"""Every notebook has a jupytext py:percent twin with the same cells.

The twin (notebooks/NN_name.py) is what authors edit and review; the .ipynb carries the stored
outputs. `make outputs` writes the twins into the notebooks; this test catches an edit made to
one of the pair only.
"""
from __future__ import annotations

from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext")
nbformat = pytest.importorskip("nbformat")


# the lessons (NN_name) and the optional appendices (A1_name, ...)
PATTERNS = ("[0-9][0-9]_*", "A[0-9]_*")


def notebook_names(root) -> list[str]:
    return sorted(p.stem for pattern in PATTERNS for p in (root / "notebooks").glob(f"{pattern}.ipynb"))


NAMES = notebook_names(Path(__file__).resolve().parents[1])  # one test per notebook


def cells_of(nb) -> list[tuple[str, str, list]]:
    """(cell type, source, tags) of every cell."""
    return [(c.cell_type, c.source, list(c.get("metadata", {}).get("tags", []))) for c in nb.cells]


def test_every_notebook_has_a_twin_and_every_twin_a_notebook(root):
    notebooks = set(notebook_names(root))
    twins = {p.stem for pattern in PATTERNS for p in (root / "notebooks").glob(f"{pattern}.py")}
    assert len(notebooks) >= 9
    assert notebooks - twins == set(), "create the missing twins: jupytext --to py:percent notebooks/NAME.ipynb"
    assert twins - notebooks == set(), "create the missing notebooks: python scripts/store_notebook_outputs.py notebooks/NAME.py"


def test_twins_are_py_percent(root):
    """Each twin is in the percent format (`# %%` cell markers), the one notebooks/jupytext.toml pairs."""
    for name in notebook_names(root):
        text = (root / "notebooks" / f"{name}.py").read_text(encoding="utf-8")
        assert text.startswith("# %%"), f"{name}.py does not start with a `# %%` cell marker"


@pytest.mark.parametrize("name", NAMES)
def test_twin_and_notebook_have_the_same_cells(root, name):
    notebook = nbformat.read(root / "notebooks" / f"{name}.ipynb", as_version=4)
    twin = jupytext.read(root / "notebooks" / f"{name}.py")
    got, want = cells_of(notebook), cells_of(twin)
    for i, (a, b) in enumerate(zip(got, want)):
        assert a == b, (f"{name}: cell {i} differs between the .ipynb and its twin .py; edit the .py and run "
                        f"`python scripts/store_notebook_outputs.py notebooks/{name}.py` (or `make outputs`)")
    assert len(got) == len(want), f"{name}: {len(got)} cells in the .ipynb, {len(want)} in the .py"


def test_pairing_config_is_py_percent(root):
    text = (root / "notebooks" / "jupytext.toml").read_text(encoding="utf-8")
    assert 'formats = "ipynb,py:percent"' in text
