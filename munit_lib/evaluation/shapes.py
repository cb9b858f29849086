"""Ground truth read back from pixels on the shapes domains, and the measures on images built on it.

The *readers* look at an image alone (a sample, or a generator's output) and return what the
shapes generator (``munit_lib.data.shapes``) would have recorded:

* ``sketch_mask``: the shape's region in a sketch = dark outline + everything the outline
  encloses. The background is what a flood fill from the border reaches through light pixels.
* ``painting_mask``: pixels that differ from the background colour, estimated as the median
  colour of the image's border.
* ``classify_colour``: each shape pixel votes for its nearest colour in the palette or in the
  palette's darker shade (the texture's ink); the most voted colour wins.
* ``classify_texture``: which shape pixels are in the darker shade, and how they are arranged.
  With the dark fraction ``f`` and the share ``s`` of the dark pattern's variance explained by
  rows (or by columns): solid has ``f ~ 0``; stripes are constant along rows, ``s ~ 1``; checks
  alternate along rows and columns, ``s ~ 0``; dots lie between (``s ~ 1/3``) and cover less
  (``f ~ 0.28`` against 0.5). ``texture_statistics`` returns the two numbers themselves.

Each reader is validated against the ground truth in ``tests/test_evaluation_shapes.py`` (>= 95%
agreement at 32 and 64 px). The *measures* built on them compare images:

* ``content_iou``: IoU of the source's shape region with the translation's (content kept?),
* ``style_diversity``: how many palette colours and textures the outputs for one input reach,
* ``example_guided_fidelity``: how often an output takes the colour (and texture) of its reference.

``munit_lib.evaluation.shapes_score`` scores a whole model with them.

Images may be float tensors in [-1, 1] shaped (3, H, W) or (B, 3, H, W), uint8 tensors or numpy
arrays (H, W, 3) / (B, H, W, 3), PIL images, or lists of these. Readers return a bool tensor
(H, W) for one image or (B, H, W) for a batch, and a name or a list of names; the measures
return plain Python numbers, lists and dicts.
"""
from __future__ import annotations

import warnings
from typing import Optional, Union

import numpy as np
import torch
from PIL import Image
from torch.nn import functional as F

from ..data.shapes import PALETTE, TEXTURES, shade

__all__ = ["sketch_mask", "painting_mask", "shape_mask", "classify_colour", "classify_texture", "texture_statistics",
           "mask_iou", "content_iou", "style_diversity", "example_guided_fidelity", "MIN_TEXTURE_SIZE"]

MIN_TEXTURE_SIZE = 32  # textures (period 3/16 of the image) are read reliably from 32 px up
_COLOURS = list(PALETTE)
# (16, 3) in [0, 1]: the 8 fill colours, then their darker shades (same order)
_REFERENCE = torch.tensor([PALETTE[c] for c in _COLOURS] + [shade(c) for c in _COLOURS], dtype=torch.float32) / 255


# ----------------------------------------------------------------------------- inputs
def _as_batch(images) -> tuple[torch.Tensor, bool]:
    """Any supported image input -> (float (B, 3, H, W) in [0, 1], whether it was one image)."""
    if isinstance(images, (list, tuple)):
        if not images:
            raise ValueError("got an empty list of images")
        parts = [_as_batch(im)[0] for im in images]
        if len({p.shape[1:] for p in parts}) != 1:
            raise ValueError(f"images in a list must share one size, got {sorted({tuple(p.shape[1:]) for p in parts})}")
        return torch.cat(parts), False
    if isinstance(images, Image.Image):
        images = np.asarray(images.convert("RGB"))
    if isinstance(images, np.ndarray):
        if images.dtype != np.uint8:
            raise TypeError(f"numpy images must be uint8 (H, W, 3), got dtype {images.dtype}; "
                            "pass float images as torch tensors in [-1, 1]")
        x = torch.from_numpy(np.array(images))  # a writable copy
        x = x.unsqueeze(-1) if x.dim() == 2 else x  # (H, W) gray -> (H, W, 1)
        x = x.movedim(-1, -3)  # (..., H, W, C) -> (..., C, H, W)
    elif isinstance(images, torch.Tensor):
        x = images.detach().cpu()
    else:
        raise TypeError(f"unsupported image type {type(images).__name__}: use tensors in [-1, 1], "
                        "uint8 arrays (H, W, 3) or PIL images")
    single = x.dim() == 3
    if single:
        x = x.unsqueeze(0)
    if x.dim() != 4 or x.shape[1] not in (1, 3):
        raise ValueError(f"expected images shaped (3, H, W) or (B, 3, H, W), got {tuple(images.shape)}")
    x = x.float() / 255 if x.dtype == torch.uint8 else (x.float().clamp(-1, 1) + 1) / 2
    if x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)  # gray -> RGB
    return x, single


def _as_masks(mask, like: torch.Tensor) -> torch.Tensor:
    """Mask(s) -> bool (B, H, W) matching the batch ``like`` (B, 3, H, W)."""
    m = torch.as_tensor(np.asarray(mask) if not isinstance(mask, torch.Tensor) else mask).bool()
    if m.dim() == 2:
        m = m.unsqueeze(0)
    if m.shape != (like.shape[0], *like.shape[2:]):
        raise ValueError(f"mask shape {tuple(m.shape)} does not match images {tuple(like.shape)}")
    return m


def _dilate4(x: torch.Tensor) -> torch.Tensor:
    """Grow a 0/1 map (B, 1, H, W) by one pixel to its 4 neighbours (up, down, left, right)."""
    rows = F.max_pool2d(x, (3, 1), stride=1, padding=(1, 0))
    cols = F.max_pool2d(x, (1, 3), stride=1, padding=(0, 1))
    return torch.maximum(rows, cols)


def _erode4(mask: torch.Tensor) -> torch.Tensor:
    """Shrink a bool mask (B, H, W) by one pixel (the complement of dilating the complement)."""
    return ~(_dilate4((~mask).float().unsqueeze(1)).squeeze(1) > 0)


def _border(x: torch.Tensor) -> torch.Tensor:
    """The pixels of a one-pixel frame: (B, C, H, W) -> (B, C, 2H + 2W - 4)."""
    return torch.cat([x[..., 0, :], x[..., -1, :], x[..., 1:-1, 0], x[..., 1:-1, -1]], dim=-1)


def _spread_along_rows(marked: torch.Tensor, open_: torch.Tensor) -> torch.Tensor:
    """One sweep of a scanline flood fill. ``marked``, ``open_``: bool (B, H, W).

    Each row splits into runs of open pixels, cut by closed ones; a run that holds a marked pixel
    becomes marked in full. Equal to dilating within the open pixels along the row until it stops,
    in one pass: a run's id is the count of closed pixels before it (cumsum), offset per row.
    """
    b, h, w = open_.shape
    run = (~open_).long().cumsum(-1) + (w + 1) * torch.arange(b * h).view(b, h, 1)  # (B, H, W) run ids
    hit = torch.zeros(b * h * (w + 1), dtype=torch.bool)
    hit[run[marked & open_]] = True  # runs that hold a marked pixel
    return hit[run] & open_


def _rgb_distance(x: torch.Tensor, colour: torch.Tensor) -> torch.Tensor:
    """Euclidean RGB distance (B, H, W) of each pixel of ``x`` (B, 3, H, W) to ``colour``
    (B, 3, 1, 1). Written per channel: ``norm(dim=1)`` reduces across channels several times slower."""
    diff = x - colour
    return (diff[:, 0] ** 2 + diff[:, 1] ** 2 + diff[:, 2] ** 2).sqrt()


def _unbatch(masks: torch.Tensor, single: bool) -> torch.Tensor:
    return masks[0] if single else masks


# ----------------------------------------------------------------------------- readers: masks
def sketch_mask(image, min_contrast: float = 0.2) -> torch.Tensor:
    """The shape region of a sketch: the dark outline and everything it encloses.

    1. Luminance ``Y``; paper = median of the border, ink = 2nd percentile; a pixel is *dark*
       if it is closer to the ink than to the paper.
    2. Background = light pixels connected to the border: start from the light border pixels and
       spread through light pixels, along rows then along columns, until nothing changes
       (``_spread_along_rows``; steps between 4-neighbours only, so a diagonal gap between two
       anti-aliased line pixels does not leak).
    3. Shape = not background. Images with less than ``min_contrast`` between ink and paper
       (no drawing at all) get an empty mask.
    """
    x, single = _as_batch(image)
    y = (0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]).unsqueeze(1)  # (B, 1, H, W) luminance
    paper = _border(y).median(dim=-1).values  # (B, 1)
    ink = y.flatten(1).quantile(0.02, dim=1, keepdim=True)  # (B, 1)
    half = 0.5 / 255  # a pixel exactly half covered by ink counts as dark, as in the ground truth
    light = (y > ((paper + ink) / 2 + half)[..., None, None]).squeeze(1)  # (B, H, W)
    background = torch.zeros_like(light)
    background[:, 0, :], background[:, -1, :], background[:, :, 0], background[:, :, -1] = True, True, True, True
    background &= light  # seeds: the light border pixels
    for _ in range(y.shape[-1] * y.shape[-2]):  # flood fill; each round has at least one new pixel
        before = background
        background = _spread_along_rows(background, light)
        background = _spread_along_rows(background.transpose(1, 2), light.transpose(1, 2)).transpose(1, 2)  # columns
        if torch.equal(background, before):
            break
    masks = ~background  # (B, H, W)
    masks &= ((paper - ink) >= min_contrast)[..., None]  # blank images: no shape
    return _unbatch(masks, single)


def painting_mask(image, min_contrast: float = 0.1) -> torch.Tensor:
    """The shape region of a painting: pixels far from the background colour.

    The background colour is the median of the border pixels. With ``d`` each pixel's RGB
    distance to it, the typical shape distance ``ref`` is the lower quartile of ``d`` over the
    pixels clearly off the background (the lighter fill, rather than the texture's darker ink);
    a pixel belongs to the shape when ``d > ref / 2``, i.e. when the shape covers at least half
    of it, the rule the ground-truth masks use.
    """
    x, single = _as_batch(image)
    bg = _border(x).median(dim=-1).values  # (B, 3)
    d = _rgb_distance(x, bg[..., None, None]).flatten(1)  # (B, H*W) distance to the background colour
    top = d.quantile(0.99, dim=1, keepdim=True)  # (B, 1)
    clear = torch.where(d > 0.35 * top, d, torch.full_like(d, float("nan")))  # clearly off the background
    ref = clear.nanquantile(0.25, dim=1, keepdim=True)  # (B, 1)
    masks = (d >= ref / 2 - 2 / 255) & (top >= min_contrast)  # half-covered (+- rounding) is in; blank: none
    return _unbatch(masks.view(x.shape[0], *x.shape[2:]), single)


def shape_mask(image, domain: str) -> torch.Tensor:
    """``sketch_mask`` for domain ``"a"`` (sketches), ``painting_mask`` for ``"b"`` (paintings)."""
    return sketch_mask(image) if _domain(domain) == "a" else painting_mask(image)


def _domain(domain: str) -> str:
    names = {"a": "a", "sketch": "a", "sketches": "a", "b": "b", "painting": "b", "paintings": "b"}
    key = str(domain).lower()
    if key not in names:
        raise ValueError(f"unknown domain {domain!r}; use 'a' (sketches) or 'b' (paintings)")
    return names[key]


# ----------------------------------------------------------------------------- readers: style
def _nearest_reference(x: torch.Tensor, chunk: int = 32) -> torch.Tensor:
    """Index (B, H, W) of each pixel's nearest reference colour (16: palette, then shades).

    ``argmin_k |p - r_k|^2 = argmin_k (|r_k|^2 - 2 p . r_k)``: one matrix product per chunk.
    """
    r2 = (_REFERENCE ** 2).sum(1)  # (16,)
    # (b, 3, H, W) -> (b, H, W, 3) @ (3, 16) -> (b, H, W, 16)
    out = [(r2 - 2 * (part.permute(0, 2, 3, 1) @ _REFERENCE.T)).argmin(-1) for part in x.split(chunk)]
    return torch.cat(out)


def _interior(masks: torch.Tensor) -> torch.Tensor:
    """Masks (B, H, W) shrunk by one pixel (off the anti-aliased edge), except where that
    would leave fewer than 12 pixels."""
    inner = _erode4(masks)
    small = inner.flatten(1).sum(1) < 12  # (B,)
    return torch.where(small[:, None, None], masks, inner)


def _masks_for(x: torch.Tensor, mask) -> torch.Tensor:
    if mask is None:
        return painting_mask(x * 2 - 1).reshape(x.shape[0], *x.shape[2:])
    return _as_masks(mask, x)


def _colour_votes(x: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """Votes (B, 8) of each image's interior pixels for the palette colours."""
    b, n = x.shape[0], len(_COLOURS)
    colour = _nearest_reference(x) % n  # (B, H, W): a shade counts for its colour
    key = colour + n * torch.arange(b).view(b, 1, 1)  # (image, colour) -> one bin
    return torch.bincount(key[_interior(masks)], minlength=b * n).view(b, n)


def classify_colour(image, mask=None) -> Union[Optional[str], list]:
    """The palette colour of a painting's shape (``mask``: its region, found with
    ``painting_mask`` when not given). Each interior pixel votes for its nearest colour among
    the palette and the palette's darker shades (a shade votes for its colour); the mode wins.
    ``None`` when the mask is empty."""
    x, single = _as_batch(image)
    masks = _masks_for(x, mask)
    votes = _colour_votes(x, masks)
    out = [_COLOURS[int(v.argmax())] if m.any() else None for v, m in zip(votes, masks)]
    return out[0] if single else out


def _texture_statistics(dark: torch.Tensor, masks: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Dark fraction ``f`` (B,) and the share ``s`` (B,) of the dark map's variance that rows, or
    columns, explain (the larger): ``s = sum_r n_r (f_r - f)^2 / (n f (1 - f))``, with ``n_r``
    the mask's pixels in row ``r`` and ``f_r`` their dark fraction. ``dark``, ``masks``: (B, H, W)."""
    m = masks.float()
    d = (dark & masks).float()
    n = m.flatten(1).sum(1).clamp(min=1)  # (B,)
    f = d.flatten(1).sum(1) / n  # (B,)
    shares = []
    for axis in (2, 1):  # sum along a row (per row), then along a column (per column)
        count, hits = m.sum(axis), d.sum(axis)  # (B, H) or (B, W)
        fr = hits / count.clamp(min=1)
        shares.append((count * (fr - f[:, None]) ** 2).sum(1) / (n * f * (1 - f)).clamp(min=1e-12))
    return f, torch.maximum(*shares)


def _read_texture(image, mask, colour, caller: str):
    """What both texture readers share: (f (B,), s (B,), colours, masks (B, H, W), single)."""
    x, single = _as_batch(image)
    if x.shape[-1] < MIN_TEXTURE_SIZE or x.shape[-2] < MIN_TEXTURE_SIZE:
        warnings.warn(f"{caller} is validated from {MIN_TEXTURE_SIZE} px; "
                      f"{x.shape[-2]}x{x.shape[-1]} images give unreliable answers", stacklevel=3)
    masks = _masks_for(x, mask)
    if colour is None:
        colour = classify_colour(x * 2 - 1, masks)
    colours = [colour] * x.shape[0] if isinstance(colour, str) or colour is None else list(colour)
    if len(colours) != x.shape[0]:
        raise ValueError(f"got {len(colours)} colours for {x.shape[0]} images")
    for c in colours:
        if c is not None and c not in PALETTE:
            raise ValueError(f"unknown colour {c!r}; known colours: {', '.join(PALETTE)}")
    known = [c or _COLOURS[0] for c in colours]  # placeholder where no colour was found
    fill = torch.tensor([PALETTE[c] for c in known], dtype=torch.float32)[..., None, None] / 255  # (B, 3, 1, 1)
    ink = torch.tensor([shade(c) for c in known], dtype=torch.float32)[..., None, None] / 255
    dark = _rgb_distance(x, ink) < _rgb_distance(x, fill)  # (B, H, W): in the darker shade
    f, s = _texture_statistics(dark, _interior(masks))
    return f, s, colours, masks, single


def texture_statistics(image, mask=None, colour=None) -> Union[tuple[float, float], list]:
    """The two numbers ``classify_texture`` reads a painting's texture from, as ``(f, s)``: ``f``
    the fraction of the shape's interior in the colour's darker shade, ``s`` the share of those
    dark pixels' variance that rows, or columns, explain (1 for perfect stripes, 0.29-0.58 for
    dots, under 0.15 for checks). One pair per image (a list for a batch); ``(nan, nan)`` where
    no shape or no palette colour is found. Arguments as for ``classify_texture``.

    A diagnostic: it tells a pattern that is there but misread (stripes slightly out of line, ``s``
    near 0.8) from one that is not drawn (``s`` near that of dots or checks)."""
    f, s, colours, masks, single = _read_texture(image, mask, colour, "texture_statistics")
    out = [(fi, si) if ci is not None and mi.any() else (float("nan"), float("nan"))
           for fi, si, ci, mi in zip(f.tolist(), s.tolist(), colours, masks)]
    return out[0] if single else out


def classify_texture(image, mask=None, colour=None) -> Union[Optional[str], list]:
    """The texture of a painting's shape: ``"solid"``, ``"stripes"``, ``"dots"`` or ``"checks"``.

    Interior pixels nearer the colour's darker shade than the colour itself are *dark*. With
    ``f`` their fraction and ``s`` the share of their variance explained by rows or columns
    (``texture_statistics``): ``f < 0.08`` -> solid; ``s > 0.8`` -> stripes;
    ``s > 0.22`` -> dots; else checks. (On 400 samples at 32 px: stripes have ``s >= 0.99``,
    dots 0.29-0.58, checks <= 0.15; the thresholds sit between.) ``colour`` (a name, or one per image) is read with
    ``classify_colour`` when not given. ``None`` when the mask is empty. Reliable from
    ``MIN_TEXTURE_SIZE`` px (a warning below).
    """
    f, s, colours, masks, single = _read_texture(image, mask, colour, "classify_texture")
    out = []
    for fi, si, ci, mi in zip(f.tolist(), s.tolist(), colours, masks):
        if ci is None or not mi.any():
            out.append(None)
        elif fi < 0.08:
            out.append("solid")
        elif si > 0.8:
            out.append("stripes")
        elif si > 0.22:
            out.append("dots")
        else:
            out.append("checks")
    return out[0] if single else out


# ----------------------------------------------------------------------------- measures
def mask_iou(a, b) -> list:
    """Per-pair intersection over union of two bool mask batches (B, H, W) (or single masks);
    two empty masks count as 1.0 (they agree)."""
    a, b = torch.as_tensor(a).bool(), torch.as_tensor(b).bool()
    if a.shape != b.shape:
        raise ValueError(f"masks differ in shape: {tuple(a.shape)} vs {tuple(b.shape)}")
    a, b = a.reshape(-1, *a.shape[-2:]), b.reshape(-1, *b.shape[-2:])
    inter = (a & b).flatten(1).sum(1).float()
    union = (a | b).flatten(1).sum(1).float()
    return torch.where(union > 0, inter / union.clamp(min=1), torch.ones_like(union)).tolist()


def content_iou(source_images, source_domain: str, translated_images, target_domain: str) -> dict:
    """Content preservation: IoU between the shape region of each source image and that of its
    translation (read with the reader of each image's domain), so it works for a -> b and b -> a.

    Returns ``{"mean": float, "per_pair": [float, ...]}``; the ideal translation scores 1.0.
    """
    src = shape_mask(source_images, source_domain)
    out = shape_mask(translated_images, target_domain)
    src, out = src.reshape(-1, *src.shape[-2:]), out.reshape(-1, *out.shape[-2:])
    if src.shape[0] != out.shape[0]:
        raise ValueError(f"got {src.shape[0]} source images but {out.shape[0]} translations; pass one per source")
    if src.shape[1:] != out.shape[1:]:
        raise ValueError(f"source images are {tuple(src.shape[1:])} but translations {tuple(out.shape[1:])}; "
                         "resize one to the other")
    per_pair = mask_iou(src, out)
    return {"mean": float(np.mean(per_pair)), "per_pair": per_pair}


def style_diversity(outputs_for_one_input) -> dict:
    """How many styles the outputs for one input reach (all paintings of one sketch).

    Returns ``{"n_outputs", "colours": [names], "n_colours", "colour_coverage" (of the 8),
    "textures": [names], "n_textures", "texture_coverage" (of the 4), "n_styles" (distinct
    colour-texture pairs), "style_coverage" (of the 32)}``. Outputs whose shape cannot be
    found count for no colour and no texture.
    """
    x, _ = _as_batch(outputs_for_one_input)
    masks = painting_mask(x * 2 - 1)
    colours = classify_colour(x * 2 - 1, masks)
    textures = classify_texture(x * 2 - 1, masks, colours)
    found_c = sorted({c for c in colours if c is not None}, key=_COLOURS.index)
    found_t = sorted({t for t in textures if t is not None}, key=TEXTURES.index)
    styles = {(c, t) for c, t in zip(colours, textures) if c is not None and t is not None}
    return {
        "n_outputs": int(x.shape[0]),
        "colours": found_c, "n_colours": len(found_c), "colour_coverage": len(found_c) / len(_COLOURS),
        "textures": found_t, "n_textures": len(found_t), "texture_coverage": len(found_t) / len(TEXTURES),
        "n_styles": len(styles), "style_coverage": len(styles) / (len(_COLOURS) * len(TEXTURES)),
    }


def example_guided_fidelity(outputs, references) -> dict:
    """Example-guided translation: output ``i`` was made with the style of painting ``references[i]``.

    Returns ``{"colour": fraction of outputs whose colour equals their reference's,
    "texture": the same for the texture, "both": both equal, "n": number of pairs}``.
    """
    xo, _ = _as_batch(outputs)
    xr, _ = _as_batch(references)
    if xo.shape[0] != xr.shape[0]:
        raise ValueError(f"got {xo.shape[0]} outputs but {xr.shape[0]} references; pass one reference per output")
    co, cr = classify_colour(xo * 2 - 1), classify_colour(xr * 2 - 1)
    to, tr = classify_texture(xo * 2 - 1, colour=co), classify_texture(xr * 2 - 1, colour=cr)
    same_c = [a is not None and a == b for a, b in zip(co, cr)]
    same_t = [a is not None and a == b for a, b in zip(to, tr)]
    n = len(same_c)
    return {"colour": sum(same_c) / n, "texture": sum(same_t) / n,
            "both": sum(c and t for c, t in zip(same_c, same_t)) / n, "n": n}
