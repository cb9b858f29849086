"""Capacity or signal: can a config's generators learn to draw the shapes' textures when shown the answer?

    python benchmarks/paired_upper_bound.py --config configs/shapes_fast.yaml --seconds 900 --every 150 \\
        --out benchmarks/paired_upper_bound.jsonl --threads 2 [--set key=value ...] [--lr 0.001]

MUNIT learns without pairs: what pushes its generator to draw a texture is a discriminator and the
cycle losses, slow and indirect signals. This script gives the same generators the most direct
signal there is, to bound what they can learn in a given time. The shapes data has a paired form
(``ShapesPairs``): the sketch of a painting's own geometry. One training step is

    x_hat = G_b( E_c^a(sketch),  E_s^b(painting) )        # content from the sketch, style from its painting
    loss  = | x_hat - painting |_1                        # the answer, pixel for pixel

with Adam at the config's settings (or ``--lr``). There is no discriminator and no cycle, and the
pattern's place is no secret: with ``texture_anchor: shape`` it is fixed by the outline, so a
generator able to draw it gets the full reward. If the generators cannot draw a texture under this
signal within a time, an unsupervised recipe with the same generators could only do it in that time
by learning faster per update than from the answer itself.

Every ``--every`` seconds of training (the clock stops while scoring), it appends one JSON line to
``--out`` with the test pairs' L1 and how often the output's texture (``classify_texture``) is the
one asked for:

* ``texture_own``: each test sketch with the style of its own painting (what the loss trains);
* ``texture_guided``: each test sketch with the style of the next test painting, the form of the
  example-guided score of ``score_shapes_model`` (the course's 0.60 target is on it), and
  ``taken_<texture>`` for it per reference texture.

``--samples FILE`` writes the last test sketches, paintings and outputs as a grid. This measures;
it asserts nothing.
"""
from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from time_to_quality import commit, machine, run_config  # noqa: E402

from munit_lib.data.shapes import TEXTURES, ShapesPairs  # noqa: E402
from munit_lib.losses import recon_loss  # noqa: E402
from munit_lib.networks import MUNIT  # noqa: E402
from munit_lib.shapes_metrics import classify_texture  # noqa: E402
from munit_lib.training import is_shapes_root, shapes_count  # noqa: E402


def stack_pairs(pairs: ShapesPairs, indices) -> tuple[torch.Tensor, torch.Tensor]:
    """Pairs ``indices`` as two (B, 3, H, W) batches: sketches, paintings."""
    sketches, paintings = zip(*(pairs[i] for i in indices))
    return torch.stack(sketches), torch.stack(paintings)


def translate(model: MUNIT, sketches: torch.Tensor, references: torch.Tensor) -> torch.Tensor:
    """G_b(E_c^a(sketches), E_s^b(references)): (B, 3, H, W) each, paired by position."""
    return model.gen_b.decode(model.gen_a.encode_content(sketches), model.gen_b.encode_style(references))


@torch.no_grad()
def score(model: MUNIT, sketches: torch.Tensor, paintings: torch.Tensor, textures: list[str]) -> dict:
    """The test pairs' L1 (own style) and the share of outputs whose texture is the one asked for."""
    was_training = model.training
    model.eval()
    own = translate(model, sketches, paintings)
    guided = translate(model, sketches, paintings.roll(-1, 0))  # sketch i with painting i + 1's style
    asked = textures[1:] + textures[:1]
    got_own, got_guided = classify_texture(own), classify_texture(guided)
    out = {"l1_test": round(recon_loss(own, paintings).item(), 4),
           "texture_own": round(float(np.mean([g == t for g, t in zip(got_own, textures)])), 3),
           "texture_guided": round(float(np.mean([g == t for g, t in zip(got_guided, asked)])), 3)}
    for t in TEXTURES:
        hits = [g == t for g, a in zip(got_guided, asked) if a == t]
        out[f"taken_{t}"] = round(float(np.mean(hits)), 3) if hits else None
    model.train(was_training)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", required=True)
    p.add_argument("--seconds", type=float, default=900, help="training wall-clock budget")
    p.add_argument("--every", type=float, default=150, help="score every this many seconds of training")
    p.add_argument("--out", required=True, help="JSON-lines file to append to")
    p.add_argument("--lr", type=float, default=None, help="Adam's learning rate (default: the config's)")
    p.add_argument("--seed", type=int, default=None, help="override the config's seed")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--n", type=int, default=200, help="test pairs to score")
    p.add_argument("--label", default=None, help="a name for this curve (default: the config's stem)")
    p.add_argument("--samples", default=None,
                   help="PNG grid, at the end: 10 test sketches, their paintings, each drawn with its painting's style")
    p.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="config overrides")
    args = p.parse_args(argv)
    if args.seconds <= 0 or args.every <= 0:
        p.error("--seconds and --every must be positive")

    torch.set_num_threads(args.threads)
    cfg, _ = run_config(args.config, args.set, args.seed)
    if not is_shapes_root(cfg.data_root):
        p.error(f"{args.config}: data_root must be the in-memory shapes data (shapes or shapes:N), "
                f"got {cfg.data_root!r}")
    torch.manual_seed(cfg.seed)
    size = cfg.image_size
    train = ShapesPairs("train", size, shapes_count(cfg.data_root), cfg.seed, texture_anchor=cfg.texture_anchor)
    test = ShapesPairs("test", size, args.n, 0, texture_anchor=cfg.texture_anchor)
    test_sketches, test_paintings = stack_pairs(test, range(args.n))  # (n, 3, H, W) each
    textures = [test.ground_truth(i)[1].style.texture for i in range(args.n)]

    model = MUNIT(cfg).train()  # the discriminators are built but never used
    params = list(model.gen_a.parameters()) + list(model.gen_b.parameters())
    lr = args.lr or cfg.lr
    opt = torch.optim.Adam(params, lr=lr, betas=(cfg.beta1, cfg.beta2), weight_decay=cfg.weight_decay)
    rng = np.random.default_rng(cfg.seed)
    label = args.label or Path(args.config).stem
    base = {"label": label, "config": args.config, "set": args.set, "seed": cfg.seed, "lr": lr,
            "machine": machine(), "date": datetime.date.today().isoformat(), "commit": commit()}

    trained, iteration, mark = 0.0, 0, args.every
    while True:
        start = time.perf_counter()
        while trained + time.perf_counter() - start < min(mark, args.seconds):
            sketch, painting = stack_pairs(train, rng.integers(len(train), size=cfg.batch_size).tolist())
            loss = recon_loss(translate(model, sketch, painting), painting)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            iteration += 1
        trained += time.perf_counter() - start
        row = {**base, "wall_s": round(trained, 1), "iteration": iteration,
               **score(model, test_sketches, test_paintings, textures)}
        with open(args.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
        print(json.dumps({k: row[k] for k in row if k not in base or k == "label"}), flush=True)
        if trained >= args.seconds:
            break
        mark += args.every
    if args.samples:
        import torchvision.utils as vutils

        with torch.no_grad():
            own = translate(model.eval(), test_sketches[:10], test_paintings[:10])
        grid = torch.cat([test_sketches[:10], test_paintings[:10], own]) * 0.5 + 0.5  # rows: sketch, painting, output
        vutils.save_image(grid.clamp(0, 1), args.samples, nrow=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
