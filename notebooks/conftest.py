"""How `pytest --nbval notebooks/` runs the course, typed as it is, without make.

pytest loads this file whenever a path under notebooks/ is on its command line, before any kernel
starts. It makes the bare command check exactly what `make test` and `make notebooks` check:

- nbval's lax mode: `--nbval` is read as `--nbval-lax`. The stored outputs come from a real run
  under the `cpu` profile (`make outputs`: full-size training, real sample counts), which is what a
  reader sees on GitHub or in Colab; the check runs every cell under the small CI profile and
  compares only the cells marked `# NBVAL_CHECK_OUTPUT`, whose outputs are the same under every
  profile (shapes, parameter counts, by-hand computations against the library, fixed small
  examples). Every cell still runs: an error or a failed `assert` anywhere fails the run.
  tests/test_nbval_checked.py keeps those markers from quietly disappearing.
- the CI profile (`MUNIT_PROFILE=ci`: small models, short training, few samples, pinned threads);
  and OpenMP threads that sleep while they wait (`OMP_WAIT_POLICY=PASSIVE`), so a busy machine
  slows the run a little instead of several times. Both are defaults: a value already set in the
  environment wins. The notebook kernels are child processes of pytest, so they inherit them.
- nbval's options: the kernel is this environment's Python (`--nbval-current-env`), and the
  sanitizer `notebooks/sanitize.cfg` masks addresses, temporary paths and figure sizes. Options
  given on the command line win.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent

#: Environment variables set for the run (and so for every notebook kernel) when they are unset.
ENV_DEFAULTS = {"MUNIT_PROFILE": "ci", "OMP_WAIT_POLICY": "PASSIVE"}

#: The sanitizer applied to stored and new outputs before they are compared.
SANITIZER = HERE / "sanitize.cfg"


def apply_nbval_defaults(option, environ=os.environ) -> bool:
    """Set lax mode, the profile and nbval's options on a pytest `config.option`; False when nbval is off."""
    if not (getattr(option, "nbval", False) or getattr(option, "nbval_lax", False)):
        return False
    option.nbval_lax = True  # stored outputs are the cpu profile's: compare the NBVAL_CHECK_OUTPUT cells only
    for name, value in ENV_DEFAULTS.items():
        environ.setdefault(name, value)
    if not getattr(option, "nbval_kernel_name", None):  # a named kernel and the current env exclude each other
        option.nbval_current_env = True
    if not getattr(option, "nbval_sanitize_with", None):
        option.nbval_sanitize_with = str(SANITIZER)
    return True


@pytest.hookimpl(trylast=True)  # after nbval's own, which maps its deprecated option names
def pytest_configure(config):
    apply_nbval_defaults(config.option)
