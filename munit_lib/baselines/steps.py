"""One training iteration of each baseline, with the signature of MUNIT's
:func:`munit_lib.training.train_step`, so that the same ``Trainer`` drives every model.

Update order per iteration, as each original:
- UNIT: discriminators, then generators (as MUNIT);
- CycleGAN / CycleGAN*: generators (discriminators frozen), then discriminators on pooled fakes;
- BicycleGAN: G and E (D, D2 frozen), then D and D2 on the same fakes.

``opt_gen`` updates every generator-side network (UNIT: both VAEs; CycleGAN: both generators;
BicycleGAN: G and E), ``opt_dis`` every discriminator (``munit_lib.training.make_optimizers``
builds both for every model).
A NaN or infinite loss raises ``NonFiniteLossError`` before its backward pass.
"""
from __future__ import annotations

import contextlib

import torch
from torch import nn

from ..losses import check_finite
from .bicyclegan import BicycleGAN, bicyclegan_dis_losses, bicyclegan_gen_losses, frozen
from .cyclegan import CycleGAN, cyclegan_dis_losses, cyclegan_gen_losses
from .unit import UNIT, unit_dis_losses, unit_gen_losses

__all__ = ["generator_modules", "discriminator_modules", "baseline_train_step"]


def generator_modules(model: nn.Module) -> list[nn.Module]:
    """The networks ``opt_gen`` updates."""
    if isinstance(model, BicycleGAN):
        return [model.gen, model.enc]
    return [model.gen_a, model.gen_b]


def discriminator_modules(model: nn.Module) -> list[nn.Module]:
    """The networks ``opt_dis`` updates."""
    if isinstance(model, BicycleGAN):
        return [model.dis, model.dis2]
    return [model.dis_a, model.dis_b]


def _scalars(losses: dict[str, torch.Tensor], prefix: str) -> dict[str, float]:
    """Loss values as floats named ``dis_*`` / ``gen_*`` (tensors that are not scalars are skipped)."""
    out = {}
    for key, value in losses.items():
        if value.dim() == 0:
            out[key if key.startswith(prefix) else f"{prefix}_{key}"] = float(value.detach())
    return out


def _update(optimizer: torch.optim.Optimizer, losses: dict[str, torch.Tensor], prefix: str,
            iteration: int | None) -> None:
    check_finite(losses, prefix, iteration)
    optimizer.zero_grad(set_to_none=True)
    losses["total"].backward()
    optimizer.step()


@contextlib.contextmanager
def _all_frozen(modules: list[nn.Module]):
    with contextlib.ExitStack() as stack:
        for m in modules:
            stack.enter_context(frozen(m))
        yield


def baseline_train_step(model: nn.Module, opt_gen: torch.optim.Optimizer, opt_dis: torch.optim.Optimizer,
                        x_a: torch.Tensor, x_b: torch.Tensor, perceptual=None, rng: torch.Generator | None = None,
                        autocast_dtype: torch.dtype | None = None, objectives=None,
                        iteration: int | None = None) -> dict[str, float]:
    """One iteration of ``model`` (a :class:`UNIT`, :class:`CycleGAN` or :class:`BicycleGAN`);
    returns every loss as a float. ``perceptual`` and ``objectives`` (MUNIT options) must be None."""
    if perceptual is not None or objectives is not None:
        raise ValueError("the baselines have no perceptual loss and no distributed objectives: "
                         "set vgg_w: 0 and train them in one process")
    with _global_rng_from(rng, x_a.device):
        return _step(model, opt_gen, opt_dis, x_a, x_b, rng, autocast_dtype, iteration)


@contextlib.contextmanager
def _global_rng_from(rng: torch.Generator | None, device: torch.device):
    """Run the step with the global RNG (which dropout draws from) seeded from ``rng``, then give the
    caller its own global RNG back. A run's randomness then lives in ``rng`` alone, whose state the
    trainer saves: a resumed run draws the same dropout masks as an uninterrupted one."""
    if rng is None:
        yield
        return
    seed = int(torch.randint(2 ** 62, (), generator=rng, device=rng.device))
    devices = []
    if device.type == "cuda":
        devices = [device.index if device.index is not None else torch.cuda.current_device()]
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def _step(model, opt_gen, opt_dis, x_a, x_b, rng, autocast_dtype, iteration) -> dict[str, float]:
    cast = (torch.autocast(x_a.device.type, dtype=autocast_dtype) if autocast_dtype is not None
            else contextlib.nullcontext())
    dis_nets = discriminator_modules(model)
    if isinstance(model, UNIT):
        with cast:
            d = unit_dis_losses(model, x_a, x_b, rng)
        _update(opt_dis, d, "dis", iteration)
        with _all_frozen(dis_nets):  # the gradient passes through D to the images, not into D
            with cast:
                g = unit_gen_losses(model, x_a, x_b, rng)
            _update(opt_gen, g, "gen", iteration)
    elif isinstance(model, CycleGAN):
        with _all_frozen(dis_nets):
            with cast:
                g = cyclegan_gen_losses(model, x_a, x_b, rng)
            _update(opt_gen, g, "gen", iteration)
        with cast:
            d = cyclegan_dis_losses(model, x_a, x_b, g["fake_a"], g["fake_b"])
        _update(opt_dis, d, "dis", iteration)
    elif isinstance(model, BicycleGAN):
        with _all_frozen(dis_nets):
            with cast:
                g = bicyclegan_gen_losses(model, x_a, x_b, rng)
            _update(opt_gen, g, "gen", iteration)
        with cast:
            d = bicyclegan_dis_losses(model, g["fake_encoded"], g["fake_random"], g["real_encoded"], g["real_random"])
        _update(opt_dis, d, "dis", iteration)
    else:
        raise TypeError(f"baseline_train_step trains UNIT, CycleGAN or BicycleGAN models, not {type(model).__name__}")
    return {**_scalars(d, "dis"), **_scalars(g, "gen")}
