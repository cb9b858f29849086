"""``translate`` and ``demo``: images translated by a model file or by the shipped shapes model.

translate: every input image (a file or a folder) with ``--num-styles`` random styles, or with
the style of ``--style REFERENCE``; writes one PNG per translation (``<input>_<k>.png``) and one
grid (inputs in the first column). Works with munit_lib exports, training checkpoints and the
official ``gen_XXXXXXXX.pt`` files.

demo: with no arguments, a few shapes test sketches and paintings translated by the shipped
model with several random styles, as two grids.
"""
from __future__ import annotations

import sys
import warnings
from pathlib import Path

import torch

from ..config import MUNITConfig
from ..data import ShapesDomain
from ..evaluation.shapes_score import model_texture_anchor
from ..pretrained import pretrained
from ..translate import Translator, load_images
from ..viz import image_grid, save_png, to_unit

__all__ = ["cmd_translate", "cmd_demo", "write_grid"]


def _notes(caught: list) -> None:
    """Resize notes and other warnings become one ``note:`` line each on stderr."""
    for w in caught:
        print(f"note: {w.message}", file=sys.stderr)


def write_grid(inputs: torch.Tensor, outputs: torch.Tensor, path: Path) -> Path:
    """One row per input: the input, then its translations. ``inputs`` (B, C, H, W) and
    ``outputs`` (B, N, C, H, W), floats in [-1, 1] (a gray domain is shown in RGB beside a colour one)."""
    rows = [[x, *row] for x, row in zip(inputs, outputs)]  # B rows of 1 + N images (C, H, W)
    return save_png(image_grid(rows), path)


def cmd_translate(args) -> int:
    out = Path(args.out)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cfg = MUNITConfig.from_yaml(args.config) if args.config else None
        translator = Translator.from_checkpoint(args.checkpoint, cfg=cfg, device=args.device)
        source = "a" if args.direction == "a2b" else "b"
        _, names = load_images(args.input, translator.channels(source))
        x = translator.prepare(args.input, source)  # (B, C, H, W), sizes fitted to the networks
        if args.style:
            outputs = translator.translate_guided(x, args.style, args.direction)  # (B, 1, C, H, W)
        else:
            if args.num_styles < 1:
                raise ValueError(f"--num-styles must be at least 1, got {args.num_styles}")
            outputs = translator.translate_random(x, args.direction, args.num_styles, args.seed)
    _notes(caught)
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for b, name in enumerate(names):
        stem = Path(name).stem or f"input{b:03d}"
        for k in range(outputs.shape[1]):
            save_png(to_unit(outputs[b, k]), out / f"{stem}_{k:02d}.png")
            written += 1
    grid = write_grid(x, outputs, out / "grid.png")
    how = f"the style of {args.style}" if args.style else f"{outputs.shape[1]} random styles (seed {args.seed})"
    print(f"translated {len(names)} image(s) {args.direction} with {how}: {written} images and {grid} in {out}")
    return 0


def cmd_demo(args) -> int:
    translator = pretrained("shapes")
    size, n_inputs, n_styles = translator.image_size, 6, 8
    out = Path(args.out)
    written = []
    anchor = model_texture_anchor(translator.gen_b)  # paintings drawn as the model's training data were
    for direction, domain in (("a2b", "a"), ("b2a", "b")):
        data = ShapesDomain(domain, "test", size, n_inputs, 0, texture_anchor=anchor)
        x = torch.stack([data[i] for i in range(n_inputs)])  # (6, 3, H, W)
        outputs = translator.translate_random(x, direction, n_styles, args.seed)  # (6, 8, 3, H, W)
        written.append(write_grid(x, outputs, out / f"demo_{direction}.png"))
    print(f"the shipped shapes model translated {n_inputs} sketches and {n_inputs} paintings with {n_styles} "
          f"random styles each (seed {args.seed}); first column = input:")
    for path in written:
        print(f"  {path}")
    return 0
