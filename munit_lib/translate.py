"""Multimodal translation with two trained generators: random, example-guided, interpolated
and swept styles.

MUNIT splits an image into a *content* code ``c`` (spatial, shared by both domains) and a
*style* code ``s`` (a short vector, one per domain). Translating ``x_a`` from domain A to B keeps
its content and draws a new style for B:

    c_a  = E_a^c(x_a)                      content of the input         (B, C', H/4, W/4)
    s_b  ~ N(0, I)                         a style of domain B          (N, style_dim)
    x_ab = G_b(c_a, s_b)                   one translation per style    (B, N, 3, H, W)

so one input yields as many outputs as there are styles (the "multimodal" in the title).
*Example-guided* translation takes the style from a reference image of the target domain
instead, ``s_b = E_b^s(x_b)``. Because the style prior is a plain Gaussian, any vector is a
style: interpolating between two styles or sweeping one coordinate shows what the decoder
has learned to do with each.

``Translator`` holds the pair ``(gen_a, gen_b)``; direction ``"a2b"`` encodes content with
``gen_a`` and decodes with ``gen_b`` (style of domain B), ``"b2a"`` the reverse. Any model is
seen this way (``Translator.from_model``: MUNIT's generators, or a baseline's translation sides),
and one step translates a ready batch, ``translate_batch`` (``encode_content_batch`` then
``decode_batch``): every method here and every score of ``munit_lib.evaluation`` goes through it. Everything runs
under ``torch.no_grad()`` on the generators' device, in eval mode, and everything random takes a
``seed`` and its own ``torch.Generator``: the global RNG is never touched, so the same call gives
the same images.

Inputs may be one image ``(C, H, W)`` or a batch ``(B, C, H, W)`` of floats in [-1, 1], a PIL
image, a uint8 array ``(H, W, C)``, a path to an image file, a folder of images, or a list of
any of these. Images the generators cannot take (sides not multiples of ``cfg.size_multiple``,
too small, or larger than ``max_side``) are resized and centre-cropped, with an
``ImageResizeWarning`` that says what was done.

The plain functions ``random_styles``, ``interpolate_styles``, ``sweep_style`` and
``save_translations`` need no model.
"""
from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Any, Optional, Sequence, Union

import numpy as np
import torch
from PIL import Image, ImageOps
from torch import nn
from torch.nn import functional as F

from .config import MUNITConfig
from .networks import DIRECTIONS, check_direction, random_styles  # the prior and directions live with the model
from .registry import generators_from_data, load_generators, translation_sides

# munit_lib.data (file loading) and munit_lib.viz are imported inside the functions that read and
# write files: they bring in torchvision, which costs seconds, and ``import munit_lib`` should stay quick.

__all__ = ["DIRECTIONS", "Translator", "ImageResizeWarning", "check_direction", "check_styles", "random_styles",
           "interpolate_at", "interpolate_styles", "sweep_style", "load_images", "fit_image_size",
           "save_translations"]

PathLike = Union[str, os.PathLike]


class ImageResizeWarning(UserWarning):
    """An input image was resized or cropped so that the generators can take it."""


def _warn(message: str, category: type = ImageResizeWarning) -> None:
    """Warn at the first caller outside munit_lib (and torch's ``no_grad`` wrappers), so that the
    note points at the user's own line."""
    frame, level = sys._getframe(0), 1
    while frame is not None and str(frame.f_globals.get("__name__", "")).split(".")[0] in ("munit_lib", "torch"):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


# ----------------------------------------------------------------------------- checks
def check_styles(styles: Any, style_dim: int) -> torch.Tensor:
    """Style codes as a float tensor ``(N, style_dim)``.

    Takes one style ``(style_dim,)``, a stack ``(N, style_dim)`` or ``(N, style_dim, 1, 1)`` (the
    original code's shape), as a tensor, numpy array or list of numbers. A code of another length
    raises ``ValueError`` that names the expected length.
    """
    if not isinstance(styles, torch.Tensor):
        try:
            styles = torch.as_tensor(np.asarray(styles, dtype=np.float32))
        except (TypeError, ValueError) as error:
            raise TypeError(f"style codes must be numbers (a tensor, array or list), got {type(styles).__name__}: "
                            f"{error}") from None
    if not styles.is_floating_point():
        styles = styles.float()
    shape = tuple(styles.shape)
    if styles.dim() == 4 and shape[2:] == (1, 1):
        styles = styles.flatten(1)  # (N, d, 1, 1) -> (N, d)
    elif styles.dim() == 1:
        styles = styles.unsqueeze(0)  # (d,) -> (1, d)
    if styles.dim() != 2 or styles.shape[1] != style_dim:
        raise ValueError(f"style codes must have length {style_dim} (shape ({style_dim},) or (N, {style_dim})) "
                         f"for this model; got shape {shape}")
    if styles.shape[0] == 0:
        raise ValueError(f"got no style codes (shape {shape}); give at least one of length {style_dim}")
    if not torch.isfinite(styles).all():
        raise ValueError("style codes contain NaN or infinite values")
    return styles


# ----------------------------------------------------------------------------- styles
def _one_style(style: Any, name: str) -> torch.Tensor:
    """One style code (d,), from (d,) or (1, d)."""
    s = style if isinstance(style, torch.Tensor) else torch.as_tensor(np.asarray(style, dtype=np.float32))
    if s.dim() == 2 and s.shape[0] == 1:
        s = s[0]
    if s.dim() != 1:
        raise ValueError(f"{name} must be one style code shaped (style_dim,) or (1, style_dim); got {tuple(s.shape)}")
    return s


def interpolate_at(s0: Any, s1: Any, t: Any, mode: str = "linear") -> torch.Tensor:
    """Styles between ``s0`` (at ``t = 0``) and ``s1`` (at ``t = 1``) for each value of ``t``.

    linear: s(t) = (1 - t) s0 + t s1
    slerp:  s(t) = sin((1 - t) w) / sin(w) s0 + sin(t w) / sin(w) s1,
            w = arccos(<s0, s1> / (|s0| |s1|)) the angle between the codes.

    Slerp walks along the arc between the two vectors: for codes of equal norm every point keeps
    that norm, where the straight line cuts through lower-norm (less typical under N(0, I))
    codes. When the codes are parallel or anti-parallel (``sin w ~ 0``, the arc is undefined) or
    one is zero, slerp falls back to linear. Returns ``(T, style_dim)`` in ``s0``'s dtype.
    """
    if mode not in ("linear", "slerp"):
        raise ValueError(f"unknown interpolation mode {mode!r}: use 'linear' or 'slerp'")
    a, b = _one_style(s0, "s0"), _one_style(s1, "s1")
    if a.shape != b.shape:
        raise ValueError(f"s0 and s1 must have the same length, got {a.shape[0]} and {b.shape[0]}")
    b = b.to(a.device)
    t = torch.as_tensor(t, dtype=torch.float64, device=a.device).reshape(-1, 1)  # (T, 1)
    a64, b64 = a.double()[None], b.double()[None]  # (1, d): float64 keeps the endpoints close
    linear = (1 - t) * a64 + t * b64  # (T, d)
    if mode == "linear":
        return linear.to(a.dtype)
    norms = a64.norm() * b64.norm()
    if norms == 0:
        return linear.to(a.dtype)  # a zero code has no direction
    cos_w = ((a64 * b64).sum() / norms).clamp(-1.0, 1.0)
    w = torch.arccos(cos_w)
    sin_w = torch.sin(w)
    if sin_w < 1e-6:
        return linear.to(a.dtype)  # (anti)parallel: no unique arc
    out = (torch.sin((1 - t) * w) / sin_w) * a64 + (torch.sin(t * w) / sin_w) * b64  # (T, d)
    return out.to(a.dtype)


def interpolate_styles(s0: Any, s1: Any, steps: int = 8, mode: str = "linear") -> torch.Tensor:
    """``steps`` styles from ``s0`` to ``s1`` at ``t = 0, 1/(steps-1), ..., 1``: ``(steps, style_dim)``.

    ``mode`` is ``"linear"`` or ``"slerp"`` (see ``interpolate_at``). The first row is exactly
    ``s0`` and the last exactly ``s1`` (not merely close).
    """
    if int(steps) < 2:
        raise ValueError(f"steps must be at least 2 (the two endpoints), got {steps}")
    a, b = _one_style(s0, "s0"), _one_style(s1, "s1")
    out = interpolate_at(a, b, torch.linspace(0, 1, int(steps), dtype=torch.float64), mode)  # (steps, d)
    out[0], out[-1] = a.to(out), b.to(out)  # exact endpoints, whatever the rounding
    return out


def sweep_style(base: Any, dim: int, values: Sequence[float]) -> torch.Tensor:
    """Copies of ``base`` (one style, ``(style_dim,)``) with coordinate ``dim`` set to each of
    ``values``: ``(len(values), style_dim)``. Every other coordinate is left as in ``base``."""
    s = _one_style(base, "base")
    d = s.shape[0]
    if not isinstance(dim, (int, np.integer)) or not -d <= int(dim) < d:
        raise ValueError(f"dim must be a style coordinate in 0..{d - 1}, got {dim!r}")
    values = torch.as_tensor(values, dtype=s.dtype, device=s.device).reshape(-1)  # (V,)
    if values.numel() == 0:
        raise ValueError("values is empty: give the values that coordinate should take")
    out = s[None].repeat(values.numel(), 1)  # (V, d)
    out[:, int(dim)] = values
    return out


# ----------------------------------------------------------------------------- images in
def load_images(source: Any, channels: int = 3) -> tuple[list[torch.Tensor], list[str]]:
    """Any supported input -> (list of float images ``(C, H, W)`` in [-1, 1], their names).

    ``source``: a tensor ``(C, H, W)`` / ``(B, C, H, W)`` (floats in [-1, 1], or uint8 0..255), a
    PIL image, a uint8 array ``(H, W)`` / ``(H, W, C)``, a path to an image file, a folder (every
    image under it, sorted, see ``data.folders.list_images``) or a list/tuple of these. Files go
    through ``data.folders.load_image`` (EXIF rotation, grayscale, palette and transparency
    handled), so an unreadable file raises ``ImageLoadError`` naming it. No resizing here.
    """
    from .data.folders import _normalise_mode, list_images, load_image  # here: data loads torchvision (start-up)
    from .data.transforms import image_to_tensor  # (the same: start-up time)

    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels}")
    if isinstance(source, (list, tuple)):
        if not source:
            raise ValueError("got an empty list of images")
        images, names = [], []
        for i, item in enumerate(source):
            found, found_names = load_images(item, channels)
            images += found
            if isinstance(item, (str, os.PathLike)):
                names += found_names  # file names
            else:
                names += [f"item {i}"] if len(found) == 1 else [f"item {i}[{j}]" for j in range(len(found))]
        return images, names
    if isinstance(source, (str, os.PathLike)):
        path = Path(source).expanduser()
        if path.is_dir():
            paths = list_images(path)  # FileNotFoundError / ValueError name the folder
            # uint8 (H, W, C) -> float (C, H, W) in [-1, 1], as in the data pipeline
            return [image_to_tensor(load_image(p, channels)) for p in paths], [p.name for p in paths]
        if not path.exists():
            raise FileNotFoundError(f"image file {path} does not exist")
        return [image_to_tensor(load_image(path, channels))], [path.name]
    if isinstance(source, Image.Image):
        # the same conversions as a file gets (EXIF rotation; palette, 16-bit, transparency on white)
        image = _normalise_mode(ImageOps.exif_transpose(source), channels)
        return [image_to_tensor(image)], ["PIL image"]
    if isinstance(source, np.ndarray):
        if source.dtype != np.uint8:
            raise TypeError(f"numpy images must be uint8 (H, W) or (H, W, C), got dtype {source.dtype}; "
                            "pass float images as torch tensors in [-1, 1]")
        return [image_to_tensor(source)], ["array"]
    if isinstance(source, torch.Tensor):
        x = source.detach()
        if x.dtype == torch.uint8:
            x = x.float() / 127.5 - 1.0  # 0..255 -> [-1, 1]
        elif not x.is_floating_point():
            raise TypeError(f"image tensors must be float (in [-1, 1]) or uint8, got {x.dtype}")
        if x.dim() == 3:
            x = x.unsqueeze(0)  # (C, H, W) -> (1, C, H, W)
        if x.dim() != 4:
            raise ValueError(f"image tensors must be shaped (C, H, W) or (B, C, H, W), got {tuple(source.shape)}")
        lo, hi = (float(x.min()), float(x.max())) if x.numel() else (0.0, 0.0)
        if lo < -1.01 or hi > 1.01:
            _warn(f"image values span [{lo:.3g}, {hi:.3g}] but the generators expect [-1, 1]; "
                  "scale [0, 1] images with x * 2 - 1 and 0..255 ones with x / 127.5 - 1", UserWarning)
        return list(x.unbind(0)), [f"image {i}" for i in range(x.shape[0])]
    raise TypeError(f"unsupported image input {type(source).__name__}: use a tensor in [-1, 1], a PIL image, "
                    "a uint8 array, a path to an image file or folder, or a list of these")


def fit_image_size(x: torch.Tensor, size_multiple: int, min_size: int, max_side: int,
                   target: int) -> tuple[torch.Tensor, Optional[str]]:
    """Make an image ``(C, H, W)`` or batch ``(B, C, H, W)`` a size the generators take.

    * already fine (both sides multiples of ``size_multiple``, at least ``min_size``, at most
      ``max_side``): returned as is, with note ``None``;
    * too large or too small: the short side is resized to ``target`` (bilinear, antialiased),
      keeping the aspect ratio, then centre-cropped as below;
    * otherwise: centre-cropped to the largest valid size (at most ``size_multiple - 1`` pixels
      lost per side), capped at ``max_side``.

    Returns the image and a note ``"HxW -> H'xW'"`` saying what changed.
    """
    m = int(size_multiple)
    h, w = x.shape[-2:]
    ok = h % m == 0 and w % m == 0 and min(h, w) >= min_size and max(h, w) <= max_side
    if ok:
        return x, None
    single = x.dim() == 3
    y = x.unsqueeze(0) if single else x  # (B, C, H, W)
    if max(h, w) > max_side or min(h, w) < min_size:
        scale = target / min(h, w)  # short side -> target
        size = (max(target, round(h * scale)), max(target, round(w * scale)))
        y = F.interpolate(y.float(), size=size, mode="bilinear", align_corners=False,
                          antialias=size[0] < h).to(x.dtype)
    nh, nw = y.shape[-2:]
    limit = max_side // m * m  # the largest valid side
    ch, cw = min(nh, limit) // m * m, min(nw, limit) // m * m  # crop to multiples of m
    top, left = (nh - ch) // 2, (nw - cw) // 2
    y = y[..., top:top + ch, left:left + cw]
    return (y[0] if single else y), f"{h}x{w} -> {ch}x{cw}"


# ----------------------------------------------------------------------------- translator
class Translator:
    """Translate images with a pair of MUNIT generators, in both directions, with any styles.

    ``Translator(gen_a, gen_b)`` moves both generators to ``device`` (default: where ``gen_a``
    is) and puts them in eval mode (``nn.Module.to`` works in place: the modules you pass are
    the ones used). ``max_side`` (default ``2 * cfg.image_size``) is the largest image side
    accepted before inputs are scaled down; ``chunk_size`` bounds how many images one decoder
    call makes.

    Outputs are float tensors in [-1, 1] on the generators' device, shaped
    ``(B, N, C, H, W)``: input ``b`` with style ``n``.
    """

    def __init__(self, gen_a: nn.Module, gen_b: nn.Module, device: Optional[Union[str, torch.device]] = None,
                 max_side: Optional[int] = None, chunk_size: int = 16) -> None:
        for name, gen in (("gen_a", gen_a), ("gen_b", gen_b)):
            if not all(hasattr(gen, attr) for attr in ("encode", "decode", "style_dim", "cfg")):
                raise TypeError(f"{name} must be a munit_lib Generator (encode, decode, style_dim, cfg), "
                                f"got {type(gen).__name__}")
        if gen_a.style_dim != gen_b.style_dim:
            raise ValueError(f"the generators' style codes differ in length: gen_a {gen_a.style_dim}, "
                             f"gen_b {gen_b.style_dim}")
        if device is None:
            device = next(gen_a.parameters()).device
        self.device = torch.device(device)
        self.gen_a = gen_a.to(self.device).eval()
        self.gen_b = gen_b.to(self.device).eval()
        self.cfg: MUNITConfig = gen_a.cfg
        self.max_side = int(max_side) if max_side is not None else 2 * self.cfg.image_size
        if self.max_side < self.min_size:
            raise ValueError(f"max_side={self.max_side} is below the smallest size the generators take "
                             f"({self.min_size})")
        if int(chunk_size) < 1:
            raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
        self.chunk_size = int(chunk_size)

    # ---------------------------------------------------------------- construction
    @classmethod
    def from_checkpoint(cls, path: PathLike, cfg: Optional[MUNITConfig] = None,
                        device: Optional[Union[str, torch.device]] = None, use_ema: bool = True,
                        **kwargs: Any) -> "Translator":
        """Load a generator pair with ``registry.load_generators`` (the one loader): the original
        ``gen_XXXXXXXX.pt``, munit_lib's export (``cfg`` is checked against the file when given), a
        training checkpoint (``checkpoints/last.pt``; its EMA generators when ``use_ema`` and it has
        them) or a baseline's file."""
        return cls(*load_generators(path, use_ema, cfg), device=device, **kwargs)

    @classmethod
    def from_checkpoint_data(cls, data: dict, path: PathLike = "the checkpoint", cfg: Optional[MUNITConfig] = None,
                             device: Optional[Union[str, torch.device]] = None, use_ema: bool = True,
                             **kwargs: Any) -> "Translator":
        """:meth:`from_checkpoint` on a file already read (``official.read_checkpoint``), for a caller
        that needs more of it (a training checkpoint's discriminators, say); ``path`` names it in errors."""
        return cls(*generators_from_data(data, path, cfg, use_ema), device=device, **kwargs)

    @classmethod
    def from_model(cls, model: Any, cfg: Optional[MUNITConfig] = None, **kwargs: Any) -> "Translator":
        """From any model munit_lib translates with: a ``Translator`` (itself, unless options are
        given), a pair ``(gen_a, gen_b)``, anything holding two generators as ``gen_a`` and ``gen_b``
        (a ``MUNIT`` model, a trainer), or a baseline of ``munit_lib.baselines`` (its translation
        sides, ``registry.translation_sides``; ``cfg``, the ``MUNITConfig`` it was built from, is
        needed only for one built from its own config class)."""
        if isinstance(model, Translator):
            return cls(model.gen_a, model.gen_b, **kwargs) if kwargs else model
        if isinstance(model, (tuple, list)) and len(model) == 2:
            return cls(*model, **kwargs)
        if hasattr(getattr(model, "gen_a", None), "encode_content"):  # MUNIT's own generators
            return cls(model.gen_a, model.gen_b, **kwargs)
        return cls(*translation_sides(model, cfg), **kwargs)  # a baseline (TypeError for anything else)

    # ---------------------------------------------------------------- facts
    @property
    def style_dim(self) -> int:
        """Length of one style code."""
        return int(self.gen_a.style_dim)

    @property
    def image_size(self) -> int:
        """The side of the square crops the model was trained on (``cfg.image_size``)."""
        return int(self.cfg.image_size)

    @property
    def size_multiple(self) -> int:
        """Image sides must be multiples of this (``2 ** n_downsample``)."""
        return int(self.cfg.size_multiple)

    @property
    def min_size(self) -> int:
        """The smallest image side the generators take."""
        return int(self.cfg.generator_min_size)

    @property
    def dtype(self) -> torch.dtype:
        return next(self.gen_a.parameters()).dtype

    def generators(self, direction: str) -> tuple[nn.Module, nn.Module]:
        """(source, target): the generator that encodes content and the one that decodes."""
        direction = check_direction(direction)
        return (self.gen_a, self.gen_b) if direction == "a2b" else (self.gen_b, self.gen_a)

    def domains(self, direction: str) -> tuple[str, str]:
        """(source domain, target domain) of a direction: ``("a", "b")`` for ``"a2b"``."""
        direction = check_direction(direction)
        return (direction[0], direction[2])

    def channels(self, domain: str) -> int:
        """Image channels of domain ``"a"`` or ``"b"``."""
        if domain not in ("a", "b"):
            raise ValueError(f"domain must be 'a' or 'b', got {domain!r}")
        return int((self.gen_a if domain == "a" else self.gen_b).input_dim)

    def can_translate(self, direction: str) -> bool:
        """Whether the model translates in ``direction`` (BicycleGAN: ``"a2b"`` only)."""
        _, target = self.generators(direction)
        return bool(getattr(target, "can_decode", True))

    def can_encode_style(self, direction: str = "a2b") -> bool:
        """Whether images of ``direction``'s target domain have a style code to guide a translation
        (MUNIT: yes; BicycleGAN: B images, its encoder's mu; UNIT and CycleGAN have no encoder of
        codes, and every image gets the neutral code)."""
        _, target = self.generators(direction)
        return bool(getattr(target, "can_encode_style", True))

    def __repr__(self) -> str:
        return (f"Translator(style_dim={self.style_dim}, image_size={self.image_size}, "
                f"channels a/b={self.channels('a')}/{self.channels('b')}, device={self.device})")

    # ---------------------------------------------------------------- images in
    def prepare_each(self, images: Any, domain: str, what: str = "input") -> tuple[list[torch.Tensor], list[str]]:
        """Load ``images`` for ``domain`` and fit each to a size the generators take.

        Returns a list of ``(C, H, W)`` tensors on the device (sizes may differ) and names. An
        image with the wrong channel count raises ``ValueError`` naming the problem; resized
        images are reported in one ``ImageResizeWarning``.
        """
        channels = self.channels(domain)
        found, names = load_images(images, channels)
        out, notes = [], []
        for x, name in zip(found, names):
            if x.shape[0] != channels:
                raise ValueError(f"{what} {name} has {x.shape[0]} channels, but domain {domain} has {channels}: "
                                 f"its images must be shaped ({channels}, H, W) (check the direction and the domain "
                                 f"of the {what})")
            x, note = fit_image_size(x, self.size_multiple, self.min_size, self.max_side, self.image_size)
            if note:
                notes.append(f"{name}: {note}")
            out.append(x.to(self.device, self.dtype))
        if notes:
            shown = "; ".join(notes[:3]) + (f"; ... ({len(notes)} in all)" if len(notes) > 3 else "")
            _warn(f"resized {what} for the generators ({shown}): sides must be multiples of "
                  f"{self.size_multiple}, at least {self.min_size} and at most max_side={self.max_side}; "
                  f"too large or small images get their short side resized to image_size={self.image_size}, "
                  "then a centre crop")
        return out, names

    def prepare(self, images: Any, domain: str, what: str = "input") -> torch.Tensor:
        """Load and fit ``images`` for ``domain`` as one batch ``(B, C, H, W)`` on the device.

        Images that still differ in size after fitting are brought to one square
        ``image_size x image_size`` (short side resized, centre crop), with a warning."""
        found, _ = self.prepare_each(images, domain, what)
        if len({tuple(x.shape) for x in found}) > 1:
            sizes = sorted({f"{x.shape[1]}x{x.shape[2]}" for x in found})
            _warn(f"{what} images differ in size ({', '.join(sizes)}); all were resized to "
                  f"{self.image_size}x{self.image_size} to make one batch")
            found = [_square(x, self.image_size) for x in found]
        return torch.stack(found)  # B x (C, H, W) -> (B, C, H, W)

    def _styles(self, styles: Any) -> torch.Tensor:
        return check_styles(styles, self.style_dim).to(self.device, self.dtype)  # (N, d)

    # ---------------------------------------------------------------- codes
    @torch.no_grad()
    def encode_content(self, x: Any, direction: str = "a2b") -> torch.Tensor:
        """Content codes of source-domain images: ``c = E^c_source(x)``, ``(B, C', H/4, W/4)``."""
        x = self.prepare(x, self.domains(direction)[0], "input")
        return self.encode_content_batch(x, direction)

    @torch.no_grad()
    def encode_style(self, reference: Any, direction: str = "a2b") -> torch.Tensor:
        """Style codes of reference images from the TARGET domain: ``s = E^s_target(x_ref)``.

        For ``"a2b"`` the references are domain-B images (their style is what A's content should
        take). Returns ``(R, style_dim)``. References need not share the inputs' size: the style
        encoder ends in a global average pool, so each one is encoded at its own size.
        """
        refs, _ = self.prepare_each(reference, self.domains(direction)[1], "reference")
        codes = [self.encode_style_batch(r.unsqueeze(0), direction) for r in refs]  # R x (1, d)
        return torch.cat(codes)  # (R, d)

    @torch.no_grad()
    def decode(self, content: torch.Tensor, styles: Any, direction: str = "a2b") -> torch.Tensor:
        """Every content code with every style: ``x[b, n] = G_target(c[b], s[n])``.

        ``content`` (B, C', h, w), ``styles`` (N, d) -> images ``(B, N, C, H, W)``. Decoded
        ``chunk_size`` images at a time, so memory does not grow with B * N.
        """
        direction = check_direction(direction)
        styles = self._styles(styles)
        b, n = content.shape[0], styles.shape[0]
        pairs = torch.arange(b * n, device=self.device)  # flat index k = i_content * N + i_style
        out = []
        for chunk in pairs.split(self.chunk_size):
            out.append(self.decode_batch(content[chunk // n], styles[chunk % n], direction))  # (k, C, H, W)
        images = torch.cat(out)  # (B * N, C, H, W)
        return images.reshape(b, n, *images.shape[1:])  # -> (B, N, C, H, W)

    # ---------------------------------------------------------------- the translation step
    # On ready batches: tensors the generators take as they are (sides a valid size, the model's
    # dtype). One network call each, nothing resized, nothing split into chunks. Every method of this
    # class translates through these, and so do the scores (munit_lib.evaluation): what is measured
    # is what is shown.
    @torch.no_grad()
    def encode_content_batch(self, x: torch.Tensor, direction: str = "a2b") -> torch.Tensor:
        """``c = E^c_source(x)`` for a ready batch ``(B, C, H, W)``: ``(B, C', h, w)``."""
        source, _ = self.generators(direction)
        return source.encode_content(x.to(self.device))

    @torch.no_grad()
    def encode_style_batch(self, x: torch.Tensor, direction: str = "a2b") -> torch.Tensor:
        """``s = E^s_target(x)`` for a ready batch of TARGET-domain images: ``(B, style_dim)``."""
        _, target = self.generators(direction)
        return target.encode_style(x.to(self.device))

    @torch.no_grad()
    def decode_batch(self, content: torch.Tensor, styles: Any, direction: str = "a2b") -> torch.Tensor:
        """``x[b] = G_target(c[b], s[b])``: content ``(B, C', h, w)`` with one style per code ``(B, d)``
        or one style for all ``(1, d)``; images ``(B, C, H, W)``."""
        _, target = self.generators(direction)
        return target.decode(content, self._styles(styles))

    @torch.no_grad()
    def translate_batch(self, x: torch.Tensor, styles: Any, direction: str = "a2b") -> torch.Tensor:
        """``x_out[b] = G_target(E^c_source(x[b]), s[b])`` for a ready batch ``(B, C, H, W)`` with one
        style per image ``(B, d)`` or one for all ``(1, d)``: ``(B, C, H, W)``."""
        return self.decode_batch(self.encode_content_batch(x, direction), styles, direction)

    # ---------------------------------------------------------------- translation
    @torch.no_grad()
    def translate(self, x: Any, direction: str = "a2b", styles: Any = None) -> torch.Tensor:
        """Translate every input with every given style: ``(B, N, C, H, W)``.

        ``x_out[b, n] = G_target(E^c_source(x[b]), styles[n])``; ``styles`` is ``(N, style_dim)``
        or one code ``(style_dim,)``.
        """
        if styles is None:
            raise ValueError("translate needs style codes: pass styles=random_styles(n, style_dim, seed), "
                             "or use translate_random / translate_guided")
        styles = self._styles(styles)
        content = self.encode_content(x, direction)  # (B, C', h, w)
        return self.decode(content, styles, direction)

    def random_styles(self, n: int, seed: int = 0) -> torch.Tensor:
        """``n`` codes from the prior N(0, I) for this model, on its device: ``(n, style_dim)``."""
        return random_styles(n, self.style_dim, seed, self.device, self.dtype)

    @torch.no_grad()
    def translate_random(self, x: Any, direction: str = "a2b", num_styles: int = 8, seed: int = 0,
                         return_styles: bool = False):
        """Each input with ``num_styles`` random styles ``s ~ N(0, I)`` (seeded):
        ``(B, num_styles, C, H, W)``, and the styles ``(num_styles, d)`` if ``return_styles``."""
        styles = self.random_styles(num_styles, seed)
        out = self.translate(x, direction, styles)
        return (out, styles) if return_styles else out

    @torch.no_grad()
    def translate_guided(self, x: Any, reference: Any, direction: str = "a2b", pairwise: bool = False) -> torch.Tensor:
        """Example-guided translation: the style comes from reference image(s) of the target domain.

        ``s_ref = E^s_target(reference)``, then ``x_out = G_target(E^c_source(x), s_ref)``.
        Every input with every reference: ``(B, R, C, H, W)``; with ``pairwise=True``, input ``b``
        with reference ``b`` only (needs ``B == R``): ``(B, 1, C, H, W)``.
        """
        styles = self.encode_style(reference, direction)  # (R, d)
        content = self.encode_content(x, direction)  # (B, C', h, w)
        if not pairwise:
            return self.decode(content, styles, direction)
        if styles.shape[0] != content.shape[0]:
            raise ValueError(f"pairwise=True needs one reference per input: got {content.shape[0]} inputs and "
                             f"{styles.shape[0]} references")
        return self.decode_pairwise(content, styles, direction)

    @torch.no_grad()
    def decode_pairwise(self, content: torch.Tensor, styles: Any, direction: str = "a2b") -> torch.Tensor:
        """Content code ``b`` with style ``b`` only: ``x[b, 0] = G_target(c[b], s[b])``.

        ``content`` (B, C', h, w), ``styles`` (B, d) -> images ``(B, 1, C, H, W)``."""
        direction = check_direction(direction)
        styles = self._styles(styles)
        if styles.shape[0] != content.shape[0]:
            raise ValueError(f"decode_pairwise needs one style per content code: got {content.shape[0]} codes "
                             f"and {styles.shape[0]} styles")
        out = [self.decode_batch(c, s, direction)
               for c, s in zip(content.split(self.chunk_size), styles.split(self.chunk_size))]
        return torch.cat(out).unsqueeze(1)  # (B, C, H, W) -> (B, 1, C, H, W)

    @torch.no_grad()
    def translate_interpolated(self, x: Any, s0: Any, s1: Any, steps: int = 8, direction: str = "a2b",
                               mode: str = "linear") -> torch.Tensor:
        """Each input along a path of styles from ``s0`` to ``s1`` (``interpolate_styles``):
        ``(B, steps, C, H, W)``; column 0 uses exactly ``s0``, the last exactly ``s1``."""
        styles = interpolate_styles(self._styles(s0), self._styles(s1), steps, mode)  # (steps, d)
        return self.translate(x, direction, styles)

    @torch.no_grad()
    def translate_sweep(self, x: Any, dim: int, values: Sequence[float], direction: str = "a2b",
                        base: Any = None) -> torch.Tensor:
        """Each input with ``base`` (default: the prior's mean, all zeros) while style coordinate
        ``dim`` takes each of ``values``: ``(B, len(values), C, H, W)``."""
        base = torch.zeros(self.style_dim) if base is None else self._styles(base)  # (1, d)
        return self.translate(x, direction, sweep_style(base, dim, values))


def _square(x: torch.Tensor, size: int) -> torch.Tensor:
    """(C, H, W) -> (C, size, size): short side resized to ``size``, then a centre crop."""
    h, w = x.shape[-2:]
    scale = size / min(h, w)
    nh, nw = max(size, round(h * scale)), max(size, round(w * scale))
    y = F.interpolate(x[None].float(), size=(nh, nw), mode="bilinear", align_corners=False,
                      antialias=nh < h)[0].to(x.dtype)
    top, left = (nh - size) // 2, (nw - size) // 2
    return y[:, top:top + size, left:left + size]


# ----------------------------------------------------------------------------- images out
def save_translations(outputs: torch.Tensor, out_dir: PathLike, grid: bool = True,
                      inputs: Optional[torch.Tensor] = None, prefix: str = "translation") -> list[Path]:
    """Write translations as PNG files; returns their paths (the grid last).

    ``outputs``: ``(B, N, C, H, W)`` (input ``b``, style ``n``), ``(N, C, H, W)`` or ``(C, H, W)``,
    floats in [-1, 1]. Each image goes to ``{prefix}_{b:03d}_{n:03d}.png``; with ``grid=True``,
    ``{prefix}_grid.png`` shows one row per input (its ``inputs[b]`` first, when given).
    """
    from .viz import image_grid, save_png, to_unit  # here: viz loads data and torchvision (start-up time)

    x = outputs.detach().float().cpu()
    if x.dim() == 3:
        x = x[None, None]  # (C, H, W) -> (1, 1, C, H, W)
    elif x.dim() == 4:
        x = x[None]  # (N, C, H, W) -> (1, N, C, H, W)
    if x.dim() != 5:
        raise ValueError("outputs must be shaped (B, N, C, H, W), (N, C, H, W) or (C, H, W); "
                         f"got {tuple(outputs.shape)}")
    b, n, c, h, w = x.shape
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(b):
        for j in range(n):
            paths.append(save_png(to_unit(x[i, j]), out_dir / f"{prefix}_{i:03d}_{j:03d}.png"))
    if grid:
        rows = x
        if inputs is not None:
            src = inputs.detach().float().cpu()
            src = src[None] if src.dim() == 3 else src  # (B, C_in, H, W)
            if src.shape[0] != b or src.shape[-2:] != (h, w):
                raise ValueError(f"inputs {tuple(src.shape)} do not match the outputs' batch {b} and size {h}x{w}")
            rows = [[s, *row] for s, row in zip(src, rows)]  # B rows of 1 + N images (gray shown as RGB)
        paths.append(save_png(image_grid(rows), out_dir / f"{prefix}_grid.png"))
    return paths
