"""Drawing images and grids with matplotlib (images in [-1, 1], as the networks use)."""
from __future__ import annotations

from typing import Sequence

import torch

__all__ = ["to_image", "show_images", "show_grid"]


def to_image(x: torch.Tensor):
    """(C, H, W) or (1, C, H, W) in [-1, 1] -> (H, W, C) or (H, W) numpy array in [0, 1]."""
    x = x.detach().float().cpu()
    if x.dim() == 4:
        if x.shape[0] != 1:
            raise ValueError(f"to_image takes one image, got a batch of {x.shape[0]}")
        x = x[0]
    x = ((x.clamp(-1, 1) + 1) / 2).permute(1, 2, 0)  # (C, H, W) -> (H, W, C)
    return x[..., 0].numpy() if x.shape[-1] == 1 else x.numpy()


def show_images(images: Sequence[torch.Tensor] | torch.Tensor, titles: Sequence[str] | None = None,
                ncols: int | None = None, size: float = 2.0, suptitle: str | None = None):
    """Show images side by side (rows of ``ncols``); returns the matplotlib figure."""
    import matplotlib.pyplot as plt

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
    import matplotlib.pyplot as plt

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
