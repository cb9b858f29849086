"""UNIT (Liu, Breuel, Kautz, "Unsupervised Image-to-Image Translation Networks", NIPS 2017):
MUNIT's predecessor, with ONE shared latent space and a VAE-GAN per domain.

Assumption: a pair of images (x_a, x_b) that correspond share one latent code z. Each domain has
an encoder E and a generator (decoder) G; translation a -> b is G_b(E_a(x_a)). Since there is no
style code, a translation is a single image: one shared code cannot be multimodal.

Where the paper's code and the PyTorch release differ (and which we follow):
- The NIPS paper shares the last encoder layer and the first decoder layer between domains (the
  weight-sharing constraint that makes the latent space shared); its code (branch ``version_02``)
  adds Gaussian noise to the shared code, uses dropout 0.5 in its residual blocks, LeakyReLU 0.01,
  a vanilla GAN and loss weights 10 times the release's.
- The PyTorch release (the one MUNIT compares with, same code base as MUNIT) shares NO layer: two
  independent ``VAEGen`` s; only the losses (cycle reconstruction through the other domain) tie the
  two latent spaces together. We train the release (``UNITGenerator``), with its layout, so
  released ``gen_*.pt`` files load; notebook 10 teaches the paper's sharing beside it.

VAEGen (release): encoder = MUNIT's content encoder (7x7 conv, two stride-2 4x4 convs, 4 residual
blocks, instance norm); decoder = MUNIT's decoder with instance norm where MUNIT has AdaIN (no MLP,
no style). The latent is h = E(x), the VAE mean; the variance is fixed at 1, so the posterior is
N(h, I): training decodes ``h + eps`` with eps ~ N(0, I) (fresh noise every time, also in the
cycle); a test translation decodes h alone.

Objective (release, edges2shoes)::

    L_G = gan_w (L_GAN^a + L_GAN^b) + recon_x_w (|G_a(z_a) - x_a|_1 + |G_b(z_b) - x_b|_1)
          + kl_w (KL(h_a) + KL(h_b)) + cyc_w (|x_aba - x_a|_1 + |x_bab - x_b|_1)
          + kl_cyc_w (KL(h_ab) + KL(h_ba))

with weights 1, 10, 0.01, 10, 0.01, LSGAN summed over the 3 discriminator scales, and
KL(h) := mean(h^2) (see :func:`unit_kl_loss`). ``recon_h_w`` in the release's config is never read.
Optimisation as MUNIT: Adam 1e-4, (0.5, 0.999), weight decay 1e-4, lr halved every 100k; D step
then G step; Kaiming init for the generators, N(0, 0.02) for the discriminators.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..config import MUNITConfig
from ..losses import recon_loss
from ..networks import ContentEncoder, MultiScaleDiscriminator, init_weights
from ..nn import Conv2dBlock, ResBlocks
from .common import check_images, lsgan_d_loss, lsgan_g_loss

__all__ = ["UNITConfig", "UNITDecoder", "UNITGenerator", "unit_discriminator", "UNIT", "unit_kl_loss",
           "unit_gen_losses", "unit_dis_losses"]


@dataclass
class UNITConfig:
    """UNIT's hyper-parameters (PyTorch release, edges2shoes): widths and loss weights."""

    dim: int = 64  # generator base width
    n_downsample: int = 2
    n_res: int = 4
    input_dim_a: int = 3
    input_dim_b: int = 3
    dis_dim: int = 64
    dis_n_layer: int = 4
    dis_num_scales: int = 3
    gan_w: float = 1.0
    recon_x_w: float = 10.0
    recon_kl_w: float = 0.01
    recon_x_cyc_w: float = 10.0
    recon_kl_cyc_w: float = 0.01


class _NormFirstConv2dBlock(Conv2dBlock):
    """``Conv2dBlock`` whose sub-modules are registered pad, norm, activation, conv: the original's
    order, so that the state dict lists ``norm.gamma, norm.beta`` before ``conv.weight`` exactly as
    the released files do (loading never needs it; comparing key lists does)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._modules["conv"] = self._modules.pop("conv")  # move conv to the end of the registry


class UNITDecoder(nn.Module):
    """Latent code -> image: ``n_res`` residual blocks with instance norm, then per upsampling
    nearest x2, 5x5 conv halving the width with MUNIT's LayerNorm and ReLU, then 7x7 conv + tanh.
    (B, dim, H/4, W/4) -> (B, output_dim, H, W) with 2 upsamplings. 5,754,627 parameters at dim 256."""

    def __init__(self, n_upsample: int, n_res: int, dim: int, output_dim: int, activ: str = "relu",
                 pad_type: str = "reflect") -> None:
        super().__init__()
        layers: list[nn.Module] = [ResBlocks(n_res, dim, norm="in", activation=activ, pad_type=pad_type)]
        for _ in range(n_upsample):
            layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
            layers.append(_NormFirstConv2dBlock(dim, dim // 2, 5, 1, 2, norm="ln", activation=activ,
                                                pad_type=pad_type))
            dim //= 2
        layers.append(Conv2dBlock(dim, output_dim, 7, 1, 3, norm="none", activation="tanh", pad_type=pad_type))
        self.model = nn.Sequential(*layers)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.model(h)


class UNITGenerator(nn.Module):
    """One domain's VAE (the release's ``VAEGen``): ``enc`` (MUNIT's content encoder) and ``dec``.

    ``encode(x) -> (h, noise)`` with noise ~ N(0, I) shaped like h, as the release returns them
    (training decodes ``h + noise``); ``decode(z) -> image``. 11,140,483 parameters at dim 64
    (encoder 5,385,856 + decoder 5,754,627); 700,771 at dim 16.
    """

    def __init__(self, input_dim: int = 3, dim: int = 64, n_downsample: int = 2, n_res: int = 4,
                 activ: str = "relu", pad_type: str = "reflect") -> None:
        super().__init__()
        self.input_dim, self.n_downsample = input_dim, n_downsample
        self.enc = ContentEncoder(n_downsample, n_res, input_dim, dim, activ, pad_type)
        self.dec = UNITDecoder(n_downsample, n_res, self.enc.output_dim, input_dim, activ, pad_type)

    def encode(self, x: torch.Tensor, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Image (B, C, H, W) -> (h (B, 4*dim, H/4, W/4), noise of the same shape ~ N(0, I))."""
        check_images(x, self.input_dim, 2 ** (self.n_downsample + 1), "UNITGenerator.encode",
                     multiple=2 ** self.n_downsample)
        h = self.enc(x)
        noise = torch.randn(h.shape, generator=generator, device=h.device, dtype=h.dtype)
        return h, noise

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Latent code (B, 4*dim, H/4, W/4) -> image (B, C, H, W) in [-1, 1]."""
        return self.dec(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Training-time reconstruction ``decode(h + noise)``."""
        h, noise = self.encode(x)
        return self.decode(h + noise)


def unit_discriminator(input_dim: int = 3, dim: int = 64, n_layer: int = 4,
                       num_scales: int = 3) -> MultiScaleDiscriminator:
    """UNIT's discriminator is MUNIT's (3 scales, no norm, LeakyReLU 0.2, LSGAN): 8,271,171
    parameters at dim 64, 519,507 at dim 16. Built from munit_lib's own class."""
    side = max(256, 2 ** (num_scales - 1 + n_layer))  # any crop size the config accepts: counts do not depend on it
    cfg = MUNITConfig(dis_dim=dim, dis_n_layer=n_layer, dis_num_scales=num_scales, input_dim_a=input_dim,
                      image_size=side, new_size=side)
    return MultiScaleDiscriminator(cfg, input_dim)


class UNIT(nn.Module):
    """Two VAE-GANs: ``gen_a``, ``gen_b`` (:class:`UNITGenerator`) and ``dis_a``, ``dis_b``
    (3-scale discriminators). Generators Kaiming-initialised, discriminators N(0, 0.02)."""

    def __init__(self, cfg: UNITConfig | None = None) -> None:
        super().__init__()
        cfg = cfg or UNITConfig()
        self.cfg = cfg
        self.gen_a = init_weights(UNITGenerator(cfg.input_dim_a, cfg.dim, cfg.n_downsample, cfg.n_res), "kaiming")
        self.gen_b = init_weights(UNITGenerator(cfg.input_dim_b, cfg.dim, cfg.n_downsample, cfg.n_res), "kaiming")
        self.dis_a = init_weights(unit_discriminator(cfg.input_dim_a, cfg.dis_dim, cfg.dis_n_layer,
                                                     cfg.dis_num_scales), "gaussian")
        self.dis_b = init_weights(unit_discriminator(cfg.input_dim_b, cfg.dis_dim, cfg.dis_n_layer,
                                                     cfg.dis_num_scales), "gaussian")

    @torch.no_grad()
    def translate(self, x: torch.Tensor, direction: str = "a2b") -> torch.Tensor:
        """Test-time translation: decode the mean h alone (no noise). One output per input."""
        if direction not in ("a2b", "b2a"):
            raise ValueError(f"direction must be 'a2b' or 'b2a', got {direction!r}")
        source, target = (self.gen_a, self.gen_b) if direction == "a2b" else (self.gen_b, self.gen_a)
        h, _ = source.encode(x)
        return target.decode(h)


# ----------------------------------------------------------------------------- objective
def unit_kl_loss(h: torch.Tensor) -> torch.Tensor:
    r"""UNIT's KL term as the release writes it: :math:`\mathrm{mean}(h^2)` over all elements.

    With the posterior :math:`q(z|x) = \mathcal N(h, I)` (variance fixed at 1) and the prior
    :math:`\mathcal N(0, I)`, :math:`KL(q\|p) = \frac12 \sum_i h_i^2` per image; the mean over the
    batch and every element of h is that KL times :math:`2 / (C H W)`: the same gradient direction,
    a smaller weight (which ``recon_kl_w`` = 0.01 then scales)."""
    return torch.mean(h ** 2)


def unit_gen_losses(model: UNIT, x_a: torch.Tensor, x_b: torch.Tensor,
                    rng: torch.Generator | None = None) -> dict[str, torch.Tensor]:
    """Every term of the generators' objective (module docstring) and the weighted ``total``."""
    cfg = model.cfg
    h_a, n_a = model.gen_a.encode(x_a, rng)
    h_b, n_b = model.gen_b.encode(x_b, rng)
    # within-domain reconstruction and cross-domain translation, both from the noisy code
    x_a_recon = model.gen_a.decode(h_a + n_a)
    x_b_recon = model.gen_b.decode(h_b + n_b)
    x_ba = model.gen_a.decode(h_b + n_b)
    x_ab = model.gen_b.decode(h_a + n_a)
    # encode the translations again (fresh noise) and go back: the cycle
    h_b_recon, n_b_recon = model.gen_a.encode(x_ba, rng)
    h_a_recon, n_a_recon = model.gen_b.encode(x_ab, rng)
    terms = {
        "adv_a": lsgan_g_loss(model.dis_a(x_ba)),
        "adv_b": lsgan_g_loss(model.dis_b(x_ab)),
        "recon_x_a": recon_loss(x_a_recon, x_a),
        "recon_x_b": recon_loss(x_b_recon, x_b),
        "kl_a": unit_kl_loss(h_a),
        "kl_b": unit_kl_loss(h_b),
        "kl_cyc_a": unit_kl_loss(h_a_recon),
        "kl_cyc_b": unit_kl_loss(h_b_recon),
    }
    total = (cfg.gan_w * (terms["adv_a"] + terms["adv_b"])
             + cfg.recon_x_w * (terms["recon_x_a"] + terms["recon_x_b"])
             + cfg.recon_kl_w * (terms["kl_a"] + terms["kl_b"])
             + cfg.recon_kl_cyc_w * (terms["kl_cyc_a"] + terms["kl_cyc_b"]))
    if cfg.recon_x_cyc_w > 0:
        terms["cyc_x_a"] = recon_loss(model.gen_a.decode(h_a_recon + n_a_recon), x_a)  # a -> b -> a
        terms["cyc_x_b"] = recon_loss(model.gen_b.decode(h_b_recon + n_b_recon), x_b)  # b -> a -> b
        total = total + cfg.recon_x_cyc_w * (terms["cyc_x_a"] + terms["cyc_x_b"])
    terms["total"] = total
    return terms


def unit_dis_losses(model: UNIT, x_a: torch.Tensor, x_b: torch.Tensor,
                    rng: torch.Generator | None = None) -> dict[str, torch.Tensor]:
    r"""Discriminators: real images of each domain against translations into it (made from the
    noisy code, without gradient to the generators).
    ``total = gan_w (L_D^a(x_ba, x_a) + L_D^b(x_ab, x_b))``, LSGAN summed over scales."""
    with torch.no_grad():
        h_a, n_a = model.gen_a.encode(x_a, rng)
        h_b, n_b = model.gen_b.encode(x_b, rng)
        x_ba = model.gen_a.decode(h_b + n_b)
        x_ab = model.gen_b.decode(h_a + n_a)
    loss_a = lsgan_d_loss(model.dis_a(x_ba), model.dis_a(x_a))
    loss_b = lsgan_d_loss(model.dis_b(x_ab), model.dis_b(x_b))
    return {"dis_a": loss_a, "dis_b": loss_b, "total": model.cfg.gan_w * (loss_a + loss_b)}
