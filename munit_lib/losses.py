"""MUNIT's objective (paper eq. 5):

    min_{E, G} max_{D}  L_GAN^a + L_GAN^b
                        + lambda_x (L_recon^{x_a} + L_recon^{x_b})
                        + lambda_c (L_recon^{c_a} + L_recon^{c_b})
                        + lambda_s (L_recon^{s_a} + L_recon^{s_b})
                        [+ lambda_cyc L_cyc + lambda_vgg L_perceptual]

Adversarial losses take the list of score maps a ``MultiScaleDiscriminator`` returns and sum
over scales. Reconstruction terms are L1 means.
"""
from __future__ import annotations

import os
from typing import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from .nn import instance_norm

__all__ = [
    "discriminator_loss", "generator_adversarial_loss", "recon_loss", "image_recon_loss",
    "content_recon_loss", "style_recon_loss", "cycle_recon_loss", "PerceptualLoss", "GAN_TYPES",
]

GAN_TYPES = ("lsgan", "nsgan", "hinge")


def _check_gan_type(gan_type: str) -> None:
    if gan_type not in GAN_TYPES:
        raise ValueError(f"unknown gan_type {gan_type!r}; choose from {list(GAN_TYPES)}")


def _as_list(scores: torch.Tensor | Sequence[torch.Tensor]) -> list[torch.Tensor]:
    return [scores] if isinstance(scores, torch.Tensor) else list(scores)


# ------------------------------------------------------------------------ adversarial
def discriminator_loss(fake_scores: torch.Tensor | Sequence[torch.Tensor],
                       real_scores: torch.Tensor | Sequence[torch.Tensor], gan_type: str = "lsgan") -> torch.Tensor:
    r"""The discriminator's loss, summed over scales.

    - ``lsgan`` (the original): :math:`\mathbb E[D(x_{fake})^2] + \mathbb E[(D(x_{real}) - 1)^2]`
    - ``nsgan``: :math:`-\mathbb E[\log(1 - \sigma(D(x_{fake})))] - \mathbb E[\log \sigma(D(x_{real}))]`
    - ``hinge``: :math:`\mathbb E[\max(0, 1 + D(x_{fake}))] + \mathbb E[\max(0, 1 - D(x_{real}))]`
    """
    _check_gan_type(gan_type)
    fakes, reals = _as_list(fake_scores), _as_list(real_scores)
    if len(fakes) != len(reals):
        raise ValueError(f"{len(fakes)} fake score maps but {len(reals)} real ones")
    total = fakes[0].new_zeros(())
    for fake, real in zip(fakes, reals):
        if gan_type == "lsgan":
            total = total + torch.mean(fake ** 2) + torch.mean((real - 1) ** 2)
        elif gan_type == "nsgan":
            total = total + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)) \
                + F.binary_cross_entropy_with_logits(real, torch.ones_like(real))
        else:
            total = total + torch.mean(F.relu(1 + fake)) + torch.mean(F.relu(1 - real))
    return total


def generator_adversarial_loss(fake_scores: torch.Tensor | Sequence[torch.Tensor],
                               gan_type: str = "lsgan") -> torch.Tensor:
    r"""The generator's adversarial loss, summed over scales.

    - ``lsgan``: :math:`\mathbb E[(D(x_{fake}) - 1)^2]` (no 0.5 factor, as the original)
    - ``nsgan`` (non-saturating): :math:`-\mathbb E[\log \sigma(D(x_{fake}))]`
    - ``hinge``: :math:`-\mathbb E[D(x_{fake})]`
    """
    _check_gan_type(gan_type)
    fakes = _as_list(fake_scores)
    total = fakes[0].new_zeros(())
    for fake in fakes:
        if gan_type == "lsgan":
            total = total + torch.mean((fake - 1) ** 2)
        elif gan_type == "nsgan":
            total = total + F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))
        else:
            total = total - torch.mean(fake)
    return total


# ------------------------------------------------------------------------ reconstruction
def recon_loss(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    r""":math:`\mathbb E\,|prediction - target|`, the L1 mean every reconstruction term uses."""
    if prediction.shape != target.shape:
        raise ValueError(f"cannot compare shapes {tuple(prediction.shape)} and {tuple(target.shape)}")
    return torch.mean(torch.abs(prediction - target))


def image_recon_loss(x_recon: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    r"""Within-domain image reconstruction :math:`\|G(E^c(x), E^s(x)) - x\|_1`."""
    return recon_loss(x_recon, x)


def content_recon_loss(c_recon: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    r"""Latent content reconstruction :math:`\|E^c_b(G_b(c_a, s_b)) - c_a\|_1`."""
    return recon_loss(c_recon, c)


def style_recon_loss(s_recon: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    r"""Latent style reconstruction :math:`\|E^s_b(G_b(c_a, s_b)) - s_b\|_1`, s_b ~ N(0, I).
    Styles may be (B, style_dim) or (B, style_dim, 1, 1)."""
    return recon_loss(s_recon.flatten(1), s.flatten(1))


def cycle_recon_loss(x_cycled: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    r"""Style-augmented cycle consistency :math:`\|G_a(E^c_b(G_b(c_a, s_b)), E^s_a(x_a)) - x_a\|_1`."""
    return recon_loss(x_cycled, x)


# ------------------------------------------------------------------------ perceptual
# Indices of torchvision's vgg16().features after which each named ReLU sits.
_VGG_LAYER_END = {"relu4_3": 23, "relu5_3": 30}
_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)


class PerceptualLoss(nn.Module):
    r"""Domain-invariant perceptual loss: :math:`\mathrm{MSE}(IN(\phi(x_{ab})), IN(\phi(x_a)))`, where
    :math:`\phi` are VGG16 features (``relu5_3`` in the original code, ``relu4_3`` in the paper's
    text) and IN is instance normalisation, which removes the domain-specific feature statistics.

    VGG16's ImageNet weights are never downloaded here: pass ``weights_path`` to a torchvision
    ``vgg16`` state dict that you fetched yourself (``torchvision.models.VGG16_Weights``), or load
    a state dict later with :meth:`load_vgg_weights`. Without weights the loss refuses to run.
    """

    def __init__(self, layer: str = "relu5_3", weights_path: str | os.PathLike | None = None) -> None:
        super().__init__()
        if layer not in _VGG_LAYER_END:
            raise ValueError(f"unknown VGG layer {layer!r}; choose from {sorted(_VGG_LAYER_END)}")
        from torchvision.models import vgg16

        self.layer = layer
        self.features = vgg16(weights=None).features[:_VGG_LAYER_END[layer]]
        self.features.requires_grad_(False).eval()
        self.register_buffer("mean", torch.tensor(_IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(_IMAGENET_STD).view(1, 3, 1, 1))
        self.weights_loaded = False
        if weights_path is not None:
            self.load_vgg_weights(weights_path)

    def load_vgg_weights(self, source: str | os.PathLike | dict) -> None:
        """Load torchvision VGG16 weights (a path or a state dict; only ``features.*`` are used)."""
        state = source if isinstance(source, dict) else torch.load(source, map_location="cpu", weights_only=True)
        features = {k[len("features."):]: v for k, v in state.items() if k.startswith("features.")}
        if not features:
            raise ValueError("this state dict has no 'features.*' keys: it is not a torchvision VGG16 checkpoint")
        wanted = self.features.state_dict()
        missing = [k for k in wanted if k not in features]
        if missing:
            raise ValueError(f"VGG16 weights lack {missing[:4]}...")
        self.features.load_state_dict({k: features[k] for k in wanted})
        self.weights_loaded = True

    def train(self, mode: bool = True) -> "PerceptualLoss":
        super().train(mode)
        self.features.eval()  # VGG always stays in eval mode
        return self

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] (B, 3, H, W) -> instance-normalised VGG features."""
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)  # grey sketches: repeat to RGB
        x = ((x + 1) / 2 - self.mean) / self.std  # [-1, 1] -> ImageNet normalisation
        return instance_norm(self.features(x))

    def forward(self, translated: torch.Tensor, source: torch.Tensor) -> torch.Tensor:
        if not self.weights_loaded:
            raise RuntimeError("the perceptual loss needs VGG16 weights: pass weights_path=... or call "
                               "load_vgg_weights(); munit_lib never downloads them for you")
        return torch.mean((self.embed(translated) - self.embed(source)) ** 2)
