"""Notebooks 06 and 07 stay lean: together at most 6,000 words of prose (markdown cells, their
solutions and references included). Reference material lives in the optional appendix A1."""
from __future__ import annotations

import re
from pathlib import Path

import jupytext

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
LIMIT = 6000


def prose_words(twin: Path) -> int:
    """Whitespace-separated words in the markdown cells of a py:percent twin."""
    return sum(len(re.findall(r"\S+", cell.source)) for cell in jupytext.read(twin).cells
               if cell.cell_type == "markdown")


def test_prose_words_counts_markdown_only(tmp_path):
    twin = tmp_path / "t.py"
    twin.write_text("# %% [markdown]\n# one two three\n\n# %%\nx = 'four five'\n")
    assert prose_words(twin) == 3


def test_06_and_07_together_stay_within_the_limit():
    words = {name: prose_words(NOTEBOOKS / f"{name}.py")
             for name in ("06_data_unpaired_domains", "07_training")}
    assert sum(words.values()) <= LIMIT, f"06 + 07 hold {words} words of prose, over {LIMIT}: move reference to A1"
