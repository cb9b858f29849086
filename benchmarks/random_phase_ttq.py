"""An experiment, not an option: shape-pinned textures with a random phase per painting.

    python benchmarks/random_phase_ttq.py --config configs/shapes_fast.yaml --at 300,600,900 \\
        --out benchmarks/time_to_quality_explore.jsonl --seed 2 --threads 2 --label random_phase_quiet

With ``texture_anchor: shape`` a painting's pattern starts at the shape's centre, so a decoder has
to find the centre from the outline to place the bands where the data put them. This script
frees the phase: each painting's pattern origin moves by a pseudo-random fraction of a period in
x and in y (a hash of the shape's centre, so an image is the same every time it is drawn). Any
placement of the bands is then as real as any other, and only *which* pattern it is remains for
the style code to carry. If guided texture were held back by placing the pattern, it would rise.

It runs ``time_to_quality.py`` with every argument passed on, with ``render_painting``'s pattern
drawer replaced in this process only: the training data and the scoring both see the shifted
patterns. Measured 2026-12-02 (results.md, "Two changes to the data"): it did not rise.
"""
from __future__ import annotations

import math
import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import munit_lib.data.shapes as shapes  # noqa: E402

_draw = shapes._texture_dark  # the cached drawer; its __wrapped__ draws one pattern at an origin


def _fraction(x: float) -> float:
    return x - math.floor(x)


def _random_phase(origin: tuple[float, float]) -> tuple[float, float]:
    """A fixed pseudo-random point of the unit square for each origin (the classic sine hash)."""
    u = _fraction(math.sin(12.9898 * origin[0] + 78.233 * origin[1]) * 43758.5453)
    v = _fraction(math.sin(39.3468 * origin[0] + 11.135 * origin[1]) * 24634.6345)
    return u, v


class _ShiftedDrawer:
    """Canvas-pinned patterns as before; shape-pinned ones start up to one period away from the
    centre, in a direction fixed per shape."""

    def __call__(self, *args, **kwargs):
        return _draw(*args, **kwargs)

    @staticmethod
    def __wrapped__(texture: str, size: int, origin: tuple[float, float] = (0.0, 0.0)):
        p = shapes.texture_period(size)
        u, v = _random_phase(origin)
        return _draw.__wrapped__(texture, size, (origin[0] + u * p, origin[1] + v * p))


if __name__ == "__main__":
    shapes._texture_dark = _ShiftedDrawer()
    sys.argv = [str(ROOT / "benchmarks" / "time_to_quality.py")] + sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name="__main__")
