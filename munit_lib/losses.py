"""MUNIT's objective (paper eq. 5):

    min_{E, G} max_{D}  L_GAN^a + L_GAN^b
                        + lambda_x (L_recon^{x_a} + L_recon^{x_b})
                        + lambda_c (L_recon^{c_a} + L_recon^{c_b})
                        + lambda_s (L_recon^{s_a} + L_recon^{s_b})
                        [+ lambda_cyc L_cyc + lambda_vgg L_perceptual]

Adversarial losses take the list of score maps a ``MultiScaleDiscriminator`` returns and sum
over scales. Reconstruction terms are L1 means. Every training step (MUNIT's and the baselines')
checks its losses with :func:`check_finite` before the backward pass.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from .nn import instance_norm
from .official import read_checkpoint

__all__ = [
    "discriminator_loss", "generator_adversarial_loss", "recon_loss", "image_recon_loss",
    "content_recon_loss", "style_recon_loss", "cycle_recon_loss", "PerceptualLoss", "GAN_TYPES",
    "vgg16_features", "find_vgg16_weights", "VGG_LAYER_INDICES", "VGG16_URL", "NonFiniteLossError", "check_finite",
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
# The original's VGG16 (as the perceptual loss uses it) is torchvision's vgg16().features with
# the fourth max-pool left out: relu4_3 feeds conv5_1 directly, so relu5_3 sits at 1/8 of the
# image, not 1/16. Kept module indices of torchvision's ``features`` (so its state dicts load):
#   0-4 conv1_1 relu conv1_2 relu pool | 5-9 conv2_x, pool | 10-16 conv3_x, pool
#   17-22 conv4_1 relu conv4_2 relu conv4_3 relu4_3 | (23: pool4, dropped) | 24-29 conv5_x ... relu5_3
VGG_LAYER_INDICES = {"relu4_3": tuple(range(0, 23)), "relu5_3": tuple(range(0, 23)) + tuple(range(24, 30))}
_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)
# The original's own weights (``vgg16.weight``, converted from Caffe's VGG16): its convolutions
# are named conv1_1 ... conv5_3, expect BGR in [0, 255] minus this per-channel mean (B, G, R).
_CAFFE_MEAN_BGR = (103.939, 116.779, 123.680)
_CAFFE_CONVS = ("conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2", "conv3_3",
                "conv4_1", "conv4_2", "conv4_3", "conv5_1", "conv5_2", "conv5_3")
_TORCHVISION_CONV_INDEX = (0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28)  # the same convs in vgg16().features
VGG16_URL = "https://download.pytorch.org/models/vgg16-397923af.pth"
VGG16_FILE_NAMES = ("vgg16-397923af.pth", "vgg16.pth", "vgg16.weight", "models/vgg16.weight")


def vgg16_features(layer: str = "relu5_3") -> nn.Sequential:
    """VGG16's convolutional trunk up to ``layer`` as the original builds it (no pool between
    relu4_3 and conv5_1). Module names are torchvision's ``features`` indices, so a torchvision
    ``vgg16`` state dict's ``features.*`` tensors load into it unchanged. Random weights."""
    if layer not in VGG_LAYER_INDICES:
        raise ValueError(f"unknown VGG layer {layer!r}; choose from {sorted(VGG_LAYER_INDICES)}")
    from collections import OrderedDict

    # torchvision's vgg16().features: 3x3 convs (each + ReLU) of these widths, "M" = 2x2 max-pool
    widths = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
    trunk, channels = [], 3
    for width in widths:
        if width == "M":
            trunk.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            conv = nn.Conv2d(channels, width, kernel_size=3, padding=1)
            nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")  # as torchvision's
            nn.init.zeros_(conv.bias)
            trunk += [conv, nn.ReLU(inplace=True)]
            channels = width
    return nn.Sequential(OrderedDict((str(i), trunk[i]) for i in VGG_LAYER_INDICES[layer]))


def find_vgg16_weights(path: str | os.PathLike) -> Path:
    """The VGG16 weights file named by ``path`` (the original's ``vgg_model_path``): the file
    itself, or a folder holding one of ``VGG16_FILE_NAMES`` (torchvision's download, or the
    original's ``models/vgg16.weight``). Raises ``FileNotFoundError`` saying what to download."""
    path = Path(path).expanduser()
    if path.is_file():
        return path
    if path.is_dir():
        for name in VGG16_FILE_NAMES:
            if (path / name).is_file():
                return path / name
    where = f"into {path}/" if path.is_dir() else f"to {path}"
    raise FileNotFoundError(f"vgg_w > 0 needs ImageNet VGG16 weights, not found at vgg_model_path={str(path)!r}: "
                            f"download {VGG16_URL} {where} (munit_lib never downloads it)")


class PerceptualLoss(nn.Module):
    r"""Domain-invariant perceptual loss: :math:`\mathrm{MSE}(IN(\phi(x_{ab})), IN(\phi(x_a)))`, where
    :math:`\phi` are VGG16 features (``relu5_3`` in the original code, ``relu4_3`` in the paper's
    text) and IN is instance normalisation, which removes the domain-specific feature statistics.
    As in the original network, there is no max-pool between relu4_3 and conv5_1: the features
    of relu4_3 and relu5_3 are both at 1/8 of the image (:func:`vgg16_features`).

    VGG16's ImageNet weights are never downloaded here: pass ``weights_path`` (a file or a folder,
    see :func:`find_vgg16_weights`) to torchvision's ``vgg16`` state dict (``VGG16_URL``) or to the
    original project's ``vgg16.weight``, or load a state dict later with :meth:`load_vgg_weights`.
    Without weights the loss refuses to run. Images are normalised as the weights expect:
    ImageNet mean/std on RGB in [0, 1] for torchvision's, BGR in [0, 255] minus the Caffe mean
    for the original's.
    """

    def __init__(self, layer: str = "relu5_3", weights_path: str | os.PathLike | None = None) -> None:
        super().__init__()
        self.layer = layer
        self.features = vgg16_features(layer).requires_grad_(False).eval()
        self.register_buffer("mean", torch.tensor(_IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(_IMAGENET_STD).view(1, 3, 1, 1))
        self.caffe_input = False  # True once the original's Caffe-converted weights are loaded
        self.weights_loaded = False
        if weights_path is not None:
            self.load_vgg_weights(find_vgg16_weights(weights_path))

    def load_vgg_weights(self, source: str | os.PathLike | dict) -> None:
        """Load VGG16 weights: a path or a state dict, in torchvision's layout (only ``features.*``
        are used) or the original project's (``conv1_1.weight`` ... ``conv5_3.bias``)."""
        state = source if isinstance(source, dict) else read_checkpoint(source)  # the one safe reader
        caffe = "conv1_1.weight" in state
        if caffe:  # the original's names -> torchvision's features indices
            features = {f"{index}.{kind}": state[f"{name}.{kind}"]
                        for name, index in zip(_CAFFE_CONVS, _TORCHVISION_CONV_INDEX)
                        for kind in ("weight", "bias") if f"{name}.{kind}" in state}
        else:
            features = {k[len("features."):]: v for k, v in state.items() if k.startswith("features.")}
        if not features:
            raise ValueError("this state dict has neither 'features.*' keys (torchvision's VGG16) nor "
                             "'conv1_1.weight' ... (the original's vgg16.weight): it is not a VGG16 checkpoint")
        wanted = self.features.state_dict()
        missing = [k for k in wanted if k not in features]
        if missing:
            raise ValueError(f"VGG16 weights lack {missing[:4]}...")
        mis_shaped = [f"{k}: file {tuple(getattr(features[k], 'shape', ()))} vs VGG16 {tuple(v.shape)}"
                      for k, v in wanted.items()
                      if not isinstance(features[k], torch.Tensor) or features[k].shape != v.shape]
        if mis_shaped:
            raise ValueError(f"these are not VGG16's weights: {'; '.join(mis_shaped[:3])}")
        self.features.load_state_dict({k: features[k] for k in wanted})
        self.caffe_input = caffe
        self.weights_loaded = True

    def train(self, mode: bool = True) -> "PerceptualLoss":
        super().train(mode)
        self.features.eval()  # VGG always stays in eval mode
        return self

    def preprocess(self, x: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] (B, C, H, W) -> what the loaded VGG16 weights expect (B, 3, H, W)."""
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)  # grey sketches: repeat to RGB
        if self.caffe_input:  # RGB [-1, 1] -> BGR [0, 255] minus the Caffe mean
            mean = torch.tensor(_CAFFE_MEAN_BGR, device=x.device, dtype=x.dtype).view(1, 3, 1, 1)
            return (x.flip(1) + 1) * 127.5 - mean
        return ((x + 1) / 2 - self.mean) / self.std  # [-1, 1] -> ImageNet normalisation

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] (B, 3, H, W) -> instance-normalised VGG features (B, 512, H/8, W/8)."""
        return instance_norm(self.features(self.preprocess(x)))

    def forward(self, translated: torch.Tensor, source: torch.Tensor) -> torch.Tensor:
        if not self.weights_loaded:
            raise RuntimeError("the perceptual loss needs VGG16 weights: pass weights_path=... or call "
                               "load_vgg_weights(); munit_lib never downloads them for you")
        return torch.mean((self.embed(translated) - self.embed(source)) ** 2)


# ----------------------------------------------------------------------------- a loss gone bad
class NonFiniteLossError(FloatingPointError):
    """A loss became NaN or infinite; raised before its backward pass, so no weight is touched."""

    def __init__(self, name: str, value: float, iteration: int | None = None) -> None:
        when = f" at iteration {iteration}" if iteration is not None else ""
        super().__init__(f"the {name} loss is {value}{when}; training stopped before its backward pass "
                         "(lower the learning rate, use fp32, or check the data for broken images)")
        self.name, self.value, self.iteration = name, value, iteration


def check_finite(losses: dict[str, torch.Tensor], prefix: str, iteration: int | None = None) -> None:
    """Raise :class:`NonFiniteLossError` when ``losses["total"]`` is NaN or infinite, naming the
    first scalar term that is (``prefix`` ``"dis"`` or ``"gen"`` is added unless the name has it).
    Entries that are not scalars (images a step returns beside its terms) are not looked at."""
    total = losses["total"].detach()
    if bool(torch.isfinite(total)):
        return
    bad = [k for k, v in losses.items() if k != "total" and v.dim() == 0 and not bool(torch.isfinite(v.detach()))]
    name = bad[0] if bad else "total"
    raise NonFiniteLossError(name if name.startswith(prefix) else f"{prefix}_{name}", float(total), iteration)
