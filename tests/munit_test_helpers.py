"""Small helpers shared by the test modules (kept out of conftest.py so that importing them never
depends on which conftest.py pytest loaded last, e.g. when notebooks/ has one too)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import torch


def random_images(shape, seed: int) -> torch.Tensor:
    """Images in [-1, 1] (the range the generators produce and take), reproducible by seed."""
    g = torch.Generator().manual_seed(seed)
    return torch.rand(*shape, generator=g) * 2 - 1


class ActsAt(torch.utils.data.Dataset):
    """Wraps a dataset and calls ``action()`` when item number ``at`` (counted from 1) is read:
    a Ctrl-C, a disk error ... at a chosen moment of a training run."""

    def __init__(self, dataset, at: int, action) -> None:
        self.dataset, self.at, self.action, self.reads = dataset, at, action, 0

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, i):
        self.reads += 1
        if self.reads == self.at:
            self.action()
        return self.dataset[i]


def interrupt_at(dataset, at: int) -> ActsAt:
    """Sends this process SIGINT when item number ``at`` is read (as Ctrl-C would)."""
    import os
    import signal

    return ActsAt(dataset, at, lambda: os.kill(os.getpid(), signal.SIGINT))


def load_repo_file(relative: str, name: str = ""):
    """A Python file of the repository, e.g. ``"scripts/zoo.py"``, run as a module (the scripts,
    benchmarks and notebooks/conftest.py are not in a package); ``name`` defaults to its stem."""
    path = Path(__file__).resolve().parents[1] / relative
    spec = importlib.util.spec_from_file_location(name or path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
