"""The Makefile's `lab` and `outputs` targets, read with `make -n` (prints the commands, runs nothing)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def dry_run(root, *args: str) -> str:
    done = subprocess.run(["make", "-n", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout


def lab_command(root) -> str:
    lines = [line for line in dry_run(root, "lab").replace("\\\n", " ").splitlines() if "jupyter lab" in line]
    assert len(lines) == 1, "make lab should run `jupyter lab` once"
    return lines[0]


def test_lab_passes_allow_root_only_to_root(root):
    """JupyterLab refuses to start as root without --allow-root, and warns about it otherwise."""
    assert ("--allow-root" in lab_command(root)) == (os.getuid() == 0)


def test_lab_serves_the_repository_and_opens_notebook_00(root):
    """The file browser shows the whole repository (configs/, data/), and notebook 00 opens first."""
    command = lab_command(root)
    served = re.search(r'--ServerApp\.root_dir="?([^"\s]+)"?', command).group(1)
    assert os.path.samefile(served, root)
    opened = re.search(r"--ServerApp\.default_url=/lab/tree/(\S+)", command).group(1)
    assert (root / opened).is_file() and opened.startswith("notebooks/00_")


def test_outputs_takes_one_notebook(root):
    """`make outputs NB=...` stores one notebook's outputs; without NB, all of them."""
    assert "store_notebook_outputs.py notebooks/03_x.py" in dry_run(root, "outputs", "NB=notebooks/03_x.py")
    assert re.search(r"store_notebook_outputs\.py\s*$", dry_run(root, "outputs"), re.M)
