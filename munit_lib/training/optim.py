"""The paper's optimisation: Adam(lr 1e-4, betas (0.5, 0.999), weight decay 1e-4), one optimiser
for both generators and one for both discriminators, learning rate halved every 100k iterations."""
from __future__ import annotations

import torch

from ..config import MUNITConfig
from ..networks import MUNIT

__all__ = ["make_optimizers", "make_schedulers"]


def make_optimizers(model: MUNIT, cfg: MUNITConfig | None = None) -> tuple[torch.optim.Adam, torch.optim.Adam]:
    """(generator optimiser over gen_a + gen_b, discriminator optimiser over dis_a + dis_b)."""
    cfg = cfg or model.cfg
    settings = dict(lr=cfg.lr, betas=(cfg.beta1, cfg.beta2), weight_decay=cfg.weight_decay)
    gen_params = [p for p in list(model.gen_a.parameters()) + list(model.gen_b.parameters()) if p.requires_grad]
    dis_params = [p for p in list(model.dis_a.parameters()) + list(model.dis_b.parameters()) if p.requires_grad]
    return torch.optim.Adam(gen_params, **settings), torch.optim.Adam(dis_params, **settings)


def make_schedulers(optimizers, cfg: MUNITConfig) -> list[torch.optim.lr_scheduler.LRScheduler]:
    """Step decay (lr * gamma every ``step_size`` iterations) or a constant rate, one per optimiser.
    Call ``scheduler.step()`` once per training iteration. ``linear`` (CycleGAN's and BicycleGAN's):
    constant for ``step_size`` iterations, then falling linearly towards 0 at ``max_iter``."""
    if cfg.lr_policy == "linear":
        from ..baselines.common import linear_decay_factor

        n_decay = max(0, cfg.max_iter - cfg.step_size)
        return [torch.optim.lr_scheduler.LambdaLR(opt, lambda t: linear_decay_factor(t, cfg.step_size, n_decay))
                for opt in optimizers]
    if cfg.lr_policy == "step":
        return [torch.optim.lr_scheduler.StepLR(opt, step_size=cfg.step_size, gamma=cfg.gamma) for opt in optimizers]
    return [torch.optim.lr_scheduler.LambdaLR(opt, lambda _: 1.0) for opt in optimizers]
