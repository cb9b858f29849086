"""Sync each notebook from its jupytext twin, re-execute it under the CI profile, store its outputs.

Notebooks are written as py:percent twins (``notebooks/NN_name.py``, the file you edit and review);
the ``.ipynb`` beside it carries the same cells plus the stored outputs that nbval compares with a
fresh run. So outputs must come from this script (CI profile, pinned threads), never from an
interactive session. Usage, from the repository root (``make outputs`` runs it on every notebook):

    MUNIT_PROFILE=ci python scripts/store_notebook_outputs.py [notebooks/NN_name.py|.ipynb ...]

``--sync-only`` writes the twins' cells into the notebooks without executing anything.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def cells_of(nb) -> list[tuple[str, str]]:
    """(cell type, source) of every cell: what a twin and its notebook must agree on."""
    return [(cell.cell_type, cell.source) for cell in nb.cells]


def sync_from_twin(notebook: Path) -> None:
    """Write the twin's cells into ``notebook``, keeping its cell ids and metadata where cells match.

    Refuses when the notebook was edited after its twin (its cells differ and it is newer): those
    edits would be lost, so they must go into the twin first.
    """
    twin = notebook.with_suffix(".py")
    if not twin.exists():
        raise SystemExit(f"{notebook.name} has no twin {twin.name}: create it with "
                         f"`jupytext --to py:percent {notebook.relative_to(ROOT)}`")
    if notebook.exists():
        differ = cells_of(nbformat.read(notebook, as_version=4)) != cells_of(jupytext.read(twin))
        if differ and notebook.stat().st_mtime > twin.stat().st_mtime:
            raise SystemExit(f"{notebook.name} was edited after its twin {twin.name}. Copy the edits into "
                             f"{twin.name} (or overwrite the twin from the notebook: `jupytext --to py:percent "
                             f"{notebook.relative_to(ROOT)}`), then re-run.")
    # jupytext's --update keeps the notebook's outputs, ids and kernel metadata for unchanged cells
    subprocess.run([sys.executable, "-m", "jupytext", "--quiet", "--to", "ipynb", "--update", str(twin)],
                   check=True, cwd=ROOT)


def store(path: Path) -> float:
    """Execute the notebook at ``path`` in a fresh kernel (cwd notebooks/) and save it with outputs."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    # coalesce_streams: one stdout output per cell however the kernel chunked it (small, stable diffs)
    NotebookClient(nb, timeout=600, kernel_name="python3", coalesce_streams=True,
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    elapsed = time.perf_counter() - start
    for cell in nb.cells:  # keep diffs small: drop per-run timestamps
        cell.get("metadata", {}).pop("execution", None)
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("jupytext", None)  # pairing is set in notebooks/jupytext.toml, not per notebook
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str]) -> int:
    sync_only = "--sync-only" in argv
    args = [a for a in argv if a != "--sync-only"]
    if not sync_only and os.environ.get("MUNIT_PROFILE") != "ci":
        print("set MUNIT_PROFILE=ci: stored outputs must come from the CI profile", file=sys.stderr)
        return 2
    # a twin or a notebook may be named; both mean the notebook
    paths = [Path(a).resolve().with_suffix(".ipynb") for a in args] or sorted(
        [*NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"), *NOTEBOOKS.glob("A[0-9]_*.ipynb")])  # lessons, then appendices
    for path in paths:
        sync_from_twin(path)
        if sync_only:
            print(f"{path.name}: synced from {path.with_suffix('.py').name}", flush=True)
        else:
            print(f"{path.name}: {store(path):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
