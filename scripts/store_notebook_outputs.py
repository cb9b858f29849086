"""Sync each notebook from its jupytext twin, re-execute it under the real profile, store its outputs.

Notebooks are written as py:percent twins (``notebooks/NN_name.py``, the file you edit and review);
the ``.ipynb`` beside it carries the same cells plus the stored outputs: what a reader sees on GitHub
or in Colab before running anything. So they come from a real run: the profile a student gets by
default on a CPU (``cpu``: the lessons' own sizes, training runs and sample counts), with torch's
thread count pinned to the 2 threads CI uses (``OMP_NUM_THREADS=2``) so that the numbers the tests
compare come out bit for bit as they do in CI. Outputs come from this script, never from an
interactive session. Usage, from the repository root (``make outputs`` runs it on every notebook):

    python scripts/store_notebook_outputs.py [notebooks/NN_name.py|.ipynb ...]

Each stored notebook records the profile in its metadata (``munit_course.outputs_profile``).
CI runs every cell under the small CI profile and compares only the cells marked
``# NBVAL_CHECK_OUTPUT`` (nbval's lax mode, see notebooks/conftest.py): the outputs that are the
same under every profile.

``--sync-only`` writes the twins' cells into the notebooks without executing anything (stored
outputs of unchanged and edited cells are kept).
"""
from __future__ import annotations

import html
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

#: The profile the stored outputs come from: the default of ``munit_lib.course.setup()`` on a CPU.
STORED_PROFILE = "cpu"

#: The environment of the kernels that store outputs (a value already set wins, except a profile
#: other than STORED_PROFILE, which is refused). 2 threads: ``munit_lib.course.CI_THREADS``, the
#: count the CI profile pins, so checked numbers agree with CI's; passive OpenMP waits; no progress
#: bars where a cell leaves them to the default (the lessons' training cells ask for one: see
#: freeze_progress_bars).
STORE_ENV = {"MUNIT_PROFILE": STORED_PROFILE, "OMP_NUM_THREADS": "2", "OMP_WAIT_POLICY": "PASSIVE",
             "TQDM_DISABLE": "1"}


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


def freeze_progress_bars(nb) -> int:
    """Replace each progress bar's widget output by its final state, as text; return how many.

    In a notebook tqdm draws a widget, whose stored text is its first state ("0%"); its final state
    lives only in the widget state, which is not kept. A reader sees the bar as it ended instead.
    """
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    frozen = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            view = out.get("data", {}).get("application/vnd.jupyter.widget-view+json")
            box = state.get(view.get("model_id"), {}) if view else {}
            parts = [state.get(child.replace("IPY_MODEL_", ""), {}) for child in box.get("state", {}).get("children", [])]
            if [part.get("model_name") for part in parts] != ["HTMLModel", "FloatProgressModel", "HTMLModel"]:
                continue  # not a tqdm bar
            left, bar, right = (part.get("state", {}) for part in parts)
            share = min(max(bar.get("value", 0) / bar["max"], 0), 1) if bar.get("max") else 0
            text = lambda part: html.unescape(part.get("value", "")).replace("\u2007", " ")  # noqa: E731
            out["data"] = {"text/plain": f"{text(left)}|{'█' * round(10 * share):<10}|{text(right)}"}
            frozen += 1
    return frozen


def store(path: Path) -> float:
    """Execute the notebook at ``path`` in a fresh kernel (cwd notebooks/) and save it with outputs."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    # coalesce_streams: one stdout output per cell however the kernel chunked it (small, stable diffs)
    # timeout per cell: notebook 07's lesson run trains for tens of minutes under the real profile
    NotebookClient(nb, timeout=4 * 3600, kernel_name="python3", coalesce_streams=True,
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    elapsed = time.perf_counter() - start
    for cell in nb.cells:  # keep diffs small: drop per-run timestamps
        cell.get("metadata", {}).pop("execution", None)
    freeze_progress_bars(nb)
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("jupytext", None)  # pairing is set in notebooks/jupytext.toml, not per notebook
    nb.metadata["munit_course"] = {"outputs_profile": os.environ["MUNIT_PROFILE"]}  # tests check it
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str]) -> int:
    sync_only = "--sync-only" in argv
    args = [a for a in argv if a != "--sync-only"]
    if not sync_only:
        for name, value in STORE_ENV.items():
            os.environ.setdefault(name, value)  # the kernels are child processes: they inherit these
        if os.environ["MUNIT_PROFILE"] != STORED_PROFILE:
            print(f"MUNIT_PROFILE={os.environ['MUNIT_PROFILE']}: stored outputs come from the {STORED_PROFILE} "
                  f"profile (unset MUNIT_PROFILE or set it to {STORED_PROFILE})", file=sys.stderr)
            return 2
    # a twin or a notebook may be named; both mean the notebook
    paths = [Path(a).resolve().with_suffix(".ipynb") for a in args] or sorted(
        [*NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"), *NOTEBOOKS.glob("A[0-9]_*.ipynb")])  # lessons, then appendices
    total = 0.0
    for path in paths:
        sync_from_twin(path)
        if sync_only:
            print(f"{path.name}: synced from {path.with_suffix('.py').name}", flush=True)
        else:
            elapsed = store(path)
            total += elapsed
            print(f"{path.name}: {elapsed:.1f} s ({os.environ['MUNIT_PROFILE']} profile)", flush=True)
    if not sync_only and len(paths) > 1:
        print(f"all {len(paths)}: {total / 60:.1f} min", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
