"""An experiment, not an option: sketches that show where a painting's pattern would go.

    python benchmarks/sketch_guides_ttq.py --config configs/shapes_fast.yaml --at 300,600,900 \\
        --out benchmarks/time_to_quality_explore.jsonl --seed 2 --threads 2 --label sketch_guides_quiet
    python benchmarks/sketch_guides_ttq.py --readout --checkpoint RUN/checkpoints/last.pt
    python benchmarks/sketch_guides_ttq.py --paired --config configs/shapes_fast.yaml --seconds 1200 \
        --every 300 --out benchmarks/paired_upper_bound.jsonl --threads 1 --label shapes_fast_paired_guides

A decoder builds every spatial structure of its picture from the content code: given a content
code that is the same at every place, it draws one flat colour whatever the style (notebook 07,
section 5.3, checks it exactly). So for a sketch to become a striped painting, the sketch's content
code must carry something inside the outline for the style to turn into bands. A bare outline
offers nothing there; the network would have to work out, from the outline alone, each pixel's
height relative to the shape's centre (``texture_anchor: shape``).

This script gives it that for free. Every sketch gets light-grey guide dots at the nodes of the
grid its painting's pattern is pinned to, ``(cx + k p, cy + l p)`` for the texture period ``p``,
inside the shape only. From any pixel of a sketch a node is at most ``p / sqrt(2)`` away (8.5 px at
64), inside the networks' receptive field, so where a band, square or dot would start is a local
fact. The dots are lighter than half-way between paper and ink, so ``sketch_mask`` reads every
guided sketch exactly as the bare one (checked in ``tests/test_fast_recipe.py``).

It runs ``time_to_quality.py`` (with ``--readout``, ``texture_readout.py``; with ``--paired``,
``paired_upper_bound.py``) with every other argument passed on and ``render_sketch`` replaced in
this process only: the training data, the scoring and the readout all see the guided sketches.
Measured 2026-12-02 (results.md, "Guide dots on the sketches"): guided texture did not rise, and
no stripes were drawn. With ``--paired`` (results.md, "The bound with guide dots"): the paired
generators learned the textures about a third sooner than on bare sketches.
"""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import munit_lib.data.shapes as shapes  # noqa: E402

GUIDE_GREY = 190  # paper 255, ink 25: lighter than the reader's half-way mark (140)
GUIDE_RADIUS = 0.125  # of a texture period: 1.5 px at 64


def guide_nodes(geom: shapes.ShapeGeometry, size: int) -> list[tuple[float, float]]:
    """The pattern grid's nodes (x, y in output pixels) that fall on the canvas: the shape's centre
    plus whole periods in x and y, the points ``render_painting`` pins a shape's pattern to."""
    p, cx, cy = shapes.texture_period(size), geom.cx * size, geom.cy * size
    reach = size // p + 1  # enough periods to leave the canvas from any centre
    return [(cx + k * p, cy + m * p) for k in range(-reach, reach + 1) for m in range(-reach, reach + 1)
            if -p < cx + k * p < size + p and -p < cy + m * p < size + p]


def render_sketch_with_guides(geom: shapes.ShapeGeometry, size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """``render_sketch`` plus grey guide dots at :func:`guide_nodes`, inside the shape, under the ink."""
    size = shapes.check_size(size)
    big, ss = size * shapes.SUPERSAMPLE, shapes.SUPERSAMPLE
    fill, ink = shapes._sketch_layers(geom, size)
    r = GUIDE_RADIUS * shapes.texture_period(size)
    dots = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(dots)
    for x, y in guide_nodes(geom, size):
        draw.ellipse([(x - r) * ss, (y - r) * ss, (x + r) * ss, (y + r) * ss], fill=255)
    dots = ImageChops.multiply(dots, fill)  # inside the shape only
    plain = Image.new("RGB", (big, big), shapes.SKETCH_PAPER)
    canvas = Image.composite(Image.new("RGB", (big, big), (GUIDE_GREY,) * 3), plain, dots)  # the dots, then
    canvas = Image.composite(Image.new("RGB", (big, big), shapes.SKETCH_INK), canvas, ink)  # the ink over them
    return shapes._to_size(canvas, fill, size)


def install() -> None:
    """Replace ``render_sketch`` in ``munit_lib.data.shapes`` (this process only)."""
    shapes.render_sketch = render_sketch_with_guides


if __name__ == "__main__":
    install()
    # --readout: texture_readout.py; --paired: paired_upper_bound.py; else time_to_quality.py
    script = next((s for flag, s in (("--readout", "texture_readout.py"), ("--paired", "paired_upper_bound.py"))
                   if flag in sys.argv), "time_to_quality.py")
    sys.argv = [str(ROOT / "benchmarks" / script)] + [a for a in sys.argv[1:] if a not in ("--readout", "--paired")]
    runpy.run_path(sys.argv[0], run_name="__main__")
