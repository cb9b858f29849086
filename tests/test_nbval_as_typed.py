"""`pytest --nbval notebooks/`, typed as it is, checks what `make test` checks.

notebooks/conftest.py supplies nbval's lax mode (stored outputs come from the cpu profile; only cells
marked `# NBVAL_CHECK_OUTPUT` are compared), the CI profile and nbval's options. These tests check
that mechanism cheaply: the function on its own, one collection (no kernel starts) of a real
`pytest --nbval` run with a clean environment, the Makefile's targets (read with `make -n`), and a
tiny made-up notebook run through the same conftest (one kernel each, a few seconds): a changed
checked output, an error and a failed assert fail; a changed unchecked output does not. No course
notebook is executed here; `make test` runs them all.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from munit_test_helpers import load_repo_file

ROOT = Path(__file__).resolve().parents[1]


def notebooks_conftest():
    return load_repo_file("notebooks/conftest.py", "notebooks_conftest")


def options(**given):
    base = dict(nbval=False, nbval_lax=False, nbval_kernel_name=None, nbval_current_env=False,
                nbval_sanitize_with=None)
    return SimpleNamespace(**{**base, **given})


def test_with_nbval_the_ci_profile_and_the_options_are_set():
    conf = notebooks_conftest()
    env, opt = {}, options(nbval=True)
    assert conf.apply_nbval_defaults(opt, env)
    assert opt.nbval_lax is True  # the bare --nbval compares only the cells marked NBVAL_CHECK_OUTPUT
    assert env == {"MUNIT_PROFILE": "ci", "OMP_WAIT_POLICY": "PASSIVE"}
    assert opt.nbval_current_env is True
    assert Path(opt.nbval_sanitize_with) == ROOT / "notebooks" / "sanitize.cfg"
    assert Path(opt.nbval_sanitize_with).is_file()


def test_what_the_user_gives_wins():
    conf = notebooks_conftest()
    env = {"MUNIT_PROFILE": "cpu"}
    opt = options(nbval_lax=True, nbval_kernel_name="python3", nbval_sanitize_with="other.cfg")
    assert conf.apply_nbval_defaults(opt, env)
    assert env == {"MUNIT_PROFILE": "cpu", "OMP_WAIT_POLICY": "PASSIVE"}
    assert opt.nbval_current_env is False  # nbval refuses a kernel name together with the current env
    assert opt.nbval_sanitize_with == "other.cfg"


def test_without_nbval_nothing_changes():
    conf = notebooks_conftest()
    env, opt = {}, options()
    assert not conf.apply_nbval_defaults(opt, env)
    assert env == {} and opt == options()


PROBE = '''
import os

def pytest_collection_finish(session):
    o = session.config.option
    print("PROBE", os.environ.get("MUNIT_PROFILE"), os.environ.get("OMP_WAIT_POLICY"),
          o.nbval_current_env, o.nbval_sanitize_with, len(session.items) > 0, o.nbval_lax,
          sum(bool(item.options["check"]) for item in session.items))
'''


def test_the_bare_command_gets_them(tmp_path):
    """A real `pytest --nbval notebooks/NN.ipynb --collect-only` with neither variable set."""
    pytest.importorskip("nbval")
    (tmp_path / "nbval_probe.py").write_text(PROBE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("MUNIT_PROFILE", "OMP_WAIT_POLICY")}
    env["PYTHONPATH"] = str(tmp_path) + os.pathsep + env.get("PYTHONPATH", "")
    notebook = sorted((ROOT / "notebooks").glob("01_*.ipynb"))[0]
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "nbval_probe", "-p", "no:cacheprovider",
                           "--nbval", str(notebook.relative_to(ROOT)), "--collect-only", "-q", "-s"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    probe = [line for line in done.stdout.splitlines() if line.startswith("PROBE ")]
    assert len(probe) == 1, done.stdout
    profile, wait, current_env, sanitizer, collected, lax, checked = probe[0].split()[1:]
    assert (profile, wait, current_env, collected, lax) == ("ci", "PASSIVE", "True", "True", "True")
    assert Path(sanitizer) == ROOT / "notebooks" / "sanitize.cfg"
    nbformat = pytest.importorskip("nbformat")
    marked = [c for c in nbformat.read(notebook, as_version=4).cells
              if c.cell_type == "code" and "# NBVAL_CHECK_OUTPUT" in c.source.splitlines()]
    assert int(checked) == len(marked) > 0  # exactly the marked cells are compared


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("target", ["test", "notebooks"])
def test_make_runs_the_same_command(target):
    """`make test` and `make notebooks` run `pytest --nbval notebooks/` as typed, in the CI profile."""
    done = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=True)
    lines = [line for line in done.stdout.splitlines() if "pytest" in line]
    assert len(lines) == 1, done.stdout
    assert re.search(r"-m pytest (tests/ )?--nbval notebooks/$", lines[0]), lines[0]
    assert "MUNIT_PROFILE=ci" in lines[0] and "OMP_WAIT_POLICY=PASSIVE" in lines[0]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_outputs_stores_under_the_real_profile():
    """`make outputs` runs the store script under the cpu profile, never the CI one."""
    done = subprocess.run(["make", "-n", "outputs"], cwd=ROOT, capture_output=True, text=True, check=True)
    lines = [line for line in done.stdout.splitlines() if "store_notebook_outputs.py" in line]
    assert len(lines) == 1, done.stdout
    assert "MUNIT_PROFILE=cpu" in lines[0] and "MUNIT_PROFILE=ci" not in lines[0]


# (source, stored stdout, passes): cells of one made-up notebook, run in one kernel
LAX_CASES = [
    ("# NBVAL_CHECK_OUTPUT\nprint(6 * 7)", "42\n", True),           # a checked output, the same
    ("print('a real run')", "a longer, real run\n", True),           # an unchecked output, changed
    ("# NBVAL_CHECK_OUTPUT\nprint(6 * 7)", "41\n", False),          # a checked output, changed
    ("1 / 0", "", False),                                             # an error in an unchecked cell
    ("assert 6 * 7 == 41", "", False),                                # a failed assert in an unchecked cell
    ("print('after the failures')", "", True),                        # the cells after them still run
]


def test_the_lax_check_fails_on_what_matters(tmp_path):
    """A made-up notebook beside a copy of notebooks/conftest.py, run with the bare `pytest --nbval`."""
    pytest.importorskip("nbval")
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for count, (source, stored, _) in enumerate(LAX_CASES, start=1):
        cell = nbformat.v4.new_code_cell(source, execution_count=count)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stored)] if stored else []
        nb.cells.append(cell)
    nbformat.write(nb, tmp_path / "made_up.ipynb")
    for name in ("conftest.py", "sanitize.cfg"):
        shutil.copy(ROOT / "notebooks" / name, tmp_path / name)
    env = {k: v for k, v in os.environ.items() if k not in ("MUNIT_PROFILE", "OMP_WAIT_POLICY")}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval", "made_up.ipynb", "-v"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    outcomes = dict(re.findall(r"::Cell (\d+) (PASSED|FAILED)", done.stdout))
    assert outcomes == {str(i): "PASSED" if passes else "FAILED" for i, (_, _, passes) in enumerate(LAX_CASES)}, \
        done.stdout + done.stderr
    assert done.returncode == 1
