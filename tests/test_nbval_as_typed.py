"""`pytest --nbval notebooks/`, typed as it is, checks what `make test` checks.

notebooks/conftest.py supplies the CI profile and nbval's options. These tests check that
mechanism cheaply: the function on its own, one collection (no kernel starts) of a real
`pytest --nbval` run with a clean environment, and the Makefile's targets (read with `make -n`).
No notebook is executed here; `make test` runs them all.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]


def notebooks_conftest():
    spec = importlib.util.spec_from_file_location("notebooks_conftest", ROOT / "notebooks" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def options(**given):
    base = dict(nbval=False, nbval_lax=False, nbval_kernel_name=None, nbval_current_env=False,
                nbval_sanitize_with=None)
    return SimpleNamespace(**{**base, **given})


def test_with_nbval_the_ci_profile_and_the_options_are_set():
    conf = notebooks_conftest()
    env, opt = {}, options(nbval=True)
    assert conf.apply_nbval_defaults(opt, env)
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
          o.nbval_current_env, o.nbval_sanitize_with, len(session.items) > 0)
'''


def test_the_bare_command_gets_them(tmp_path):
    """A real `pytest --nbval notebooks/NN.ipynb --collect-only` with neither variable set."""
    pytest.importorskip("nbval")
    (tmp_path / "nbval_probe.py").write_text(PROBE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("MUNIT_PROFILE", "OMP_WAIT_POLICY")}
    env["PYTHONPATH"] = str(tmp_path) + os.pathsep + env.get("PYTHONPATH", "")
    notebook = sorted((ROOT / "notebooks").glob("00_*.ipynb"))[0]
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "nbval_probe", "-p", "no:cacheprovider",
                           "--nbval", str(notebook.relative_to(ROOT)), "--collect-only", "-q", "-s"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    probe = [line for line in done.stdout.splitlines() if line.startswith("PROBE ")]
    assert len(probe) == 1, done.stdout
    profile, wait, current_env, sanitizer, collected = probe[0].split()[1:]
    assert (profile, wait, current_env, collected) == ("ci", "PASSIVE", "True", "True")
    assert Path(sanitizer) == ROOT / "notebooks" / "sanitize.cfg"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("target", ["test", "notebooks"])
def test_make_runs_the_same_command(target):
    """`make test` and `make notebooks` run `pytest --nbval notebooks/` as typed, in the CI profile."""
    done = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=True)
    lines = [line for line in done.stdout.splitlines() if "pytest" in line]
    assert len(lines) == 1, done.stdout
    assert re.search(r"-m pytest (tests/ )?--nbval notebooks/$", lines[0]), lines[0]
    assert "MUNIT_PROFILE=ci" in lines[0] and "OMP_WAIT_POLICY=PASSIVE" in lines[0]
