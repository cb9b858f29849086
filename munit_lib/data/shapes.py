"""Synthetic "shapes" domains: sketches and paintings whose ground truth is known exactly.

Real datasets cannot tell us whether a translation kept the content or how many styles a model
reaches. These two toy domains can, because every factor of every image is recorded:

* **Domain A, sketches** (like the edges of edges2shoes): the dark outline of one shape (circle,
  square, triangle, star, hexagon or cross) at a random position, scale and rotation, on white.
* **Domain B, paintings** of the same shape family: the shape filled with a *style* made of
  three named factors: a fill colour from a palette of 8, a texture drawn in a darker shade of
  that colour (solid, stripes, dots, checks), and a light background.

Where a texture's pattern is pinned is a property of the whole dataset, ``texture_anchor``:
``"canvas"`` (the default, and the data of every shipped model but the course's shapes model)
pins it to the image's corner, so a stripe falls at the same rows in every painting; ``"shape"``
pins it to the shape's centre, so the pattern moves with the shape, as a real object's texture
does. The difference decides where a translation model can keep the texture (``render_painting``
says why).

The content (kind + geometry) is shared by the two domains; the style exists only in B. A and B
are drawn independently, so the data are unpaired, and one sketch has
``8 colours x 4 textures x 4 backgrounds = 128`` correct paintings: a multimodal target by
construction. ``munit_lib.evaluation.shapes`` reads these factors back from images alone.

Images are drawn with PIL at ``SUPERSAMPLE`` times the target size and box-filtered down, so
edges are anti-aliased and a pixel's value is the area fraction the shape covers. The ground
truth mask is "covered by at least half", which is the same rule the image readers apply.

Geometry is stored in image fractions, independent of resolution: a record re-renders at any
size between ``MIN_SIZE`` and ``MAX_SIZE``. Every image comes from its own random stream,
``numpy.random.default_rng([seed, split, domain, index])``, so the same seed gives
byte-identical files and a dataset of 100 images is the first 100 of one of 1000.
"""
from __future__ import annotations

import functools
import json
import math
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch
from PIL import Image, ImageChops, ImageDraw
from torch.utils.data import Dataset

from .transforms import image_to_tensor

__all__ = [
    "KINDS", "PALETTE", "TEXTURES", "TEXTURE_ANCHORS", "BACKGROUNDS", "SKETCH_PAPER", "SKETCH_INK", "MIN_SIZE", "MAX_SIZE",
    "ShapeGeometry", "ShapeStyle", "ShapeRecord", "sample_geometry", "sample_style", "render_sketch",
    "render_painting", "shade", "texture_period", "outline_width", "make_shapes_dataset",
    "load_ground_truth", "ShapesDomain", "ShapesPairs", "write_pix2pix_pairs",
]

# ----------------------------------------------------------------------------- the factors
KINDS = ("circle", "square", "triangle", "star", "hexagon", "cross")

# fill colours (RGB, 0-255): saturated and far apart, each also far from every light background
PALETTE: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "orange": (245, 135, 20),
    "yellow": (240, 215, 30),
    "green": (40, 165, 60),
    "cyan": (30, 195, 215),
    "blue": (40, 75, 215),
    "purple": (135, 55, 190),
    "pink": (245, 115, 185),
}
TEXTURES = ("solid", "stripes", "dots", "checks")
BACKGROUNDS: dict[str, tuple[int, int, int]] = {
    "white": (255, 255, 255),
    "cream": (250, 242, 222),
    "light_grey": (226, 226, 226),
    "pale_blue": (222, 235, 250),
}
SHADE_FACTOR = 0.55  # a texture is drawn in the fill colour times this factor
SKETCH_PAPER = (255, 255, 255)
SKETCH_INK = (25, 25, 25)

MIN_SIZE, MAX_SIZE = 32, 256
SUPERSAMPLE = 4  # render at 4x the size, then box-filter down
SCALE_RANGE = (0.2, 0.3)  # equivalent radius (sqrt(area / pi)) as a fraction of the image size
MARGIN = 0.04  # free border around the shape, as a fraction of the image size
STAR_INNER = 0.5  # inner / outer radius of the star (fat enough to hold a texture)
CROSS_HALF_WIDTH = 0.33  # half the arm width of the cross, over its arm length

TEXTURE_ANCHORS = ("canvas", "shape")  # where a texture's pattern is pinned (see render_painting)

SPLITS = ("train", "test")
DOMAINS = ("a", "b")
FORMAT = "munit_lib.shapes/1"


def _check_name(value: str, known, what: str) -> None:
    if value not in known:
        raise ValueError(f"unknown {what} {value!r}; known {what}s: {', '.join(known)}")


def check_texture_anchor(anchor: str) -> str:
    """Return ``anchor`` if it is one of ``TEXTURE_ANCHORS``, else raise a ``ValueError`` naming them."""
    if anchor not in TEXTURE_ANCHORS:
        raise ValueError(f"unknown texture_anchor {anchor!r}: write 'canvas' (pattern pinned to the image's "
                         "corner, the default) or 'shape' (pattern pinned to the shape's centre)")
    return anchor


def check_size(size: int) -> int:
    """Return ``size`` as an int, or raise ``ValueError`` if it is outside [MIN_SIZE, MAX_SIZE]."""
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool):
        raise TypeError(f"size must be an integer number of pixels, got {size!r}")
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"shapes images can be {MIN_SIZE} to {MAX_SIZE} pixels wide, got size={size}")
    return int(size)


def shade(colour: str) -> tuple[int, int, int]:
    """The darker shade in which a colour's texture is drawn."""
    _check_name(colour, PALETTE, "colour")
    return tuple(int(round(SHADE_FACTOR * c)) for c in PALETTE[colour])  # type: ignore[return-value]


def texture_period(size: int) -> int:
    """Texture period in pixels: about 3/16 of the image, rounded to an even number (6 px at 32,
    8 at 48, 12 at 64, 24 at 128), so a painting looks alike at every resolution, every shape
    holds about three periods, and half-periods end on pixel borders."""
    return 2 * int(round(3.0 * size / 32.0))


def outline_width(size: int) -> float:
    """Sketch line width in pixels: 3% of the image, never under 1.5 px (visible at 32 px)."""
    return max(1.5, 0.03 * size)


# ----------------------------------------------------------------------------- geometry
def _unit_outline(kind: str) -> np.ndarray:
    """Vertices (N, 2) of ``kind`` centred at 0 with unit circumradius, before normalisation."""
    if kind == "circle":
        t = np.linspace(0, 2 * np.pi, 96, endpoint=False)
        return np.stack([np.cos(t), np.sin(t)], 1)
    if kind in ("square", "triangle", "hexagon"):
        n = {"square": 4, "triangle": 3, "hexagon": 6}[kind]
        t = -np.pi / 2 + 2 * np.pi * np.arange(n) / n  # first vertex points up
        return np.stack([np.cos(t), np.sin(t)], 1)
    if kind == "star":
        t = -np.pi / 2 + np.pi * np.arange(10) / 5  # alternate outer and inner vertices
        r = np.where(np.arange(10) % 2 == 0, 1.0, STAR_INNER)
        return np.stack([r * np.cos(t), r * np.sin(t)], 1)
    if kind == "cross":
        w = CROSS_HALF_WIDTH
        return np.array([[w, -1], [w, -w], [1, -w], [1, w], [w, w], [w, 1],
                         [-w, 1], [-w, w], [-1, w], [-1, -w], [-w, -w], [-w, -1]], dtype=float)
    _check_name(kind, KINDS, "kind")
    raise AssertionError  # unreachable


def _area(points: np.ndarray) -> float:
    """Shoelace formula: area of a simple polygon (N, 2)."""
    x, y = points[:, 0], points[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


# every kind normalised to the area of the unit disk, so ``scale`` means the same for all kinds
_OUTLINES = {k: _unit_outline(k) * math.sqrt(math.pi / _area(_unit_outline(k))) for k in KINDS}
_EXTENT = {k: float(np.linalg.norm(v, axis=1).max()) for k, v in _OUTLINES.items()}  # circumradius


@dataclass(frozen=True)
class ShapeGeometry:
    """The content of an image: which shape, where, how big, how turned.

    ``cx``, ``cy``: centre as fractions of the width and height (0 = left/top, 1 = right/bottom).
    ``scale``: equivalent radius, ``sqrt(area / pi)``, as a fraction of the image size.
    ``rotation``: degrees, applied in image coordinates (y pointing down).
    """

    kind: str
    cx: float
    cy: float
    scale: float
    rotation: float

    def __post_init__(self) -> None:
        _check_name(self.kind, KINDS, "kind")
        if not self.scale > 0:
            raise ValueError(f"scale must be positive, got {self.scale}")

    def polygon(self) -> np.ndarray:
        """Vertices (N, 2) as (x, y) fractions of the image size."""
        a = math.radians(self.rotation)
        rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
        return _OUTLINES[self.kind] @ rot.T * self.scale + np.array([self.cx, self.cy])

    def mask(self, size: int) -> np.ndarray:
        """Ground-truth mask (size, size) bool: pixels at least half covered by the shape."""
        size = check_size(size)
        cover = _fill_layer(self, size * SUPERSAMPLE).resize((size, size), Image.Resampling.BOX)
        return np.asarray(cover) >= 128


@dataclass(frozen=True)
class ShapeStyle:
    """The style of a painting: fill ``colour`` (a ``PALETTE`` name), ``texture`` (one of
    ``TEXTURES``, drawn in ``shade(colour)``) and ``background`` (a ``BACKGROUNDS`` name)."""

    colour: str
    texture: str
    background: str

    def __post_init__(self) -> None:
        _check_name(self.colour, PALETTE, "colour")
        _check_name(self.texture, TEXTURES, "texture")
        _check_name(self.background, BACKGROUNDS, "background")


def _rng(rng: Union[np.random.Generator, int, None]) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def sample_geometry(rng: Union[np.random.Generator, int, None] = None, kind: Optional[str] = None) -> ShapeGeometry:
    """Draw a shape: uniform kind (unless given), rotation in [0, 360), scale in ``SCALE_RANGE``
    (capped so that the shape fits), centre uniform where the whole shape stays ``MARGIN`` away
    from the border."""
    rng = _rng(rng)
    k = KINDS[int(rng.integers(len(KINDS)))]  # drawn even when ``kind`` is given: same stream
    kind = k if kind is None else kind
    _check_name(kind, KINDS, "kind")
    rotation = float(rng.uniform(0.0, 360.0))
    top = min(SCALE_RANGE[1], (0.5 - MARGIN) / _EXTENT[kind])  # the largest scale that fits
    scale = float(rng.uniform(SCALE_RANGE[0], top))
    reach = scale * _EXTENT[kind] + MARGIN  # centre must stay this far from each border
    cx, cy = (float(rng.uniform(reach, 1.0 - reach)) for _ in range(2))
    return ShapeGeometry(kind, cx, cy, scale, rotation)


def sample_style(rng: Union[np.random.Generator, int, None] = None) -> ShapeStyle:
    """Draw a style: colour, texture and background, each uniform and independent."""
    rng = _rng(rng)
    colours, backgrounds = list(PALETTE), list(BACKGROUNDS)
    colour = colours[int(rng.integers(len(colours)))]
    texture = TEXTURES[int(rng.integers(len(TEXTURES)))]
    background = backgrounds[int(rng.integers(len(backgrounds)))]
    return ShapeStyle(colour, texture, background)


# ----------------------------------------------------------------------------- rendering
def _pixel_points(geom: ShapeGeometry, big: int) -> list[tuple[float, float]]:
    """Polygon vertices in pixel coordinates of a ``big x big`` canvas (pixel centres at .5)."""
    pts = geom.polygon() * big - 0.5
    return [(float(x), float(y)) for x, y in pts]


def _fill_layer(geom: ShapeGeometry, big: int) -> Image.Image:
    """The filled shape as an 8-bit "L" image (255 inside) at the supersampled size."""
    layer = Image.new("L", (big, big), 0)
    ImageDraw.Draw(layer).polygon(_pixel_points(geom, big), fill=255)
    return layer


def _sketch_layers(geom: ShapeGeometry, size: int) -> tuple[Image.Image, Image.Image]:
    """The filled shape and its outline's ink, "L" images (255 = in) at the supersampled size."""
    big = size * SUPERSAMPLE
    fill = _fill_layer(geom, big)
    stroke = Image.new("L", (big, big), 0)
    pts = _pixel_points(geom, big)
    width = max(1, int(round(2 * outline_width(size) * SUPERSAMPLE)))  # half of it ends up inside
    ImageDraw.Draw(stroke).line(pts + pts[:2], fill=255, width=width, joint="curve")  # closed, round joints
    return fill, ImageChops.multiply(stroke, fill)  # the ink: the inner half of the stroke


def _to_size(canvas: Image.Image, fill: Image.Image, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Box-filter a supersampled drawing and its filled shape down to ``size``: the image (size,
    size, 3) uint8, and the mask (size, size) bool of pixels the shape covers at least half."""
    image = np.asarray(canvas.resize((size, size), Image.Resampling.BOX))
    mask = np.asarray(fill.resize((size, size), Image.Resampling.BOX)) >= 128
    return image.copy(), mask


def render_sketch(geom: ShapeGeometry, size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Domain A: the shape's outline in dark ink on white paper.

    The line lies *inside* the shape (a stroke of twice the width centred on the border,
    intersected with the filled shape), so outline + interior is exactly the shape's region.
    Returns ``(image uint8 (size, size, 3), mask bool (size, size))``.
    """
    size = check_size(size)
    big = size * SUPERSAMPLE
    fill, ink = _sketch_layers(geom, size)
    canvas = Image.composite(Image.new("RGB", (big, big), SKETCH_INK), Image.new("RGB", (big, big), SKETCH_PAPER), ink)
    return _to_size(canvas, fill, size)


@functools.lru_cache(maxsize=32)
def _texture_dark(texture: str, size: int, origin: tuple[float, float] = (0.0, 0.0)) -> Image.Image:
    """Where the texture's darker shade goes: an "L" image (255 = dark) on the supersampled canvas.

    Patterns are axis-aligned with a period ``p`` of an even number of pixels, and pinned at
    ``origin`` (x, y in output pixels; the image's corner by default), so that with the default
    origin bands and squares start and end on pixel borders:
    stripes = horizontal bands of height p/2; checks = squares of side p/2; dots = disks of
    radius 0.3 p on a square grid of step p. Canvas-pinned patterns are the same for every image
    of a size, hence cached; shape-pinned ones are drawn per image through ``__wrapped__``.
    """
    _check_name(texture, TEXTURES, "texture")
    big, p = size * SUPERSAMPLE, texture_period(size)
    c = (np.arange(big) + 0.5) / SUPERSAMPLE  # pixel centres in output-pixel units
    y, x = c[:, None] - origin[1], c[None, :] - origin[0]  # coordinates relative to the pattern's origin
    if texture == "solid":
        dark = np.zeros((big, big), dtype=bool)
    elif texture == "stripes":
        dark = np.broadcast_to((y / p) % 1.0 >= 0.5, (big, big))
    elif texture == "checks":
        dark = (np.floor(2 * x / p) + np.floor(2 * y / p)) % 2 == 1
    else:  # dots
        dx, dy = (x / p) % 1.0 - 0.5, (y / p) % 1.0 - 0.5  # offset from the nearest dot centre, in periods
        dark = dx ** 2 + dy ** 2 < 0.3 ** 2
    return Image.fromarray(dark.astype(np.uint8) * 255)


def render_painting(geom: ShapeGeometry, style: ShapeStyle, size: int = 64,
                    texture_anchor: str = "canvas") -> tuple[np.ndarray, np.ndarray]:
    """Domain B: the shape filled with ``style`` (colour, texture in its darker shade,
    background). Returns ``(image uint8 (size, size, 3), mask bool (size, size))``.

    With the geometry of a sketch, this is the *ideal translation* of that sketch to that style.

    ``texture_anchor`` pins the pattern to the image's corner (``"canvas"``) or to the shape's
    centre (``"shape"``). It matters to a translation model: a decoder built of convolutions
    with reflection padding draws the same thing wherever a shape sits, so from a style code it
    can draw "stripes" but cannot know at which rows of the canvas they fall. With canvas-pinned
    patterns the only route that reconstructs a painting's exact stripes is its content code (a
    spatial map), and the texture leaves the style; pinned to the shape, the content (the shape's
    place) says where the pattern starts and the style can say which pattern it is.
    """
    size = check_size(size)
    if not isinstance(style, ShapeStyle):
        raise TypeError(f"style must be a ShapeStyle, got {type(style).__name__}")
    origin = (0.0, 0.0) if check_texture_anchor(texture_anchor) == "canvas" else (geom.cx * size, geom.cy * size)
    big = size * SUPERSAMPLE
    fill = _fill_layer(geom, big)
    # the textured fill: the colour, with its darker shade where the pattern says
    paint = Image.composite(Image.new("RGB", (big, big), shade(style.colour)),
                            Image.new("RGB", (big, big), PALETTE[style.colour]),
                            _texture_dark(style.texture, size) if texture_anchor == "canvas"
                            else _texture_dark.__wrapped__(style.texture, size, origin))  # per image: no cache
    canvas = Image.composite(paint, Image.new("RGB", (big, big), BACKGROUNDS[style.background]), fill)
    return _to_size(canvas, fill, size)


# ----------------------------------------------------------------------------- records
@dataclass(frozen=True)
class ShapeRecord:
    """Ground truth of one image: its domain (``"a"`` sketch, ``"b"`` painting), geometry,
    style (``None`` for sketches), the size it was drawn at, its file name (if on disk) and
    where its texture is pinned (``texture_anchor``, see :func:`render_painting`)."""

    domain: str
    geometry: ShapeGeometry
    style: Optional[ShapeStyle]
    size: int
    file: str = ""
    texture_anchor: str = "canvas"

    kind = property(lambda self: self.geometry.kind)
    center = property(lambda self: (self.geometry.cx, self.geometry.cy), doc="(cx, cy) as image fractions")
    scale = property(lambda self: self.geometry.scale)
    rotation = property(lambda self: self.geometry.rotation)
    colour = property(lambda self: self.style.colour if self.style else None)
    texture = property(lambda self: self.style.texture if self.style else None)
    background = property(lambda self: self.style.background if self.style else None)

    def mask(self, size: Optional[int] = None) -> np.ndarray:
        """The shape's mask, bool (size, size); ``size`` defaults to the size it was drawn at."""
        return self.geometry.mask(self.size if size is None else size)

    def render(self, size: Optional[int] = None) -> np.ndarray:
        """Re-draw the image, uint8 (size, size, 3)."""
        size = self.size if size is None else size
        if self.domain == "a":
            return render_sketch(self.geometry, size)[0]
        return render_painting(self.geometry, self.style, size, self.texture_anchor)[0]

    def to_dict(self) -> dict:
        """The factors as plain JSON values (the mask is re-rendered from the geometry)."""
        out = asdict(self.geometry)
        if self.style is not None:
            out.update(asdict(self.style))
        return out

    @classmethod
    def from_dict(cls, d: dict, domain: str, size: int, file: str = "", texture_anchor: str = "canvas") -> "ShapeRecord":
        geom = ShapeGeometry(d["kind"], d["cx"], d["cy"], d["scale"], d["rotation"])
        style = ShapeStyle(d["colour"], d["texture"], d["background"]) if domain == "b" else None
        return cls(domain, geom, style, size, file, texture_anchor)


def _check_domain_split(domain: str, split: str) -> tuple[str, str]:
    domain = str(domain).lower()
    _check_name(domain, DOMAINS, "domain")
    _check_name(split, SPLITS, "split")
    return domain, split


def _make_record(domain: str, split: str, index: int, size: int, seed: int,
                 texture_anchor: str = "canvas") -> ShapeRecord:
    """The ground truth of image ``index``, from its own random stream (the anchor draws nothing:
    the two anchors give the same factors, drawn differently)."""
    rng = np.random.default_rng([int(seed), SPLITS.index(split), DOMAINS.index(domain), int(index)])
    geom = sample_geometry(rng)
    style = sample_style(rng) if domain == "b" else None
    return ShapeRecord(domain, geom, style, size, f"{index:06d}.png", texture_anchor)


class ShapesDomain(Dataset):
    """One shapes domain in memory: ``domain`` ``"a"`` (sketches) or ``"b"`` (paintings).

    Item ``i`` is a float tensor (3, size, size) in [-1, 1], the same pixels as file
    ``{split}{A|B}/{i:06d}.png`` written by :func:`make_shapes_dataset` with the same seed;
    ``ground_truth(i)`` gives its :class:`ShapeRecord`. Images are drawn on first use and
    kept (``cache=True``). ``texture_anchor`` pins the paintings' patterns to the canvas
    (default) or to each shape (see :func:`render_painting`); sketches do not depend on it.
    """

    def __init__(self, domain: str = "a", split: str = "train", size: int = 64, n: int = 1000, seed: int = 0,
                 cache: bool = True, texture_anchor: str = "canvas") -> None:
        self.domain, self.split = _check_domain_split(domain, split)
        self.size = check_size(size)
        if int(n) < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        self.n, self.seed, self.cache = int(n), int(seed), cache
        self.texture_anchor = check_texture_anchor(texture_anchor)
        self._images: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return self.n

    def _index(self, i: int) -> int:
        i = int(i)
        if i < 0:
            i += self.n
        if not 0 <= i < self.n:
            raise IndexError(f"index {i} out of range for a ShapesDomain of {self.n} images")
        return i

    def ground_truth(self, i: int) -> ShapeRecord:
        """Ground truth of item ``i``: kind, geometry (+ style for paintings); ``.mask()`` draws its mask."""
        return _make_record(self.domain, self.split, self._index(i), self.size, self.seed, self.texture_anchor)

    def image(self, i: int) -> np.ndarray:
        """Item ``i`` as a uint8 array (size, size, 3)."""
        i = self._index(i)
        if i not in self._images:
            img = self.ground_truth(i).render()
            if not self.cache:
                return img
            self._images[i] = img
        return self._images[i]

    def __getitem__(self, i: int) -> torch.Tensor:
        return image_to_tensor(self.image(i))

    def batch(self, indices) -> torch.Tensor:
        """Items ``indices`` as one float batch (B, 3, size, size) in [-1, 1], equal to stacking
        ``self[i]``, in one conversion: the training loop's fast path (no per-item work)."""
        pixels = torch.from_numpy(np.stack([self.image(i) for i in indices]))  # (B, H, W, 3) uint8
        return pixels.permute(0, 3, 1, 2).float() / 127.5 - 1.0  # (B, 3, H, W)

    def __repr__(self) -> str:
        name = "sketches" if self.domain == "a" else "paintings"
        anchor = f", texture_anchor={self.texture_anchor!r}" if self.texture_anchor != "canvas" else ""
        return f"ShapesDomain({name}, split={self.split!r}, size={self.size}, n={self.n}, seed={self.seed}{anchor})"


# ----------------------------------------------------------------------------- on disk
def _metadata(size: int, n_train: int, n_test: int, seed: int, texture_anchor: str = "canvas") -> dict:
    meta = {"format": FORMAT, "size": size, "n_train": n_train, "n_test": n_test, "seed": seed,
            "kinds": list(KINDS), "palette": {k: list(v) for k, v in PALETTE.items()}, "textures": list(TEXTURES),
            "backgrounds": {k: list(v) for k, v in BACKGROUNDS.items()}, "shade_factor": SHADE_FACTOR}
    if check_texture_anchor(texture_anchor) != "canvas":  # written only when not the default, so that
        meta["texture_anchor"] = texture_anchor  # datasets made before the option still match
    return meta


def make_shapes_dataset(root: Union[str, os.PathLike], size: int = 64, n_train: int = 2000, n_test: int = 200,
                        seed: int = 0, progress: bool = True, overwrite: bool = False,
                        texture_anchor: str = "canvas") -> Path:
    """Write the two shapes domains in the original MUNIT layout and return ``root``::

        root/trainA/000000.png ...   sketches      root/testA/...
        root/trainB/000000.png ...   paintings     root/testB/...
        root/ground_truth.json       {"splits": {"trainA": {"000000.png": {factors}}, ...}, ...}

    ``n_train`` and ``n_test`` images per domain. The files are written to a temporary folder
    beside ``root`` and renamed into place at the end, so an interrupted run leaves no partial
    dataset. If ``root`` already holds a dataset made with the same arguments it is reused; a
    different one is replaced only with ``overwrite=True``. Same seed, same bytes.
    ``texture_anchor`` pins the paintings' patterns (see :func:`render_painting`).
    """
    from tqdm.auto import tqdm

    size = check_size(size)
    if int(n_train) < 1 or int(n_test) < 1:
        raise ValueError(f"n_train and n_test must be at least 1, got {n_train} and {n_test}")
    root = Path(root)
    meta = _metadata(size, int(n_train), int(n_test), int(seed), texture_anchor)
    if root.exists():
        try:
            with open(root / "ground_truth.json", encoding="utf-8") as f:
                old = {k: v for k, v in json.load(f).items() if k != "splits"}
        except (OSError, ValueError):
            old = None
        if old == meta:
            return root  # already there, made with the same arguments
        if not overwrite:
            raise FileExistsError(f"{root} exists and is not a shapes dataset made with these arguments; "
                                  "pass overwrite=True to replace it, or choose another folder")
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.", suffix=".tmp", dir=root.parent))
    try:
        splits: dict[str, dict[str, dict]] = {}
        jobs = [(s, d, n) for s, n in (("train", int(n_train)), ("test", int(n_test))) for d in DOMAINS]
        bar = tqdm(total=sum(n for *_, n in jobs), desc=f"shapes {size}px", unit="img", disable=not progress)
        for split, domain, n in jobs:
            folder = f"{split}{domain.upper()}"  # trainA, trainB, testA, testB
            (tmp / folder).mkdir()
            records = splits[folder] = {}
            for i in range(n):
                rec = _make_record(domain, split, i, size, int(seed), texture_anchor)
                Image.fromarray(rec.render()).save(tmp / folder / rec.file, format="PNG")
                records[rec.file] = rec.to_dict()
                bar.update(1)
        bar.close()
        with open(tmp / "ground_truth.json", "w", encoding="utf-8") as f:
            json.dump({**meta, "splits": splits}, f, indent=1, sort_keys=True)
        if root.exists():  # overwrite: move the old one aside, then put the new one in place
            old_dir = root.with_name(f".{root.name}.old")
            shutil.rmtree(old_dir, ignore_errors=True)
            os.replace(root, old_dir)
            os.replace(tmp, root)
            shutil.rmtree(old_dir, ignore_errors=True)
        else:
            os.replace(tmp, root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return root


def load_ground_truth(root: Union[str, os.PathLike]) -> dict[str, dict[str, ShapeRecord]]:
    """Read ``root/ground_truth.json``: ``{"trainA": {"000000.png": ShapeRecord, ...}, "trainB": ...,
    "testA": ..., "testB": ...}``. Each record's ``mask(size)`` re-draws its mask."""
    path = Path(root) / "ground_truth.json"
    if not path.is_file():
        raise FileNotFoundError(f"no ground truth at {path}: is {root} a folder made by make_shapes_dataset?")
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if data.get("format") != FORMAT:
        raise ValueError(f"{path} is not a shapes ground-truth file "
                         f"(format {data.get('format')!r}, expected {FORMAT!r})")
    size = int(data["size"])
    anchor = check_texture_anchor(data.get("texture_anchor", "canvas"))
    out: dict[str, dict[str, ShapeRecord]] = {}
    for folder, files in data["splits"].items():
        domain = folder[-1].lower()  # trainA -> "a"
        out[folder] = {name: ShapeRecord.from_dict(d, domain, size, name, anchor) for name, d in sorted(files.items())}
    return out


# ----------------------------------------------------------------------------- paired mode
PAIRED_STREAM = 2  # the random streams of pairs: [seed, split, 2, index] (domains use 0 and 1)
PAIRS_FORMAT = "munit_lib.shapes_pairs/1"  # ground_truth.json of pairs (load_ground_truth refuses it)


def _make_pair(split: str, index: int, size: int, seed: int,
               texture_anchor: str = "canvas") -> tuple[ShapeRecord, ShapeRecord]:
    """Ground truth of pair ``index``: one geometry drawn once, then a style; the sketch and the
    painting share the geometry (they are aligned pixel for pixel)."""
    rng = np.random.default_rng([int(seed), SPLITS.index(split), PAIRED_STREAM, int(index)])
    geom = sample_geometry(rng)
    style = sample_style(rng)
    name = f"{index:06d}.png"
    return ShapeRecord("a", geom, None, size, name), ShapeRecord("b", geom, style, size, name, texture_anchor)


class ShapesPairs(Dataset):
    """The paired mode of the shapes data, for supervised (BicycleGAN, pix2pix) training: item ``i``
    is ``(sketch, painting)``, two float tensors (3, size, size) in [-1, 1] drawn from the SAME
    ground truth (geometry), so the painting is the exact translation of the sketch in its style.

    Pairs come from their own random streams, so they are not the images of ``ShapesDomain``.
    ``domain("a")`` / ``domain("b")`` view one side as a dataset of images (item ``i`` of both
    views is pair ``i``); ``ground_truth(i)`` gives the two records; :func:`write_pix2pix_pairs`
    writes them side by side as pix2pix's datasets are.
    """

    def __init__(self, split: str = "train", size: int = 64, n: int = 1000, seed: int = 0, cache: bool = True,
                 texture_anchor: str = "canvas") -> None:
        _check_name(split, SPLITS, "split")
        self.split, self.size = split, check_size(size)
        if int(n) < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        self.n, self.seed, self.cache = int(n), int(seed), cache
        self.texture_anchor = check_texture_anchor(texture_anchor)
        self._images: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def __len__(self) -> int:
        return self.n

    def _index(self, i: int) -> int:
        i = int(i)
        if i < 0:
            i += self.n
        if not 0 <= i < self.n:
            raise IndexError(f"index {i} out of range for ShapesPairs of {self.n} pairs")
        return i

    def ground_truth(self, i: int) -> tuple[ShapeRecord, ShapeRecord]:
        """(sketch record, painting record) of pair ``i``: the same geometry, the painting's style."""
        return _make_pair(self.split, self._index(i), self.size, self.seed, self.texture_anchor)

    def images(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Pair ``i`` as two uint8 arrays (size, size, 3)."""
        i = self._index(i)
        if i not in self._images:
            sketch, painting = self.ground_truth(i)
            pair = (sketch.render(), painting.render())
            if not self.cache:
                return pair
            self._images[i] = pair
        return self._images[i]

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        sketch, painting = self.images(i)
        return image_to_tensor(sketch), image_to_tensor(painting)

    def domain(self, side: str) -> "PairSide":
        """One side of the pairs as an image dataset: ``"a"`` sketches, ``"b"`` paintings."""
        return PairSide(self, side)

    def __repr__(self) -> str:
        anchor = f", texture_anchor={self.texture_anchor!r}" if self.texture_anchor != "canvas" else ""
        return f"ShapesPairs(split={self.split!r}, size={self.size}, n={self.n}, seed={self.seed}{anchor})"


class PairSide(Dataset):
    """The sketches (``"a"``) or the paintings (``"b"``) of a :class:`ShapesPairs`, item ``i`` of
    either side being half of pair ``i`` (the images are drawn once, shared by both sides)."""

    def __init__(self, pairs: ShapesPairs, side: str) -> None:
        side = str(side).lower()
        _check_name(side, DOMAINS, "domain")
        self.pairs, self.side = pairs, side
        self.domain, self.split, self.size = side, pairs.split, pairs.size

    def __len__(self) -> int:
        return len(self.pairs)

    def ground_truth(self, i: int) -> ShapeRecord:
        return self.pairs.ground_truth(i)[DOMAINS.index(self.side)]

    def image(self, i: int) -> np.ndarray:
        return self.pairs.images(i)[DOMAINS.index(self.side)]

    def __getitem__(self, i: int) -> torch.Tensor:
        return image_to_tensor(self.image(i))


def write_pix2pix_pairs(root: Union[str, os.PathLike], size: int = 64, n_train: int = 2000, n_test: int = 200,
                        seed: int = 0, progress: bool = True) -> Path:
    """Write the pairs in pix2pix's layout and return ``root``::

        root/train/000000.png ...   one image 2 * size wide: sketch | painting
        root/val/000000.png ...     the test pairs (pix2pix names its test split "val")
        root/ground_truth.json      {"splits": {"train": {"000000.png": {factors}}, "val": ...}, ...}

    ``munit_lib.data.split_side_by_side(root / "train", out, "train")`` reads them back into
    unpaired ``trainA`` / ``trainB`` folders, as for edges2shoes. Pair ``i`` of a split is item
    ``i`` of ``ShapesPairs(split, size, n, seed)``, pixel for pixel. Written into a temporary
    folder and renamed into place; an existing ``root`` is refused.
    """
    from tqdm.auto import tqdm

    size = check_size(size)
    if int(n_train) < 1 or int(n_test) < 1:
        raise ValueError(f"n_train and n_test must be at least 1, got {n_train} and {n_test}")
    root = Path(root)
    if root.exists():
        raise FileExistsError(f"{root} already exists; remove it or choose another folder")
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.", suffix=".tmp", dir=root.parent))
    try:
        splits: dict[str, dict[str, dict]] = {}
        bar = tqdm(total=int(n_train) + int(n_test), desc=f"shape pairs {size}px", unit="pair", disable=not progress)
        for split, folder, n in (("train", "train", int(n_train)), ("test", "val", int(n_test))):
            (tmp / folder).mkdir()
            pairs = ShapesPairs(split, size, n, seed, cache=False)
            records = splits[folder] = {}
            for i in range(n):
                sketch, painting = pairs.images(i)
                side_by_side = np.concatenate([sketch, painting], axis=1)  # (size, 2 size, 3): A | B
                name = f"{i:06d}.png"
                Image.fromarray(side_by_side).save(tmp / folder / name, format="PNG")
                records[name] = pairs.ground_truth(i)[1].to_dict()  # geometry + style of the pair
                bar.update(1)
        bar.close()
        meta = {**_metadata(size, int(n_train), int(n_test), int(seed)), "format": PAIRS_FORMAT}
        with open(tmp / "ground_truth.json", "w", encoding="utf-8") as f:
            json.dump({**meta, "splits": splits}, f, indent=1, sort_keys=True)
        os.replace(tmp, root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return root
