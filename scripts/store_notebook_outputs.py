"""Re-execute the course notebooks under the CI profile and store their outputs in place.

nbval compares these stored outputs with a fresh run, so they must come from this script (CI
profile, pinned threads), never from an interactive session. Usage, from the repository root:

    MUNIT_PROFILE=ci python scripts/store_notebook_outputs.py [notebooks/NN_name.ipynb ...]
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def store(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    elapsed = time.perf_counter() - start
    for cell in nb.cells:  # keep diffs small: drop per-run timestamps
        cell.get("metadata", {}).pop("execution", None)
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str]) -> int:
    if os.environ.get("MUNIT_PROFILE") != "ci":
        print("set MUNIT_PROFILE=ci: stored outputs must come from the CI profile", file=sys.stderr)
        return 2
    paths = [Path(a).resolve() for a in argv] or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        print(f"{path.name}: {store(path):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
