"""Ground-truth measures for the shapes domains: read the factors back from pixels, then score
translations with them.

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

Each reader is validated against the ground truth in ``tests/test_shapes_metrics.py`` (>= 95%
agreement at 32 and 64 px). The *measures* built on them score a model:

* ``content_iou``: IoU of the source's shape region with the translation's (content kept?),
* ``style_diversity``: how many palette colours and textures the outputs for one input reach,
* ``example_guided_fidelity``: how often an output takes the colour (and texture) of its reference.

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

from .data.shapes import PALETTE, TEXTURES, shade

__all__ = ["sketch_mask", "painting_mask", "shape_mask", "classify_colour", "classify_texture", "texture_statistics",
           "mask_iou", "content_iou", "style_diversity", "example_guided_fidelity", "score_shapes_model",
           "ideal_style_coverage", "ideal_coverage", "linear_probe_accuracy", "factor_probes", "model_texture_anchor",
           "SHAPES_TARGETS", "MIN_TEXTURE_SIZE"]

# What a shapes model must reach, and what it aims at, as (must, aim) per score of
# score_shapes_model (issue 8; pairs with 64 styles: see ideal_style_coverage for why not 16)
SHAPES_TARGETS = {"content_iou_a2b": (0.92, 0.95), "content_iou_b2a": (0.92, 0.95), "colour_coverage": (0.90, 1.0),
                  "pair_coverage": (0.60, 0.80), "guided_colour": (0.95, 0.99), "guided_texture": (0.60, 0.80)}
_FRESH_STREAM = 7919  # score_shapes_model's *_fresh styles: seed + this, apart from the shared draws
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


# ----------------------------------------------------------------------------- scoring a model
def ideal_coverage(n_classes: int, num_styles: int) -> float:
    """Expected share of ``n_classes`` equally likely classes that ``num_styles`` independent draws
    reach: ``1 - (1 - 1/n_classes) ** num_styles``. For the 8 colours and 16 styles it is 0.882: a
    model whose random styles give every colour as often as the data do reaches all 8 with 16
    codes only about one draw in three (the coupon collector), and 7 of them on average."""
    if n_classes < 1 or num_styles < 0:
        raise ValueError(f"need n_classes >= 1 and num_styles >= 0, got {n_classes} and {num_styles}")
    return 1.0 - (1.0 - 1.0 / n_classes) ** int(num_styles)


def ideal_style_coverage(num_styles: int) -> float:
    """Expected share of the 32 colour-texture pairs that ``num_styles`` outputs reach when each
    output's style is an independent draw from the data's own style distribution (colour and
    texture uniform and independent, so every pair has probability 1/32):
    ``E[pairs reached] / 32 = 1 - (31/32) ** num_styles``. A model cannot be expected to beat it
    in the mean, and no model can exceed ``min(num_styles, 32) / 32``: 0.398 (ceiling 0.5) with 16
    styles, 0.869 with 64."""
    return ideal_coverage(len(_COLOURS) * len(TEXTURES), num_styles)


def model_texture_anchor(gen) -> str:
    """The ``texture_anchor`` of the shapes data a generator was trained on: its config's, or
    ``"canvas"`` for a config without the field (every model made before the option)."""
    return getattr(getattr(gen, "cfg", None), "texture_anchor", "canvas")


@torch.no_grad()  # scoring only: no graph through the generators
def score_shapes_model(gen_a, gen_b, size: Optional[int] = None, n: int = 200, num_styles: int = 16, seed: int = 0,
                       data_seed: int = 0, batch: int = 50, progress: bool = False, pair_styles: int = 64,
                       pair_inputs: int = 50, texture_anchor: Optional[str] = None) -> dict:
    """Score a sketches (a) <-> paintings (b) model on the shapes test split with the measures above.

    * ``content_iou_a2b`` / ``content_iou_b2a``: mean IoU between each test image's shape and
      the shape of each of its ``num_styles`` translations (random styles from N(0, I));
    * ``open_outlines_b2a``: the share of painting -> sketch translations with an IoU under 0.5.
      Nearly all are outlines with a gap: the reader's fill from the border then runs inside,
      and only the line itself counts as the shape (IoU 0.2-0.35). A mean ``content_iou_b2a``
      of 0.7 is usually a third of open outlines, not every sketch a little off;
    * ``colour_coverage`` / ``texture_coverage`` / ``style_coverage``: per sketch, the share of
      the 8 colours / 4 textures / 32 pairs its ``num_styles`` paintings reach, averaged;
    * ``guided_colour`` / ``guided_texture``: example-guided a -> b with the style of test
      painting ``(i + 1) mod n``: how often the output takes the reference's colour / texture;
    * ``pair_coverage``: the share of the 32 colour-texture pairs reached by ``pair_styles``
      random styles, averaged over the first ``pair_inputs`` sketches. With 16 styles
      ``style_coverage`` cannot exceed 0.5 and a model that samples the data's styles perfectly
      scores 0.398 in the mean (``ideal_style_coverage``); 64 styles leave room to see a model
      that reaches few pairs (ideal 0.869). ``*_ideal`` give those references;
    * ``colour_coverage_fresh`` / ``texture_coverage_fresh`` / ``style_coverage_fresh`` /
      ``pair_coverage_fresh``: the same shares, with every sketch given its *own* random styles.
      The measures above give every sketch the same ``num_styles`` codes (and the pair measure the
      same ``pair_styles``), so they hang on one draw: how those few codes fall across the model's
      style space. Scored with another ``seed``, one model's ``colour_coverage`` moves between
      about 0.8 and 1.0. Averaged over ``n`` draws, the ``_fresh`` shares estimate the coverage
      expected of a draw, and are what to compare with ``colour_coverage_ideal`` (0.882 with 16
      styles), ``texture_coverage_ideal`` (0.990) and the pair ideals above.

    ``size`` defaults to the generators' ``cfg.image_size``, ``texture_anchor`` (how the test
    paintings pin their patterns) to the one the model was trained on (``cfg.texture_anchor``),
    so that references come from the model's own data. Deterministic for a given ``seed``.
    """
    from tqdm.auto import tqdm

    from .data.shapes import ShapesDomain

    for name, value in (("num_styles", num_styles), ("n", n)):
        if int(value) < 1:  # no styles or no sketches: every mean below would divide by zero
            raise ValueError(f"score_shapes_model: {name}={value}; give 1 or more")
    size = int(size or gen_a.cfg.image_size)
    device = next(gen_a.parameters()).device
    modes = (gen_a.training, gen_b.training)
    gen_a.eval(), gen_b.eval()
    anchor = texture_anchor or model_texture_anchor(gen_b)
    sketches = ShapesDomain("a", "test", size, n, data_seed)
    paintings = ShapesDomain("b", "test", size, n, data_seed, texture_anchor=anchor)
    g = torch.Generator().manual_seed(seed)
    styles_b = torch.randn(num_styles, gen_b.cfg.style_dim, generator=g).to(device)  # (S, d)
    styles_a = torch.randn(num_styles, gen_a.cfg.style_dim, generator=g).to(device)
    # each sketch's own styles for the *_fresh coverage: a stream of their own, so that the
    # shared draws above (and every score made before the _fresh measures) stay as they were
    g_fresh = torch.Generator().manual_seed(seed + _FRESH_STREAM)
    iou_a2b, iou_b2a, guided_out, guided_ref = [], [], [], []
    coverage_keys = ("colour_coverage", "texture_coverage", "style_coverage")
    shared: dict[str, list] = {k: [] for k in coverage_keys}  # per sketch, with the shared styles_b
    fresh: dict[str, list] = {k: [] for k in coverage_keys}  # per sketch, with its own styles
    bar = tqdm(total=n, desc="scoring", unit="img", disable=not progress)
    try:
        for start in range(0, n, batch):
            idx = range(start, min(start + batch, n))
            x_a = torch.stack([sketches[i] for i in idx]).to(device)  # (B, 3, H, W)
            x_b = torch.stack([paintings[i] for i in idx]).to(device)
            refs = torch.stack([paintings[(i + 1) % n] for i in idx]).to(device)
            c_a = gen_a.encode_content(x_a)
            c_b = gen_b.encode_content(x_b)
            # every input with every style: (S, B, 3, H, W)
            out_ab = torch.stack([gen_b.decode(c_a, s[None]) for s in styles_b])
            # b -> a, unless that side cannot decode (BicycleGAN translates a -> b only)
            out_ba = (torch.stack([gen_a.decode(c_b, s[None]) for s in styles_a])
                      if getattr(gen_a, "can_decode", True) else None)
            for k in range(num_styles):
                iou_a2b += content_iou(x_a, "a", out_ab[k], "b")["per_pair"]
                if out_ba is not None:
                    iou_b2a += content_iou(x_b, "b", out_ba[k], "a")["per_pair"]
            for j in range(len(idx)):  # the S paintings of one sketch, with the shared and its own styles
                own = torch.randn(num_styles, gen_b.cfg.style_dim, generator=g_fresh).to(device)  # (S, d)
                with_own = gen_b.decode(c_a[j:j + 1].expand(num_styles, -1, -1, -1), own)  # (S, 3, H, W)
                for lists, outputs in ((shared, out_ab[:, j]), (fresh, with_own)):
                    d = style_diversity(outputs)
                    for k in coverage_keys:
                        lists[k].append(d[k])
            ref_styles = gen_b.encode_style(refs)
            guided_out.append(gen_b.decode(c_a, ref_styles).cpu())
            guided_ref.append(refs.cpu())
            bar.update(len(idx))
        # pair coverage: the first pair_inputs sketches, each with the same pair_styles random styles
        pair_cov, pair_cov_fresh = [], []
        if pair_styles and pair_inputs:
            many = torch.randn(pair_styles, gen_b.cfg.style_dim, generator=g).to(device)  # (P, d)
            for i in range(min(pair_inputs, n)):
                c = gen_a.encode_content(sketches[i][None].to(device)).expand(pair_styles, -1, -1, -1)  # (P, C, h, w)
                pair_cov.append(style_diversity(gen_b.decode(c, many))["style_coverage"])  # outputs (P, 3, H, W)
                own = torch.randn(pair_styles, gen_b.cfg.style_dim, generator=g_fresh).to(device)  # (P, d)
                pair_cov_fresh.append(style_diversity(gen_b.decode(c, own))["style_coverage"])
    finally:
        bar.close()
        gen_a.train(modes[0]), gen_b.train(modes[1])
    guided = example_guided_fidelity(torch.cat(guided_out), torch.cat(guided_ref))
    return {"n_test": n, "num_styles": num_styles, "image_size": size, "seed": seed,
            "content_iou_a2b": float(np.mean(iou_a2b)), "content_iou_b2a": float(np.mean(iou_b2a)) if iou_b2a else float("nan"),
            "open_outlines_b2a": float(np.mean(np.asarray(iou_b2a) < 0.5)) if iou_b2a else float("nan"),
            **{k: float(np.mean(v)) for k, v in shared.items()}, "guided_colour": guided["colour"],
            "guided_texture": guided["texture"], "guided_both": guided["both"],
            "style_coverage_ideal": ideal_style_coverage(num_styles),
            "pair_styles": int(pair_styles), "pair_coverage": float(np.mean(pair_cov)) if pair_cov else float("nan"),
            "pair_coverage_ideal": ideal_style_coverage(pair_styles) if pair_styles else float("nan"),
            **{f"{k}_fresh": float(np.mean(v)) for k, v in fresh.items()},
            "pair_coverage_fresh": float(np.mean(pair_cov_fresh)) if pair_cov_fresh else float("nan"),
            "colour_coverage_ideal": ideal_coverage(len(_COLOURS), num_styles),
            "texture_coverage_ideal": ideal_coverage(len(TEXTURES), num_styles)}


# ----------------------------------------------------------------------------- where the factors live
def linear_probe_accuracy(train_features: torch.Tensor, train_labels: torch.Tensor, test_features: torch.Tensor,
                          test_labels: torch.Tensor, weight_decay: float = 1e-3, max_iter: int = 200) -> float:
    """Held-out accuracy of a linear classifier (softmax regression, L-BFGS) from features (N, F) to
    integer labels (N,): how much of a factor a code holds in a linearly readable form.

    Features are standardised with the training set's mean and standard deviation; the loss is
    cross-entropy plus ``weight_decay * |W|^2``. Deterministic (zero initialisation, full batch)."""
    if train_features.dim() != 2 or test_features.dim() != 2:
        raise ValueError(f"features must be (N, F), got {tuple(train_features.shape)} and {tuple(test_features.shape)}")
    if len(train_features) != len(train_labels) or len(test_features) != len(test_labels):
        raise ValueError("need one label per feature row")
    classes = int(max(train_labels.max(), test_labels.max())) + 1
    mean, std = train_features.mean(0), train_features.std(0).clamp(min=1e-6)
    f_train, f_test = (train_features - mean) / std, (test_features - mean) / std
    with torch.enable_grad():
        weight = torch.zeros(f_train.shape[1], classes, requires_grad=True)
        bias = torch.zeros(classes, requires_grad=True)
        opt = torch.optim.LBFGS([weight, bias], max_iter=max_iter, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = F.cross_entropy(f_train @ weight + bias, train_labels) + weight_decay * (weight ** 2).sum()
            loss.backward()
            return loss

        opt.step(closure)
    with torch.no_grad():
        return float(((f_test @ weight + bias).argmax(1) == test_labels).float().mean())


@torch.no_grad()
def factor_probes(gen_b, n_train: int = 600, n_test: int = 200, size: Optional[int] = None, seed: int = 0,
                  texture_anchor: Optional[str] = None) -> dict:
    """Which code of a painting holds its colour and its texture? Linear probes on real paintings:
    from the style code ``E_b^s(x)`` (8 numbers) and from the content code ``E_b^c(x)`` average-
    pooled to 4x4 (a coarse map, so a probe can see spatial patterns), each to the ground-truth
    colour (8 classes, chance 1/8) and texture (4 classes, chance 1/4).

    MUNIT wants colour and texture in the style code and neither in the content code. Instance
    normalisation in the content encoder removes each channel's mean, so global colour is hard to
    keep there; a texture is a spatial pattern, which survives it: a model trained with the image
    reconstruction alone may carry texture through the content code (high ``content_texture``,
    low ``style_texture``), and then a reference painting's texture cannot be transferred.
    The paintings are pinned as the model's data were (``texture_anchor``, default: the
    generator's ``cfg.texture_anchor``). Returns ``{"style_colour", "style_texture",
    "content_colour", "content_texture"}``."""
    from .data.shapes import ShapesDomain

    size = int(size or gen_b.cfg.image_size)
    anchor = texture_anchor or model_texture_anchor(gen_b)
    device = next(gen_b.parameters()).device
    was_training = gen_b.training
    gen_b.eval()
    codes, labels = {}, {}
    try:
        for split, n in (("train", n_train), ("test", n_test)):
            data = ShapesDomain("b", split, size, n, seed, texture_anchor=anchor)
            x = data.batch(range(n)).to(device)  # (n, 3, H, W)
            content, style = gen_b.encode(x)
            codes[split] = {"style": style.flatten(1).float().cpu(),
                            "content": F.adaptive_avg_pool2d(content, 4).flatten(1).float().cpu()}  # (n, C*16)
            truth = [data.ground_truth(i) for i in range(n)]
            labels[split] = {"colour": torch.tensor([_COLOURS.index(r.colour) for r in truth]),
                             "texture": torch.tensor([TEXTURES.index(r.texture) for r in truth])}
    finally:
        gen_b.train(was_training)
    return {f"{code}_{factor}": linear_probe_accuracy(codes["train"][code], labels["train"][factor],
                                                      codes["test"][code], labels["test"][factor])
            for code in ("style", "content") for factor in ("colour", "texture")}
