"""The paper's image pipeline: resize the short side, crop, flip, scale to [-1, 1].

MUNIT trains on random ``crop x crop`` patches of images whose short side was resized to
``new_size`` (256 and 256 for edges2shoes), flipped left-right at random. The generators end in
``tanh``, so images are fed in the same range: ``x = 2 * pixel / 255 - 1``.

At test time we take the centre crop, so that an evaluation sees the same pixels every run
(the original code kept the random crop in its test loaders as well).
"""
from __future__ import annotations

from typing import Union

import numpy as np
import torch
from PIL import Image
from torchvision import transforms as T

__all__ = ["train_transform", "test_transform", "ConvertMode", "image_to_tensor", "to_uint8", "tensor_to_uint8"]

ImageLike = Union[Image.Image, np.ndarray, torch.Tensor]


class ConvertMode:
    """Convert a PIL image to ``"RGB"`` (3 channels) or ``"L"`` (1 channel).

    A class rather than a lambda so that data-loader worker processes can pickle it.
    """

    def __init__(self, channels: int = 3) -> None:
        if channels not in (1, 3):
            raise ValueError(f"channels must be 1 (grayscale) or 3 (RGB), got {channels}")
        self.mode = "L" if channels == 1 else "RGB"

    def __call__(self, img: Image.Image) -> Image.Image:
        return img if img.mode == self.mode else img.convert(self.mode)

    def __repr__(self) -> str:
        return f"ConvertMode({self.mode!r})"


def _check_sizes(new_size: int, crop: int) -> None:
    if int(crop) < 1 or int(new_size) < 1:
        raise ValueError(f"new_size and crop must be positive, got new_size={new_size}, crop={crop}")
    if new_size < crop:
        raise ValueError(f"new_size={new_size} is smaller than crop={crop}: the resized image "
                         "would be smaller than the crop; use new_size >= crop")


def _to_pm1(channels: int) -> list:
    """PIL image -> float tensor (C, H, W) in [-1, 1]: ``ToTensor`` gives [0, 1], then (x - 0.5) / 0.5."""
    return [T.ToTensor(), T.Normalize([0.5] * channels, [0.5] * channels)]


def train_transform(new_size: int = 256, crop: int = 256, channels: int = 3) -> T.Compose:
    """Training pipeline: short side -> ``new_size``, random ``crop x crop``, random horizontal
    flip, tensor in [-1, 1] with ``channels`` channels. Images smaller than ``new_size`` are
    upscaled, so even a tiny image yields a full crop."""
    _check_sizes(new_size, crop)
    return T.Compose([
        ConvertMode(channels),
        T.Resize(new_size, interpolation=T.InterpolationMode.BILINEAR, antialias=True),  # short side
        T.RandomCrop(crop),
        T.RandomHorizontalFlip(),
        *_to_pm1(channels),
    ])


def test_transform(new_size: int = 256, crop: int = 256, channels: int = 3) -> T.Compose:
    """Evaluation pipeline: short side -> ``new_size``, centre ``crop x crop``, tensor in [-1, 1]."""
    _check_sizes(new_size, crop)
    return T.Compose([
        ConvertMode(channels),
        T.Resize(new_size, interpolation=T.InterpolationMode.BILINEAR, antialias=True),
        T.CenterCrop(crop),
        *_to_pm1(channels),
    ])


# the name says what it builds; keep pytest from collecting it as a test when imported into a test module
test_transform.__test__ = False  # type: ignore[attr-defined]


def image_to_tensor(image: ImageLike) -> torch.Tensor:
    """An 8-bit image (PIL, or a uint8 array / tensor shaped (H, W, C) or (H, W)) -> float
    tensor (C, H, W) in [-1, 1]."""
    x = image if isinstance(image, torch.Tensor) else torch.from_numpy(np.array(image))  # a writable copy
    if x.dtype != torch.uint8:
        raise TypeError(f"image_to_tensor expects 8-bit pixels, got dtype {x.dtype}")
    if x.dim() == 2:
        x = x.unsqueeze(-1)  # (H, W) -> (H, W, 1)
    if x.dim() != 3:
        raise ValueError(f"image_to_tensor expects (H, W) or (H, W, C), got shape {tuple(x.shape)}")
    x = x.permute(2, 0, 1).float()  # (H, W, C) -> (C, H, W)
    return x / 127.5 - 1.0


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """One image ``(C, H, W)`` or ``(1, C, H, W)`` in [-1, 1] -> uint8 array ``(H, W, C)``, rounded and
    clamped: ``round(127.5 (x + 1))``. The inverse of ``image_to_tensor`` and the one conversion of
    network images to pixels (``munit_lib.viz`` shows and writes pictures with it)."""
    if x.dim() == 4:
        if x.shape[0] != 1:
            raise ValueError(f"to_uint8 takes one image, got a batch of {x.shape[0]}")
        x = x[0]  # (1, C, H, W) -> (C, H, W)
    if x.dim() != 3:
        raise ValueError(f"to_uint8 expects one image (C, H, W), got shape {tuple(x.shape)}")
    x = ((x.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return x.permute(1, 2, 0).numpy()  # (C, H, W) -> (H, W, C)


def tensor_to_uint8(x: torch.Tensor) -> np.ndarray:
    """Float tensor (C, H, W) in [-1, 1] -> uint8 array (H, W, C) (rounded, clamped): the
    inverse of ``image_to_tensor``, by :func:`to_uint8` (the one conversion)."""
    if x.dim() != 3:
        raise ValueError(f"tensor_to_uint8 expects one image (C, H, W), got shape {tuple(x.shape)}")
    return to_uint8(x)
