"""Where an OpenMoji model loses the skin tone: the style code, or the line art it is applied to?

    python benchmarks/openmoji_line_art_gap.py                      # the shipped pretrained("openmoji")
    python benchmarks/openmoji_line_art_gap.py --checkpoint RUN/checkpoints/last.pt

On the test split's toned emoji, each colouring's own style code (E_b^s(y)) is decoded over several
content codes, and the tone read back (munit_lib.evaluation.openmoji.read_tones) is compared with the
truth (chance 0.2). Prints one JSON object:

- ``true_line_art``: content of the true line art, E_a^c(x) (the library's own-colouring accuracy);
- ``own_line_art``: content of the line art the model draws from that colouring, E_a^c(G_a(E_b^c(y), s_a)),
  which is what the training cycle x_b -> x_ba -> x_bab decodes;
- ``own_line_art_random_style``: the same content with random styles (mean of five draws): does the
  drawing carry the tone?
- ``colour_content``: the colouring's own content, E_b^c(y) (a within-domain reconstruction);
- ``own_line_art_threshold_0.0`` / ``_0.5``: the model's line art cut to black and white at a grey level
  (in [-1, 1]) before it is encoded, which removes its faint tints;
- ``own_line_art_noise_0.1``: with Gaussian noise of that standard deviation added (a fragile hidden
  signal would not survive it);
- ``true_line_art_scaled_xK``: the style codes stretched K times away from their mean;
- ``strokes_kept``: stroke IoU of the model's line art with the true line art;
- ``style_norm``: the codes' mean length over that of N(0, I) codes;
- ``guided_confusion``: example-guided translation as the library scores it
  (``guided_tone_confusion``: rows the reference's tone 1-5, columns the tone read, then the untoned
  yellow), with ``guided_exact`` (the library's guided tone accuracy), ``guided_within_one`` (read
  tone at most one step from the reference's) and ``guided_mean_read_by_reference`` (the mean tone
  read, 1-5, for each reference tone, yellow left out): a tone placed roughly or not at all.
"""
from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from munit_lib.evaluation.openmoji import (guided_tone_confusion, line_art_kept, load_openmoji_split,  # noqa: E402
                                          openmoji_model, read_tones, tone_confusion_summary)
from munit_lib.pretrained import pretrained_path  # noqa: E402
from munit_lib.registry import load_generators  # noqa: E402


def gap(path, seed: int = 0) -> dict:
    gen_a, gen_b = (g.eval() for g in load_generators(path))
    test = load_openmoji_split(split="test")
    idx = test.toned
    truth = torch.tensor([test.records[i].skintone - 1 for i in idx])  # tones 1-5 as 0-4
    masks = test.masks(idx)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        colour, line_art = test.colour[idx], test.line_art[idx]  # (n, 3, H, W) each
        c_colour, styles = gen_b.encode(colour)  # styles (n, style_dim)
        drawn = gen_a.decode(c_colour, torch.randn(len(idx), gen_a.style_dim, generator=g))  # the model's line art
        random_styles = torch.randn(styles.shape, generator=g)

        def accuracy(content, s=styles) -> float:
            return float((read_tones(gen_b.decode(content, s), masks) == truth).float().mean())

        def black_and_white(x, level):
            return torch.where(x.mean(1, keepdim=True) < level, -1.0, 1.0).expand_as(x)

        mean = styles.mean(0)
        row = {"true_line_art": accuracy(gen_a.encode_content(line_art)),
               "own_line_art": accuracy(gen_a.encode_content(drawn)),
               "own_line_art_random_style": sum(accuracy(gen_a.encode_content(drawn), torch.randn(styles.shape, generator=g))
                                                for _ in range(5)) / 5,  # five draws: one is noisy at 140 emoji
               "colour_content": accuracy(c_colour),
               **{f"own_line_art_threshold_{level}": accuracy(gen_a.encode_content(black_and_white(drawn, level)))
                  for level in (0.0, 0.5)},
               "own_line_art_noise_0.1": accuracy(gen_a.encode_content(drawn + 0.1 * torch.randn(drawn.shape, generator=g))),
               **{f"true_line_art_scaled_x{k}": accuracy(gen_a.encode_content(line_art), mean + k * (styles - mean))
                  for k in (2, 4)},
               "strokes_kept": line_art_kept(drawn, line_art),
               "style_norm": float(styles.norm(dim=1).mean() / random_styles.norm(dim=1).mean())}
    confusion = guided_tone_confusion(openmoji_model((gen_a, gen_b)), test, seed)  # (5, 6)
    summary = tone_confusion_summary(confusion)
    row.update(guided_confusion=confusion.tolist(), guided_exact=summary["exact"],
               guided_within_one=summary["within_one"], guided_mean_read_by_reference=summary["mean_read"])
    return {"checkpoint": str(path), "toned_emoji": len(idx), **row,
            "machine": platform.machine(), "date": datetime.date.today().isoformat()}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", help="a checkpoint or export (default: the shipped openmoji model)")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(json.dumps(gap(args.checkpoint or pretrained_path("openmoji")), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
