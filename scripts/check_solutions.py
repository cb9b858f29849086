"""Run a notebook with its worked solutions filled in, and check that its exercise check accepts them.

Each notebook ends with exercises, a check cell (the code cell that starts its bookkeeping with
``answered = []``: an answer left at ``None`` is skipped, a right one is listed in ``correct: [...]``,
a wrong one fails an ``assert``) and solutions in collapsed ``<details>`` blocks whose Python code sets
the answers. This script executes the notebook's twin (``notebooks/NN_name.py``) in a fresh kernel
under the CI profile up to its check cell, as a student does, then one cell that holds every
solution's code, then the check cell again with its answer placeholders (``name = None`` lines
before its bookkeeping) taken out. It fails when a solution raises, when the check rejects an answer,
or when a solution that holds code leaves its exercise unanswered; solutions in prose only are listed.
The solutions of exercises the check does not know (no ``answered.append(k)``) are not run.

    python scripts/check_solutions.py notebooks/A1_appendix_data_and_texture.py [...]

Only the cells before the check cell (and the solutions) run: the solutions may use anything the
lesson built.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

#: The first line of a check cell's bookkeeping.
CHECK_MARK = "answered = []"
#: A solution's code: a fenced Python block inside the Solutions markdown.
CODE_BLOCK = re.compile(r"```python\n(.*?)```", re.S)
#: An answer's placeholder in the check cell, before its bookkeeping (``ex2_answer = None  # 2. ...``,
#: ``guided, x_b = None, None``): dropped so the solutions' values stand.
PLACEHOLDER = re.compile(r"^[\w, ]+=\s*None(\s*,\s*None)*\s*(#.*)?$", re.M)
#: One exercise's solution: a collapsed block, as the notebooks write them.
SOLUTION = re.compile(r"<details><summary>Solution to exercise (\d+)</summary>(.*?)</details>", re.S)
#: What the check cell prints for the answers it accepted.
CORRECT = re.compile(r"correct: \[([0-9, ]*)\]")


def solutions_notebook(twin: Path) -> tuple[nbformat.NotebookNode, int, list[int], list[int]]:
    """The notebook up to its check cell, then the solutions' code, then the check without placeholders.

    Returns (notebook, index of the last cell, the exercises whose solutions hold code, the exercises
    whose solutions are prose only)."""
    nb = jupytext.read(twin)
    checks = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and CHECK_MARK in c.source]
    if len(checks) != 1:
        raise ValueError(f"{twin}: expected one check cell (a code cell with {CHECK_MARK!r}), found {len(checks)}")
    check = checks[0]
    later = "\n".join(c.source for c in nb.cells[check + 1:] if c.cell_type == "markdown")
    solutions = {int(k): body for k, body in SOLUTION.findall(later)}
    if not solutions:
        raise ValueError(f"{twin}: no <details><summary>Solution to exercise N</summary> block after the check cell")
    # only the exercises the check knows ('answered.append(k)'): an exercise without a check (one that
    # needs an optional package, say) keeps its solution's code out of the run
    checked = {int(k) for k in re.findall(r"answered\.append\((\d+)\)", nb.cells[check].source)}
    coded = sorted(k for k, body in solutions.items() if k in checked and CODE_BLOCK.search(body))
    prose = sorted(k for k in solutions if k in checked and k not in coded)
    code = "\n\n".join(block for k in coded for block in CODE_BLOCK.findall(solutions[k]))
    head, mark, rest = nb.cells[check].source.partition(CHECK_MARK)
    checker = nbformat.v4.new_code_cell(PLACEHOLDER.sub("", head) + mark + rest)
    # the check cell runs first as it stands (every answer None: it only defines its helpers, which
    # a solution may use), then the solutions, then the check with the solutions' answers
    nb.cells = nb.cells[:check + 1] + [nbformat.v4.new_code_cell(code), checker]
    return nb, len(nb.cells) - 1, coded, prose


def check_solutions(twin: Path, timeout: int = 1800) -> tuple[list[int], list[int]]:
    """Execute ``twin`` with its solutions; return (exercises accepted, exercises with prose solutions).

    Raises when a solution or the check fails, or when a solution with code is not accepted."""
    nb, check, coded, prose = solutions_notebook(twin)
    defaults = {"MUNIT_PROFILE": "ci", "OMP_WAIT_POLICY": "PASSIVE", "MPLBACKEND": "Agg", "TQDM_DISABLE": "1"}
    kernel_env = {**defaults, **os.environ}  # the caller's values win; this process's environment is left alone
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(twin.parent)}}).execute(env=kernel_env)
    text = "".join(o.get("text", "") for o in nb.cells[check].outputs if o.get("output_type") == "stream")
    found = CORRECT.search(text)
    accepted = sorted(int(k) for k in found.group(1).split(",") if k.strip()) if found else []
    missing = [k for k in coded if k not in accepted]
    if missing:
        raise AssertionError(f"{twin.name}: the solutions to exercises {missing} hold code, but the check did not "
                             f"accept their answers (its output: {text.strip()!r})")
    return accepted, prose


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("twins", nargs="+", type=Path, help="notebooks/NN_name.py (or .ipynb: its twin is used)")
    args = parser.parse_args(argv)
    failed = 0
    for path in args.twins:
        twin = path.with_suffix(".py")
        start = time.perf_counter()
        try:
            accepted, prose = check_solutions(twin)
        except Exception as err:  # report every notebook, then fail
            failed += 1
            print(f"FAIL {twin.name}: {type(err).__name__}: {str(err)[-2000:]}")
        else:
            print(f"ok   {twin.name}: solutions to exercises {accepted} accepted"
                  + (f"; {prose} answered in prose" if prose else "") + f" ({time.perf_counter() - start:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
