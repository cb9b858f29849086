"""The paper's optimisation: Adam(lr 1e-4, betas (0.5, 0.999), weight decay 1e-4), one optimiser
for both generators and one for both discriminators, learning rate halved every 100k iterations.
The same two optimisers, from the config's settings, train every baseline (``registry`` says which
networks are on each side), with CycleGAN's and BicycleGAN's linear decay as ``lr_policy: linear``."""
from __future__ import annotations

import torch
from torch import nn

from ..config import MUNITConfig
from ..registry import discriminator_modules, generator_modules, run_config

__all__ = ["make_optimizers", "make_schedulers", "linear_decay_factor"]


def make_optimizers(model: nn.Module, cfg: MUNITConfig | None = None) -> tuple[torch.optim.Adam, torch.optim.Adam]:
    """(Adam over the generator side, Adam over the discriminators) with ``cfg.lr``, ``beta1``,
    ``beta2`` and ``weight_decay`` (default ``cfg``: the one the model was built from). MUNIT:
    gen_a + gen_b and dis_a + dis_b; a baseline: the networks ``registry.generator_modules`` /
    ``discriminator_modules`` name. One Adam over several networks makes the same updates as one
    Adam each with the same settings (Adam is per parameter)."""
    cfg = cfg or run_config(model)
    settings = dict(lr=cfg.lr, betas=(cfg.beta1, cfg.beta2), weight_decay=cfg.weight_decay)
    gen_params = [p for m in generator_modules(model) for p in m.parameters() if p.requires_grad]
    dis_params = [p for m in discriminator_modules(model) for p in m.parameters() if p.requires_grad]
    return torch.optim.Adam(gen_params, **settings), torch.optim.Adam(dis_params, **settings)


def linear_decay_factor(step: int, n_constant: int, n_decay: int) -> float:
    r"""CycleGAN's and BicycleGAN's schedule, as a factor of the initial rate at ``step`` (0-based):
    :math:`1 - \max(0, t - n_{const}) / (n_{decay} + 1)`: constant for ``n_constant`` steps, then
    falling linearly over ``n_decay`` steps. (In epochs, the original's indexing makes its last
    epoch train at rate 0; here the last decaying step still trains at 1 / (n_decay + 1).)"""
    if n_constant < 0 or n_decay < 0:
        raise ValueError(f"n_constant and n_decay cannot be negative, got {n_constant} and {n_decay}")
    return max(0.0, 1.0 - max(0, step - n_constant) / (n_decay + 1))


def make_schedulers(optimizers, cfg: MUNITConfig) -> list[torch.optim.lr_scheduler.LRScheduler]:
    """Step decay (lr * gamma every ``step_size`` iterations) or a constant rate, one per optimiser.
    Call ``scheduler.step()`` once per training iteration. ``linear`` (CycleGAN's and BicycleGAN's):
    constant for ``step_size`` iterations, then falling linearly towards 0 at ``max_iter``."""
    if cfg.lr_policy == "linear":
        n_decay = max(0, cfg.max_iter - cfg.step_size)
        return [torch.optim.lr_scheduler.LambdaLR(opt, lambda t: linear_decay_factor(t, cfg.step_size, n_decay))
                for opt in optimizers]
    if cfg.lr_policy == "step":
        return [torch.optim.lr_scheduler.StepLR(opt, step_size=cfg.step_size, gamma=cfg.gamma) for opt in optimizers]
    return [torch.optim.lr_scheduler.LambdaLR(opt, lambda _: 1.0) for opt in optimizers]
