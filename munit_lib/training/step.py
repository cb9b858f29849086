"""One MUNIT training iteration: update the discriminators, then the generators, each with
style codes freshly drawn from N(0, I) (as the original ``dis_update`` / ``gen_update``)."""
from __future__ import annotations

import contextlib

import torch
from torch import nn

from ..losses import (NonFiniteLossError, PerceptualLoss, check_finite, content_recon_loss, cycle_recon_loss,
                      discriminator_loss, generator_adversarial_loss, image_recon_loss, style_recon_loss)
from ..networks import MUNIT
from ..nn import frozen
from ..registry import baseline_step

__all__ = ["dis_losses", "gen_losses", "train_step", "train_step_for", "NonFiniteLossError", "DisObjective",
           "GenObjective"]


def _styles(model: MUNIT, batch: int, device, rng: torch.Generator | None) -> tuple[torch.Tensor, torch.Tensor]:
    """Two fresh batches of style codes s_a, s_b ~ N(0, I), each (B, style_dim)."""
    return model.random_style(batch, rng, device), model.random_style(batch, rng, device)


def dis_losses(model: MUNIT, x_a: torch.Tensor, x_b: torch.Tensor, s_a: torch.Tensor | None = None,
               s_b: torch.Tensor | None = None, rng: torch.Generator | None = None) -> dict[str, torch.Tensor]:
    """Discriminator objective: translate with random styles (no gradient to the generators),
    then score real images of each domain against translations into it.

    ``total = gan_w * (L_D^a(x_ba, x_a) + L_D^b(x_ab, x_b))``
    """
    cfg = model.cfg
    if s_a is None or s_b is None:
        s_a, s_b = _styles(model, x_a.shape[0], x_a.device, rng)
    with torch.no_grad():  # the generators are not updated here
        c_a = model.gen_a.encode_content(x_a)  # the styles of x_a, x_b are not needed here
        c_b = model.gen_b.encode_content(x_b)
        x_ba = model.gen_a.decode(c_b, s_a)  # b -> a
        x_ab = model.gen_b.decode(c_a, s_b)  # a -> b
    loss_a = discriminator_loss(model.dis_a(x_ba), model.dis_a(x_a), cfg.gan_type)
    loss_b = discriminator_loss(model.dis_b(x_ab), model.dis_b(x_b), cfg.gan_type)
    return {"dis_a": loss_a, "dis_b": loss_b, "total": cfg.gan_w * (loss_a + loss_b)}


def gen_losses(model: MUNIT, x_a: torch.Tensor, x_b: torch.Tensor, s_a: torch.Tensor | None = None,
               s_b: torch.Tensor | None = None, perceptual: PerceptualLoss | None = None,
               rng: torch.Generator | None = None) -> dict[str, torch.Tensor]:
    """Every term of the generators' objective (paper eq. 5) and their weighted ``total``."""
    cfg = model.cfg
    if s_a is None or s_b is None:
        s_a, s_b = _styles(model, x_a.shape[0], x_a.device, rng)
    # encode each image into its own content and style
    c_a, s_a_prime = model.gen_a.encode(x_a)
    c_b, s_b_prime = model.gen_b.encode(x_b)
    # within-domain reconstruction
    x_a_recon = model.gen_a.decode(c_a, s_a_prime)
    x_b_recon = model.gen_b.decode(c_b, s_b_prime)
    # cross-domain translation with random styles
    x_ba = model.gen_a.decode(c_b, s_a)
    x_ab = model.gen_b.decode(c_a, s_b)
    # encode the translations again: latent reconstruction
    c_b_recon, s_a_recon = model.gen_a.encode(x_ba)
    c_a_recon, s_b_recon = model.gen_b.encode(x_ab)
    terms = {
        "adv_a": generator_adversarial_loss(model.dis_a(x_ba), cfg.gan_type),
        "adv_b": generator_adversarial_loss(model.dis_b(x_ab), cfg.gan_type),
        "recon_x_a": image_recon_loss(x_a_recon, x_a),
        "recon_x_b": image_recon_loss(x_b_recon, x_b),
        "recon_s_a": style_recon_loss(s_a_recon, s_a),
        "recon_s_b": style_recon_loss(s_b_recon, s_b),
        "recon_c_a": content_recon_loss(c_a_recon, c_a),
        "recon_c_b": content_recon_loss(c_b_recon, c_b),
    }
    total = (cfg.gan_w * (terms["adv_a"] + terms["adv_b"])
             + cfg.recon_x_w * (terms["recon_x_a"] + terms["recon_x_b"])
             + cfg.recon_s_w * (terms["recon_s_a"] + terms["recon_s_b"])
             + cfg.recon_c_w * (terms["recon_c_a"] + terms["recon_c_b"]))
    if cfg.recon_x_cyc_w > 0:
        if cfg.recon_x_cyc_style == "random":  # plain cycle: back with a random style, x_aba = G_a(c_a_recon, s_a)
            back_a, back_b = s_a, s_b  # this step's random styles of each domain (independent of x_a, x_b)
        else:  # style-augmented cycle: back with the image's own encoded style, x_aba = G_a(c_a_recon, E_a^s(x_a))
            back_a, back_b = s_a_prime, s_b_prime
        x_aba = model.gen_a.decode(c_a_recon, back_a)
        x_bab = model.gen_b.decode(c_b_recon, back_b)
        terms["cyc_x_a"] = cycle_recon_loss(x_aba, x_a)
        terms["cyc_x_b"] = cycle_recon_loss(x_bab, x_b)
        total = total + cfg.recon_x_cyc_w * (terms["cyc_x_a"] + terms["cyc_x_b"])
    if cfg.vgg_w > 0:
        if perceptual is None:
            raise ValueError("vgg_w > 0 needs a PerceptualLoss with VGG16 weights: pass perceptual=...")
        terms["vgg_a"] = perceptual(x_ba, x_b)  # translation vs its source
        terms["vgg_b"] = perceptual(x_ab, x_a)
        total = total + cfg.vgg_w * (terms["vgg_a"] + terms["vgg_b"])
    terms["total"] = total
    return terms


def _check_parts(objective: nn.Module, model: MUNIT, names: tuple[str, ...]) -> None:
    """The networks ``objective`` registered are ``model``'s own (not another model's)."""
    for name in names:
        if getattr(objective, name) is not getattr(model, name):
            raise ValueError(f"this {type(objective).__name__} was built for another model: "
                             f"its {name} is not model.{name}")


class DisObjective(nn.Module):
    """``dis_losses`` as a module, for ``DistributedDataParallel``: DDP averages the gradients of
    exactly the parameters its module registers, so this module registers the discriminators and
    nothing else.

    The model is an argument of every call, ``objective(model, x_a, x_b, s_a, s_b)``, as for the
    plain function, and never an attribute: assigning it would register the whole model as a
    submodule, and with it the generators (whose gradients DDP would then also try to average, in
    an update that gives them none) and a second copy of every discriminator weight in
    ``state_dict()``.
    """

    def __init__(self, model: MUNIT) -> None:
        super().__init__()
        self.dis_a, self.dis_b = model.dis_a, model.dis_b

    def forward(self, model: MUNIT, x_a, x_b, s_a, s_b) -> dict[str, torch.Tensor]:
        _check_parts(self, model, ("dis_a", "dis_b"))
        return dis_losses(model, x_a, x_b, s_a, s_b)


class GenObjective(nn.Module):
    """``gen_losses`` as a module whose registered parameters are the generators' only (the
    discriminators are frozen during the generators' update). As for :class:`DisObjective`, the
    model, and the perceptual loss (VGG16, never trained), are arguments of each call:
    ``objective(model, x_a, x_b, s_a, s_b, perceptual=None)``."""

    def __init__(self, model: MUNIT) -> None:
        super().__init__()
        self.gen_a, self.gen_b = model.gen_a, model.gen_b

    def forward(self, model: MUNIT, x_a, x_b, s_a, s_b,
                perceptual: PerceptualLoss | None = None) -> dict[str, torch.Tensor]:
        _check_parts(self, model, ("gen_a", "gen_b"))
        return gen_losses(model, x_a, x_b, s_a, s_b, perceptual=perceptual)


def train_step(model: MUNIT, opt_gen: torch.optim.Optimizer, opt_dis: torch.optim.Optimizer,
               x_a: torch.Tensor, x_b: torch.Tensor, *, perceptual: PerceptualLoss | None = None,
               rng: torch.Generator | None = None, autocast_dtype: torch.dtype | None = None,
               objectives: tuple[nn.Module, nn.Module] | None = None, iteration: int | None = None,
               ) -> dict[str, float]:
    """One iteration: a discriminator update, then a generator update, each with fresh styles.
    Returns every loss as a float (``dis_*`` and ``gen_*`` names).

    ``train_step(model, opt_gen, opt_dis, x_a, x_b)`` is the paper's iteration; the options are
    named (keyword-only): ``rng`` (the style stream), ``perceptual``, ``autocast_dtype``,
    ``objectives`` and ``iteration`` (for error messages).

    ``objectives`` = (dis, gen) to call instead of the plain ``dis_losses`` and ``gen_losses``, with
    the same arguments (``model, x_a, x_b, s_a, s_b``, and ``perceptual=`` for gen), e.g.
    ``DistributedDataParallel(DisObjective(model))``. A NaN or infinite loss raises
    :class:`NonFiniteLossError` (naming the loss and ``iteration``) before its backward pass.
    """
    device_type = x_a.device.type
    cast = (torch.autocast(device_type, dtype=autocast_dtype) if autocast_dtype is not None
            else contextlib.nullcontext())
    dis_objective, gen_objective = (dis_losses, gen_losses) if objectives is None else objectives
    # 1. discriminators, with fresh styles s_a, s_b ~ N(0, I)
    s_a, s_b = _styles(model, x_a.shape[0], x_a.device, rng)
    opt_dis.zero_grad(set_to_none=True)
    with cast:
        d = dis_objective(model, x_a, x_b, s_a, s_b)
    check_finite(d, "dis", iteration)
    d["total"].backward()
    opt_dis.step()
    # 2. generators, with new styles. The gradient flows through the discriminators to the
    # translations, but the discriminators' own weights get none: freezing them skips that work.
    s_a, s_b = _styles(model, x_a.shape[0], x_a.device, rng)
    opt_gen.zero_grad(set_to_none=True)
    with frozen(model.dis_a, model.dis_b):
        with cast:
            g = gen_objective(model, x_a, x_b, s_a, s_b, perceptual=perceptual)
        check_finite(g, "gen", iteration)
        g["total"].backward()
    opt_gen.step()
    out = {f"dis_{k}" if not k.startswith("dis") else k: float(v.detach()) for k, v in d.items()}
    out.update({f"gen_{k}": float(v.detach()) for k, v in g.items()})
    return out


def train_step_for(model: nn.Module):
    """The training iteration of ``model``: :func:`train_step` for MUNIT, the baseline's own step
    (``registry.baseline_step``) otherwise; both take the same arguments."""
    return train_step if isinstance(model, MUNIT) else baseline_step(model)
