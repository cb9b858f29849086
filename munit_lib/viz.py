"""Images out of the networks: tensors in [-1, 1] as pictures, the one grid
(``torchvision.utils.make_grid``), PNG files, and matplotlib figures.

Every place that shows or writes images (the trainer's samples, ``translate`` and ``demo``,
``save_translations``, the style explorer, the notebooks) goes through ``to_unit``,
``image_grid`` and ``save_png`` here. ``to_uint8`` (8-bit pixels) is
``munit_lib.data.transforms.to_uint8``, beside its inverse ``image_to_tensor``, re-exported here.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from torchvision.utils import make_grid, save_image

from .data.transforms import to_uint8  # the one conversion to pixels lives with its inverse, image_to_tensor

__all__ = ["to_unit", "to_image", "to_uint8", "image_grid", "save_png", "show_images", "show_grid"]


def to_unit(x: torch.Tensor) -> torch.Tensor:
    """Network images in [-1, 1] (any shape) -> float CPU tensor in [0, 1] (clamped): ``(x + 1) / 2``."""
    return (x.detach().float().cpu().clamp(-1, 1) + 1) / 2


def _one(x: torch.Tensor, who: str) -> torch.Tensor:
    """(C, H, W) or (1, C, H, W) -> (C, H, W)."""
    if x.dim() == 4:
        if x.shape[0] != 1:
            raise ValueError(f"{who} takes one image, got a batch of {x.shape[0]}")
        x = x[0]
    if x.dim() != 3:
        raise ValueError(f"{who} expects one image (C, H, W), got shape {tuple(x.shape)}")
    return x


def to_image(x: torch.Tensor) -> np.ndarray:
    """(C, H, W) or (1, C, H, W) in [-1, 1] -> (H, W, C) or (H, W) numpy array in [0, 1]."""
    x = to_unit(_one(x, "to_image")).permute(1, 2, 0)  # (C, H, W) -> (H, W, C)
    return x[..., 0].numpy() if x.shape[-1] == 1 else x.numpy()


def image_grid(rows: torch.Tensor | Sequence[Sequence[torch.Tensor]], padding: int = 2, pad_value: float = 1.0,
               border: bool = True) -> torch.Tensor:
    """A grid picture ``(3, H', W')`` in [0, 1] from images in [-1, 1], on ``make_grid``.

    ``rows``: a tensor ``(R, K, C, H, W)`` (row ``r``, column ``k``), or a list of rows of
    ``(C, H, W)`` images (a shorter or smaller image is padded with ``pad_value``). Gray images
    are shown in RGB beside colour ones. ``border=False`` leaves out the padding around the edge.
    """
    if isinstance(rows, torch.Tensor):
        if rows.dim() != 5:
            raise ValueError(f"image_grid expects (rows, columns, C, H, W), got shape {tuple(rows.shape)}")
        rows = [list(row) for row in rows]
    columns = max(len(row) for row in rows)
    h = max(x.shape[-2] for row in rows for x in row)
    w = max(x.shape[-1] for row in rows for x in row)
    blank = torch.full((3, h, w), float(pad_value))
    cells = []
    for row in rows:
        for k in range(columns):
            if k >= len(row):
                cells.append(blank)
                continue
            x = to_unit(row[k])
            x = x.expand(3, -1, -1) if x.shape[0] == 1 else x  # gray -> RGB
            cell = blank.clone()
            cell[:, : x.shape[1], : x.shape[2]] = x  # smaller images sit top-left on the padding colour
            cells.append(cell)
    grid = make_grid(torch.stack(cells), nrow=columns, padding=padding, pad_value=pad_value)  # (3, H', W')
    if not border and padding > 0 and len(cells) > 1:  # (make_grid pads no single image)
        grid = grid[:, padding:-padding, padding:-padding]
    return grid


def save_png(picture: torch.Tensor, path: str | os.PathLike) -> Path:
    """Write a picture ``(C, H, W)`` in [0, 1] (what ``image_grid`` returns, or ``to_unit(x)``) as PNG."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_image(picture, path)
    return path


def show_images(images: Sequence[torch.Tensor] | torch.Tensor, titles: Sequence[str] | None = None,
                ncols: int | None = None, size: float = 2.0, suptitle: str | None = None):
    """Show images side by side (rows of ``ncols``); returns the matplotlib figure."""
    import matplotlib.pyplot as plt  # here: matplotlib is needed for figures only (start-up time)

    images = list(images)
    ncols = ncols or len(images)
    nrows = (len(images) + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images):
            ax.imshow(to_image(images[i]), cmap="gray", vmin=0, vmax=1)
            if titles is not None and i < len(titles):
                ax.set_title(titles[i], fontsize=9)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def show_grid(rows: Sequence[Sequence[torch.Tensor]], row_titles: Sequence[str] | None = None,
              col_titles: Sequence[str] | None = None, size: float = 1.6):
    """Show a grid given as a list of rows of images; returns the figure."""
    import matplotlib.pyplot as plt  # here: matplotlib is needed for figures only (start-up time)

    nrows, ncols = len(rows), max(len(r) for r in rows)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for r, row in enumerate(rows):
        for c in range(ncols):
            ax = axes[r][c]
            ax.set_xticks([]), ax.set_yticks([])
            if c < len(row):
                ax.imshow(to_image(row[c]), cmap="gray", vmin=0, vmax=1)
            if c == 0 and row_titles:
                ax.set_ylabel(row_titles[r], fontsize=9)
            if r == 0 and col_titles and c < len(col_titles):
                ax.set_title(col_titles[c], fontsize=9)
    fig.tight_layout()
    return fig
