"""Pieces the baselines share: the PatchGAN layer stack, a noise/latent code tiled over an image,
the image pool, LSGAN losses as CycleGAN and BicycleGAN write them, initialisations and the
"constant, then linear decay" learning-rate schedule.

Layer indices inside ``nn.Sequential`` containers are chosen so that state-dict keys equal the
original implementations' (``model.0``, ``model.2``, ``model.5`` ...: activations and parameter-free
instance norms take an index too).
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from ..losses import discriminator_loss, generator_adversarial_loss
from ..networks import check_image

__all__ = ["patchgan_layers", "PatchGAN", "MultiPatchGAN", "tile_code", "ImagePool", "init_gaussian",
           "init_xavier", "lsgan_d_loss", "lsgan_g_loss", "check_images"]


def check_images(x: torch.Tensor, channels: int, min_size: int, who: str, multiple: int = 1) -> None:
    """Raise ``ValueError`` naming what is wrong with an image batch ``x`` (B, C, H, W): MUNIT's
    :func:`munit_lib.networks.check_image`, with the baselines' argument order."""
    check_image(x, channels, multiple, min_size, who, channels_hint="")


# ----------------------------------------------------------------------------- PatchGAN
def patchgan_layers(input_nc: int, ndf: int = 64, n_layers: int = 3) -> nn.Sequential:
    """The 70x70 PatchGAN of pix2pix/CycleGAN (at ``n_layers`` 3) as one ``nn.Sequential``:

    C(ndf, no norm) - C(2 ndf) - C(4 ndf) with 4x4 stride-2 convs, then C(8 ndf) at stride 1, then a
    stride-1 4x4 conv to one channel; LeakyReLU 0.2 after every conv but the last, non-affine
    instance norm after all but the first and the last. Widths stop growing at 8 ndf.
    Each output pixel sees a 70x70 patch of the input (receptive field of 3 stride-2 + 2 stride-1
    4x4 convs). Parameter indices: 0, 2, 5, 8, 11 at ``n_layers`` 3.
    """
    layers: list[nn.Module] = [nn.Conv2d(input_nc, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
    mult = 1
    for n in range(1, n_layers + 1):
        prev, mult = mult, min(2 ** n, 8)
        stride = 2 if n < n_layers else 1  # the last widening conv keeps the resolution
        layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride, 1), nn.InstanceNorm2d(ndf * mult),
                   nn.LeakyReLU(0.2, True)]
    layers.append(nn.Conv2d(ndf * mult, 1, 4, 1, 1))  # one real/fake score per patch
    return nn.Sequential(*layers)


class PatchGAN(nn.Module):
    """CycleGAN's discriminator: one :func:`patchgan_layers` stack under the name ``model``.
    (B, C, H, W) -> (B, 1, H/8 - 2, W/8 - 2) at ``n_layers`` 3 (30x30 at 256, 6x6 at 64)."""

    def __init__(self, input_nc: int = 3, ndf: int = 64, n_layers: int = 3) -> None:
        super().__init__()
        self.input_nc, self.n_layers = input_nc, n_layers
        self.model = patchgan_layers(input_nc, ndf, n_layers)

    @property
    def min_size(self) -> int:
        """Smallest input side: the two stride-1 4x4 convs need 2**n_layers * 4 pixels."""
        return 2 ** self.n_layers * 4

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_images(x, self.input_nc, self.min_size, "PatchGAN")
        return self.model(x)


class MultiPatchGAN(nn.Module):
    """BicycleGAN's ``num_d``-scale discriminator: PatchGAN ``model_0`` (ndf) on the image,
    ``model_1`` (ndf / 2) on the image average-pooled by 2 (3x3, stride 2, padding 1, padding not
    counted), and so on. Returns the list of score maps, finest first, as MUNIT's discriminator.
    At ndf 64: 2,764,737 + 694,241 = 3,458,978 parameters."""

    def __init__(self, input_nc: int = 3, ndf: int = 64, n_layers: int = 3, num_d: int = 2) -> None:
        super().__init__()
        self.input_nc, self.n_layers, self.num_d = input_nc, n_layers, num_d
        for i in range(num_d):
            setattr(self, f"model_{i}", patchgan_layers(input_nc, max(1, ndf // 2 ** i), n_layers))
        self.down = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)

    @property
    def min_size(self) -> int:
        return 2 ** self.n_layers * 4 * 2 ** (self.num_d - 1)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        check_images(x, self.input_nc, self.min_size, "MultiPatchGAN")
        scores = []
        for i in range(self.num_d):
            scores.append(getattr(self, f"model_{i}")(x))
            x = self.down(x)  # (B, C, H, W) -> (B, C, H/2, W/2)
        return scores


# ----------------------------------------------------------------------------- codes and pools
def tile_code(z: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """A code per image (B, nz) spread over every pixel: (B, nz) -> (B, nz, H, W), ready to be
    concatenated to a feature map as ``nz`` extra channels (BicycleGAN's and CycleGAN*'s way of
    feeding a latent to a convolutional generator)."""
    if z.dim() != 2:
        raise ValueError(f"a latent code must be shaped (B, nz); got {tuple(z.shape)}")
    return z[:, :, None, None].expand(-1, -1, height, width)


class ImagePool(nn.Module):
    """CycleGAN's history of generated images (Shrivastava et al. 2017): the discriminator is shown
    fakes from older generators too, which damps oscillation.

    Per image of a batch: while fewer than ``size`` are stored, store it and return it; afterwards,
    with probability 1/2 return a stored fake chosen uniformly and put the new one in its place,
    otherwise return the new one. ``size`` 0 returns the batch unchanged.

    The stored images, their count and the number of queries answered are buffers: they move with
    the model (``.to``) and travel in its state dict, so a resumed run shows its discriminator the
    same fakes. The draws of query ``q`` come from a generator seeded by ``(seed, q)``.
    """

    def __init__(self, size: int = 50, image_shape: tuple[int, int, int] = (3, 64, 64), seed: int = 0) -> None:
        super().__init__()
        if size < 0:
            raise ValueError(f"the image pool size cannot be negative, got {size}")
        self.size, self.seed = int(size), int(seed)
        self.register_buffer("images", torch.zeros(self.size, *image_shape))  # (size, C, H, W)
        self.register_buffer("count", torch.zeros((), dtype=torch.long))  # images stored so far
        self.register_buffer("queries", torch.zeros((), dtype=torch.long))  # queries answered

    @torch.no_grad()
    def query(self, batch: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) fakes -> (B, C, H, W) fakes to show the discriminator (detached)."""
        batch = batch.detach()
        if self.size == 0:
            return batch
        if tuple(batch.shape[1:]) != tuple(self.images.shape[1:]):
            raise ValueError(f"this pool stores images shaped {tuple(self.images.shape[1:])}, got a batch "
                             f"{tuple(batch.shape)}: build the model with the training image size")
        g = torch.Generator().manual_seed(self.seed * 1_000_003 + int(self.queries))
        self.queries += 1
        out = []
        for image in batch:
            n = int(self.count)
            if n < self.size:  # not full yet: keep it and show it
                self.images[n] = image
                self.count += 1
                out.append(image)
            elif float(torch.rand((), generator=g)) > 0.5:  # show an old fake, keep the new one instead
                k = int(torch.randint(self.size, (), generator=g))
                out.append(self.images[k].clone())
                self.images[k] = image
            else:
                out.append(image)
        return torch.stack(out)

    def stored(self) -> torch.Tensor:
        """The images stored so far, (count, C, H, W)."""
        return self.images[: int(self.count)]

    def extra_repr(self) -> str:
        return f"size={self.size}, image_shape={tuple(self.images.shape[1:])}"


# ----------------------------------------------------------------------------- losses
def lsgan_d_loss(fake_scores: torch.Tensor | Sequence[torch.Tensor],
                 real_scores: torch.Tensor | Sequence[torch.Tensor], scale: float = 1.0) -> torch.Tensor:
    r"""LSGAN discriminator loss summed over scales, times ``scale``:
    :math:`s\,(\mathbb E[D(x_{fake})^2] + \mathbb E[(D(x_{real}) - 1)^2])` (CycleGAN uses s = 1/2)."""
    return scale * discriminator_loss(fake_scores, real_scores, "lsgan")


def lsgan_g_loss(fake_scores: torch.Tensor | Sequence[torch.Tensor]) -> torch.Tensor:
    r"""LSGAN generator loss summed over scales: :math:`\mathbb E[(D(x_{fake}) - 1)^2]`."""
    return generator_adversarial_loss(fake_scores, "lsgan")


# ----------------------------------------------------------------------------- init and schedule
def init_gaussian(module: nn.Module, std: float = 0.02) -> nn.Module:
    """CycleGAN's init: every conv / transposed conv / linear weight ~ N(0, std), biases 0."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return module


def init_xavier(module: nn.Module, gain: float = 0.02) -> nn.Module:
    """BicycleGAN's init: Xavier-normal weights with ``gain`` 0.02 (about 50 times smaller than
    the usual gain of 1), biases 0."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.xavier_normal_(m.weight, gain=gain)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return module
