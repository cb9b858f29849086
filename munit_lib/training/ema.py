"""An exponential moving average of the generators' weights (an option; the paper has none).

After every generator update: ``theta_ema <- decay * theta_ema + (1 - decay) * theta``. The
averaged generators usually give smoother translations than the raw weights late in training.

Why not ``torch.optim.swa_utils.AveragedModel`` with an EMA function: its first update copies
the weights (its ``n_averaged`` counter is 0) instead of blending them into the initial copy,
and that counter lives in its own state dict, which checkpoints here (``{"decay", "gen_a",
"gen_b"}``, the generators' own layout) do not hold: every EMA run would change, and a resumed
run would restart its average from the current weights. So the average stays this explicit
``lerp_`` (one line per parameter), whose state is exactly what the checkpoints store.
"""
from __future__ import annotations

import copy

import torch
from torch import nn

__all__ = ["GeneratorEMA"]


class GeneratorEMA:
    """Moving averages of ``model.gen_a`` and ``model.gen_b`` (buffers are copied, not averaged)."""

    def __init__(self, model: nn.Module, decay: float) -> None:
        if not 0.0 < decay < 1.0:
            raise ValueError(f"ema_decay must be in (0, 1), got {decay}")
        self.decay = float(decay)
        self.gen_a = copy.deepcopy(model.gen_a).eval().requires_grad_(False)
        self.gen_b = copy.deepcopy(model.gen_b).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        for average, current in ((self.gen_a, model.gen_a), (self.gen_b, model.gen_b)):
            averaged = dict(average.named_parameters())
            for name, value in current.named_parameters():
                averaged[name].lerp_(value.detach(), 1.0 - self.decay)  # t + (1 - d)(v - t) = d t + (1 - d) v
            buffers = dict(average.named_buffers())
            for name, value in current.named_buffers():
                buffers[name].copy_(value)

    def state_dict(self) -> dict:
        return {"decay": self.decay, "gen_a": self.gen_a.state_dict(), "gen_b": self.gen_b.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.decay = float(state["decay"])
        self.gen_a.load_state_dict(state["gen_a"])
        self.gen_b.load_state_dict(state["gen_b"])
