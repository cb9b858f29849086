"""Training a model of the zoo (:func:`train`) to its budget, over as many calls as it takes.

A run lives in ``<runs>/<name>/`` (default ``runs/zoo/<name>/``). Each call continues it from its
last checkpoint (the trainer resumes exactly: slicing a run changes nothing), and Ctrl-C stops it
after the iteration under way, saved. The CPU and wall-clock seconds of every call add up in
``train_seconds.json`` beside the run, so a CPU-time budget can be spent in several calls; the
publication records them.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Optional, Union

import torch

from ..config import MUNITConfig
from ..training import Trainer, build_datasets, read_training_checkpoint
from .catalogue import recipe, zoo_model

__all__ = ["DEFAULT_RUNS", "train", "train_run", "read_clock", "run_iteration"]

DEFAULT_RUNS = Path("runs") / "zoo"
CLOCK = "train_seconds.json"


def read_clock(run_dir: Union[str, os.PathLike]) -> dict:
    """The training time a run has spent so far: ``{"cpu_seconds", "seconds", "threads"}`` (zero
    for a run not started; ``threads``: the torch thread counts it trained with, in order)."""
    path = Path(run_dir) / CLOCK
    clock = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    return {"cpu_seconds": 0.0, "seconds": 0.0, "threads": [], **clock}


def run_iteration(run_dir: Union[str, os.PathLike]) -> int:
    """The iteration of the run's last checkpoint (0 for a run not started)."""
    checkpoint = Path(run_dir) / "checkpoints" / "last.pt"
    return int(read_training_checkpoint(checkpoint)["iteration"]) if checkpoint.is_file() else 0


def train_run(cfg: MUNITConfig, run_dir: Union[str, os.PathLike], max_iter: Optional[int] = None,
              cpu_seconds: Optional[float] = None, max_seconds: Optional[float] = None, progress: bool = True) -> dict:
    """Train (or go on training) the run in ``run_dir`` to ``max_iter`` (default ``cfg.max_iter``),
    or until its CPU time, summed over every call, reaches ``cpu_seconds``, or for ``max_seconds``
    of wall-clock time in this call, whichever comes first. Returns the clock (:func:`read_clock`)
    with ``iteration`` and ``interrupted`` (Ctrl-C or SIGTERM: the state is saved)."""
    run_dir = Path(run_dir)
    spent = read_clock(run_dir)
    left = None if cpu_seconds is None else max(0.0, float(cpu_seconds) - spent["cpu_seconds"])
    try:
        display = build_datasets(cfg, "test")  # the sample grids show test images ...
    except (FileNotFoundError, ValueError):
        display = None  # ... or training ones, where there is no test split
    trainer = Trainer(cfg, run_dir, display=display, progress=progress)
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        trainer.fit(max_iter=max_iter, resume=True, max_seconds=max_seconds, max_cpu_seconds=left)
    finally:  # the time spent counts, even when the call ends in an error
        threads = spent["threads"] + ([] if spent["threads"][-1:] == [torch.get_num_threads()]
                                      else [torch.get_num_threads()])
        spent = {"cpu_seconds": spent["cpu_seconds"] + time.process_time() - cpu,
                 "seconds": spent["seconds"] + time.perf_counter() - wall, "threads": threads}
        if run_dir.is_dir():
            (run_dir / CLOCK).write_text(json.dumps(spent) + "\n", encoding="utf-8")
    return {**spent, "iteration": trainer.iteration, "interrupted": trainer.interrupted}


def train(name: str, runs: Union[str, os.PathLike] = DEFAULT_RUNS, max_iter: Optional[int] = None,
          cpu_minutes: Optional[float] = None, max_seconds: Optional[float] = None,
          overrides: Optional[dict] = None, progress: bool = True, log=print) -> dict:
    """Train the zoo's model ``name`` in ``runs/<name>/`` to its budget (``max_iter`` and
    ``cpu_minutes`` replace the catalogue's), continuing the run where it stopped; a run whose
    budget is spent is left as it is. ``overrides`` change the recipe (a smaller network for a
    test, say). Returns the run's clock with ``iteration`` and ``interrupted``."""
    model = zoo_model(name)
    cfg = recipe(name, overrides)
    target = int(max_iter if max_iter is not None else model.max_iter if model.max_iter is not None
                 else cfg.max_iter)
    minutes = cpu_minutes if cpu_minutes is not None else model.cpu_minutes
    run_dir = Path(runs) / name
    spent, done = read_clock(run_dir), run_iteration(run_dir)
    if done >= target or (minutes is not None and spent["cpu_seconds"] >= 60 * minutes):
        log(f"{name}: trained to iteration {done} in {spent['cpu_seconds']:.0f} CPU s, its budget "
            f"({target:,} iterations{'' if minutes is None else f' or {minutes:g} CPU-minutes'}): nothing to do")
        return {**spent, "iteration": done, "interrupted": False}
    result = train_run(cfg, run_dir, target, None if minutes is None else 60 * minutes, max_seconds, progress)
    log(f"{name}: {'interrupted' if result['interrupted'] else 'trained'} at iteration {result['iteration']} "
        f"after {result['cpu_seconds']:.0f} CPU s ({result['seconds']:.0f} s of wall-clock time) in {run_dir}")
    return result
