"""Small helpers shared by the test modules (kept out of conftest.py so that importing them never
depends on which conftest.py pytest loaded last, e.g. when notebooks/ has one too)."""
from __future__ import annotations

import torch


def random_images(shape, seed: int) -> torch.Tensor:
    """Images in [-1, 1] (the range the generators produce and take), reproducible by seed."""
    g = torch.Generator().manual_seed(seed)
    return torch.rand(*shape, generator=g) * 2 - 1
