"""Shared by the scripts/build_notebook_NN.py builders: a notebook written as a list of markdown
and code cells in one Python file, so that its text can be reviewed like code.

    from notebook_builder import NotebookBuilder
    nb = NotebookBuilder("06_data_unpaired_domains.ipynb")
    nb.md("# Title ...")
    nb.code("x = 1")
    nb.main()        # writes notebooks/06_data_unpaired_domains.ipynb (sources only, no outputs)

Then store its outputs under the CI profile (scripts/store_notebook_outputs.py).
"""
from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                      "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                      "pygments_lexer": "ipython3", "version": "3.11.7"},
}


class NotebookBuilder:
    def __init__(self, name: str) -> None:
        self.name = name
        self.prefix = name[:2]  # "06": cell ids are derived from it, stable across rebuilds
        self.cells: list[tuple[str, str, tuple[str, ...]]] = []

    def md(self, text: str) -> None:
        self.cells.append(("markdown", textwrap.dedent(text).strip("\n"), ()))

    def code(self, text: str, tags: tuple[str, ...] = ()) -> None:
        self.cells.append(("code", textwrap.dedent(text).strip("\n"), tuple(tags)))

    def build(self) -> nbformat.NotebookNode:
        nb = nbformat.v4.new_notebook()
        nb.metadata = METADATA
        for i, (kind, source, tags) in enumerate(self.cells):
            cell = nbformat.v4.new_markdown_cell(source) if kind == "markdown" else nbformat.v4.new_code_cell(source)
            if tags:
                cell.metadata["tags"] = list(tags)
            cell.id = hashlib.sha1(f"{self.prefix}-{i}".encode()).hexdigest()[:8]  # stable ids: small diffs
            nb.cells.append(cell)
        return nb

    def main(self) -> None:
        out = ROOT / "notebooks" / self.name
        nb = self.build()
        nbformat.validate(nb)
        nbformat.write(nb, out)
        print(f"wrote {out.relative_to(ROOT)} ({len(self.cells)} cells)")
