"""Notebook set-up shared by the course: one call at the top of every notebook.

``setup()`` seeds every random generator, pins torch's thread count under the CI profile (results
differ bitwise between 1 and 2 threads, and nbval compares printed numbers) and returns the
profile name (``MUNIT_PROFILE``: ``ci`` in CI, ``cpu`` by default, ``gpu`` or ``paper`` on a GPU).

``load_or_train(cfg, out_dir, max_iter)`` is the checkpoint-or-train helper of the training
notebooks: re-running a cell reuses a finished run, continues an interrupted one, or starts one.
``plot_losses(read_loss_log(path))`` draws a run's ``losses.csv``. ``repository_root()`` is the
course's clone (configs/, benchmarks/, data/) that munit_lib was installed from.
"""
from __future__ import annotations

import math
import os
import random
import sys
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from .config import MUNITConfig, profile_from_env

if TYPE_CHECKING:  # imported lazily below: the training package is not needed by every notebook
    from .training import Trainer

__all__ = ["setup", "in_colab", "CI_THREADS", "load_or_train", "plot_losses", "LOSS_PANELS",
           "COURSE_REPOSITORY", "COLAB_CLONE_DIR", "COLAB_SETUP_CELL", "colab_url", "colab_badge", "repository_root"]

CI_THREADS = 2  # CI machines have 2 cores

# The course's home, written here once. The notebooks' Colab badges and set-up cells must carry it
# literally (in Colab the cell runs before munit_lib is installed); tests/test_course_url.py checks
# that every notebook uses exactly these.
COURSE_REPOSITORY = "https://github.com/munit-course/munit-course"
COLAB_CLONE_DIR = "/content/munit-course"

# The first code cell of every notebook. Plain Python (no `!` magics) so that it reads the same in
# the notebook and in its jupytext twin; a failed clone or install stops with what to do instead of
# being hidden.
COLAB_SETUP_CELL = f'''# Colab only: clone the course (configs, shipped weights under data/) and install munit_lib from it.
# Does nothing elsewhere.
import os
import subprocess
import sys

if "google.colab" in sys.modules:
    COURSE, CLONE = "{COURSE_REPOSITORY}.git", "{COLAB_CLONE_DIR}"
    if not os.path.isdir(os.path.join(CLONE, ".git")):
        if subprocess.run(["git", "clone", "-q", "--depth", "1", COURSE, CLONE]).returncode != 0:
            raise RuntimeError(f"Could not clone {{COURSE}} into {{CLONE}}. Check that the runtime is online "
                               f"and that {{COURSE}} opens in a browser; delete {{CLONE}} if a partial copy "
                               "is left (Files panel, or `!rm -rf` it); then re-run this cell.")
    if subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", CLONE]).returncode != 0:
        raise RuntimeError(f"pip could not install munit_lib from {{CLONE}}: read pip's message above, "
                           "then Runtime > Restart session and re-run this cell.")
    sys.path.insert(0, CLONE)  # use the clone now, without restarting the runtime'''


def colab_url(notebook_name: str) -> str:
    """Colab's address for ``notebooks/<notebook_name>`` of the course repository (branch main)."""
    owner_and_name = COURSE_REPOSITORY.split("github.com/", 1)[1]
    return f"https://colab.research.google.com/github/{owner_and_name}/blob/main/notebooks/{notebook_name}"


def colab_badge(notebook_name: str) -> str:
    """The markdown "Open In Colab" badge every notebook carries in its first cell."""
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(notebook_name)})"


def repository_root(package_dir: str | os.PathLike | None = None) -> Path:
    """The course's clone that munit_lib was installed from (``pip install -e .``): the folder beside
    the package that holds ``configs/``, ``benchmarks/`` and ``data/``. ``package_dir`` is munit_lib's
    folder (default: this package's).

    Raises ``FileNotFoundError`` naming the fix when no clone is there, as after a plain
    ``pip install`` that copied only the package into site-packages."""
    package = Path(package_dir if package_dir is not None else Path(__file__).parent).resolve()
    root = package.parent
    missing = [name for name in ("configs", "benchmarks") if not (root / name).is_dir()]
    if missing:
        raise FileNotFoundError(f"munit_lib at {package} has no course clone beside it (no {' or '.join(name + '/' for name in missing)} in "
                                f"{root}): clone {COURSE_REPOSITORY} and install it with `pip install -e .` "
                                "(in Colab, run the notebook's first cell)")
    return root


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


def load_or_train(cfg: MUNITConfig, out_dir: str | os.PathLike, max_iter: int, datasets=None,
                  progress: bool = True, **trainer_options) -> "Trainer":
    """A trained ``Trainer`` for ``cfg`` in ``out_dir``, doing only the training that is missing.

    * ``out_dir/checkpoints/last.pt`` at iteration ``>= max_iter``: load it, train nothing;
    * a checkpoint at an earlier iteration: load it and continue to ``max_iter`` (an exact resume:
      the result is the same as one uninterrupted run);
    * no checkpoint: train from scratch to ``max_iter``.

    ``datasets`` (two datasets, domain A and domain B) defaults to ``cfg.data_root``; other keyword
    arguments go to :class:`~munit_lib.training.Trainer` (``display``, ``device``, ``tensorboard``...).
    A checkpoint of another architecture raises ``ValueError`` rather than being overwritten.
    """
    from .training import Trainer

    max_iter = int(max_iter)
    if max_iter < 0:
        raise ValueError(f"max_iter must be at least 0, got {max_iter}")
    trainer = Trainer(cfg, out_dir, datasets=datasets, progress=progress, **trainer_options)
    if trainer.checkpoint_path.is_file():
        trainer.resume()  # weights, optimisers, schedulers, RNG states and the iteration
        if trainer.iteration >= max_iter:
            return trainer
    trainer.fit(max_iter)
    return trainer


# Panels of plot_losses when no keys are given: (title, column names of losses.csv)
LOSS_PANELS: dict[str, tuple[str, ...]] = {
    "adversarial (LSGAN)": ("dis_total", "gen_adv_a", "gen_adv_b"),
    "image reconstruction": ("gen_recon_x_a", "gen_recon_x_b", "gen_cyc_x_a", "gen_cyc_x_b"),
    "latent reconstruction": ("gen_recon_c_a", "gen_recon_c_b", "gen_recon_s_a", "gen_recon_s_b"),
    "perceptual": ("gen_vgg_a", "gen_vgg_b"),
}


def _moving_average(values: Sequence[float], window: int) -> list[float]:
    """At each point, the mean of the finite values among the last ``window`` (fewer at the
    start); NaN where that window holds no finite value."""
    out, recent, total, count = [], deque(), 0.0, 0
    for v in values:
        finite = math.isfinite(v)
        recent.append(v if finite else None)
        if finite:
            total, count = total + v, count + 1
        if len(recent) > window:
            old = recent.popleft()
            if old is not None:
                total, count = total - old, count - 1
        out.append(total / count if count else math.nan)
    return out


def plot_losses(log: Mapping[str, Sequence[float]], keys: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
                smooth: int | None = None, title: str | None = None):
    """Loss curves of one run (``read_loss_log`` output: ``{column: values}``); returns the figure.

    ``keys``: a list of column names (one panel), a ``{panel title: [columns]}`` mapping, or
    ``None`` for the panels of ``LOSS_PANELS`` whose columns the log has. ``smooth``: window of a
    trailing moving average drawn over the faint raw curve (``None``: about 1/25 of the rows,
    ``0`` or ``1``: no smoothing).
    """
    import matplotlib.pyplot as plt

    columns = {k: [float(v) for v in vals] for k, vals in log.items()}
    if not columns or not any(columns.values()):
        raise ValueError("the loss log is empty: train for at least log_every iterations first")
    if keys is None:
        panels = {name: [k for k in names if k in columns] for name, names in LOSS_PANELS.items()}
        panels = {name: names for name, names in panels.items() if names}
        if not panels:  # a log with other columns: plot them all in one panel
            panels = {"losses": [k for k in columns if k not in ("iteration", "lr")]}
    elif isinstance(keys, Mapping):
        panels = {name: list(names) for name, names in keys.items()}
    else:
        panels = {"losses": list(keys)}
    missing = sorted({k for names in panels.values() for k in names if k not in columns})
    if missing:
        raise ValueError(f"no column {', '.join(map(repr, missing))} in the loss log; it has "
                         f"{', '.join(map(repr, columns))}")
    n = len(columns[next(iter(columns))])
    x = columns.get("iteration") or list(range(1, n + 1))
    window = max(1, round(n / 25)) if smooth is None else max(1, int(smooth))

    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.4), squeeze=False)
    for ax, (name, names) in zip(axes[0], panels.items()):
        for key in names:
            if window > 1:
                raw, = ax.plot(x, columns[key], alpha=0.25, linewidth=0.8)
                ax.plot(x, _moving_average(columns[key], window), color=raw.get_color(), label=key)
            else:
                ax.plot(x, columns[key], label=key)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("iteration")
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
