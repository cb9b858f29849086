"""Notebook set-up shared by the course: one call at the top of every notebook.

``setup()`` seeds every random generator, pins torch's thread count under the CI profile (results
differ bitwise between 1 and 2 threads, and nbval compares printed numbers) and returns the
profile name (``MUNIT_PROFILE``: ``ci`` in CI, ``cpu`` by default, ``gpu`` or ``paper`` on a GPU).
"""
from __future__ import annotations

import os
import random
import sys

import torch

from .config import profile_from_env

__all__ = ["setup", "in_colab", "CI_THREADS"]

CI_THREADS = 2  # CI machines have 2 cores


def in_colab() -> bool:
    """True inside Google Colab."""
    return "google.colab" in sys.modules


def setup(seed: int = 0, default_profile: str = "cpu") -> str:
    """Seed Python and torch, pin threads under ``ci``, use PNG figures; return the profile name."""
    profile = profile_from_env(default_profile)
    random.seed(seed)
    torch.manual_seed(seed)
    if profile == "ci":
        torch.set_num_threads(CI_THREADS)
    try:  # PNG figures: nbval does not compare them, and SVG would change every run
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")
    except Exception:  # not in a notebook
        pass
    os.environ.setdefault("TQDM_DISABLE", "1" if profile == "ci" else "0")
    return profile
