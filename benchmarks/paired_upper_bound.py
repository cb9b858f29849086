"""Capacity or signal: can a config's generators learn to draw the shapes' textures when shown the answer?

    python benchmarks/paired_upper_bound.py --config configs/shapes_fast.yaml --seconds 900 --every 150 \\
        --out benchmarks/paired_upper_bound.jsonl --threads 2 [--set key=value ...] [--lr 0.001] \\
        [--oracle-style | --style-encoder-dim 64 | --style-lr-scale 5] [--probe-n 600]

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

With ``--probe-n N`` (default 600; 0 skips it) each line also has ``style_texture``: how well a
linear probe reads the texture from the style code ``E_s^b`` of real test paintings
(``factor_probes``, chance 0.25). It says whether the style encoder already tells the textures
apart while the decoder does not yet draw them.

``--oracle-style`` asks where the time goes from the other side: the style encoder is replaced by
the answer, a learned code per ground-truth factor (``OracleStyle``: one embedding each for colour,
texture and background, summed), trained with the generators. If the textures then arrive no
sooner, reading them from a painting is not what is slow. Two ways to make the style encoder
itself read sooner: ``--style-encoder-dim N`` builds both generators' style encoders N wide (the
config's ``gen_dim`` elsewhere), and ``--style-lr-scale X`` trains them at X times the learning rate.
(Measured 2026-12-02, results.md "Where the updates go": the oracle passes 0.60 after about 10,000
updates where the plain bound needs over 23,000; neither other change reads the texture sooner.)

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

from munit_lib.data.shapes import BACKGROUNDS, PALETTE, TEXTURES, ShapesPairs  # noqa: E402
from munit_lib.losses import recon_loss  # noqa: E402
from munit_lib.networks import MUNIT, StyleEncoder, init_weights  # noqa: E402
from munit_lib.shapes_metrics import classify_texture, factor_probes  # noqa: E402
from munit_lib.training import is_shapes_root, shapes_count  # noqa: E402


def stack_pairs(pairs: ShapesPairs, indices) -> tuple[torch.Tensor, torch.Tensor]:
    """Pairs ``indices`` as two (B, 3, H, W) batches: sketches, paintings."""
    sketches, paintings = zip(*(pairs[i] for i in indices))
    return torch.stack(sketches), torch.stack(paintings)


class OracleStyle(torch.nn.Module):
    """The answer in place of the style encoder: a painting's style code is the sum of one learned
    ``style_dim`` vector for its colour, one for its texture and one for its background."""

    FACTORS = (("colour", tuple(PALETTE)), ("texture", TEXTURES), ("background", tuple(BACKGROUNDS)))

    def __init__(self, style_dim: int) -> None:
        super().__init__()
        # drawn like MUNIT's style prior, N(0, I), so the decoder's MLP sees codes of the usual size
        self.tables = torch.nn.ModuleDict({name: torch.nn.Embedding(len(values), style_dim)
                                           for name, values in self.FACTORS})
        for table in self.tables.values():
            torch.nn.init.normal_(table.weight)

    @classmethod
    def labels(cls, pairs: ShapesPairs, indices) -> torch.Tensor:
        """(len(indices), 3) long: the colour, texture and background index of each pair's painting."""
        styles = [pairs.ground_truth(i)[1].style for i in indices]
        return torch.tensor([[values.index(getattr(st, name)) for name, values in cls.FACTORS] for st in styles])

    def forward(self, labels: torch.Tensor) -> torch.Tensor:
        """(B, 3) factor indices -> (B, style_dim) codes."""
        return sum(self.tables[name](labels[:, k]) for k, (name, _) in enumerate(self.FACTORS))


def translate(model: MUNIT, sketches: torch.Tensor, references: torch.Tensor) -> torch.Tensor:
    """G_b(E_c^a(sketches), style): ``references`` are paintings (B, 3, H, W), whose style E_s^b
    reads, or style codes (B, style_dim) given directly; paired with the sketches by position."""
    style = references if references.dim() == 2 else model.gen_b.encode_style(references)
    return model.gen_b.decode(model.gen_a.encode_content(sketches), style)


@torch.no_grad()
def score(model: MUNIT, sketches: torch.Tensor, paintings: torch.Tensor, textures: list[str],
          references: torch.Tensor | None = None) -> dict:
    """The test pairs' L1 (own style) and the share of outputs whose texture is the one asked for.
    The styles come from ``references`` (default: the paintings; or their oracle style codes)."""
    was_training = model.training
    model.eval()
    references = paintings if references is None else references
    own = translate(model, sketches, references)
    guided = translate(model, sketches, references.roll(-1, 0))  # sketch i with painting i + 1's style
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


def build(cfg, lr: float, style_encoder_dim: int | None = None, style_lr_scale: float = 1.0,
          oracle_style: bool = False) -> tuple[MUNIT, OracleStyle | None, torch.optim.Adam]:
    """The model (its discriminators built but never used), the oracle codes if asked for, and
    Adam over the generators (and oracle): the style encoders, ``style_encoder_dim`` wide if given,
    in a group of their own at ``lr * style_lr_scale``, everything else at ``lr``."""
    model = MUNIT(cfg).train()
    gens = (model.gen_a, model.gen_b)
    if style_encoder_dim is not None:  # other style encoders, initialised as MUNIT's are
        for g in gens:
            g.enc_style = init_weights(StyleEncoder(cfg.style_downsample, g.input_dim, style_encoder_dim,
                                                    cfg.style_dim, cfg.activ, cfg.pad_type), cfg.init)
    others = [q for g in gens for name, q in g.named_parameters() if not name.startswith("enc_style.")]
    style = [q for g in gens for q in g.enc_style.parameters()]
    oracle = OracleStyle(cfg.style_dim) if oracle_style else None
    if oracle is not None:  # the style encoders are then never used
        others += list(oracle.parameters())
    groups = [{"params": others, "lr": lr}, {"params": style, "lr": lr * style_lr_scale}]
    return model, oracle, torch.optim.Adam(groups, lr=lr, betas=(cfg.beta1, cfg.beta2), weight_decay=cfg.weight_decay)


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
    p.add_argument("--probe-n", type=int, default=600,
                   help="real paintings to fit the style code's texture probe on at each mark (0: no probe)")
    p.add_argument("--oracle-style", action="store_true",
                   help="replace the style encoder with a learned code per ground-truth factor (OracleStyle)")
    p.add_argument("--style-encoder-dim", type=int, default=None,
                   help="width of the style encoders' first convolution (default: the config's gen_dim)")
    p.add_argument("--style-lr-scale", type=float, default=1.0,
                   help="the style encoders' learning rate, as a multiple of the others'")
    p.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="config overrides")
    args = p.parse_args(argv)
    if args.seconds <= 0 or args.every <= 0:
        p.error("--seconds and --every must be positive")
    if args.probe_n < 0:
        p.error("--probe-n must be 0 (no probe) or a number of paintings")
    if (args.style_encoder_dim is not None and args.style_encoder_dim < 1) or args.style_lr_scale <= 0:
        p.error("--style-encoder-dim and --style-lr-scale must be positive")
    if args.oracle_style and (args.style_encoder_dim is not None or args.style_lr_scale != 1.0):
        p.error("--oracle-style replaces the style encoders: leave out --style-encoder-dim and --style-lr-scale")

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

    lr = args.lr or cfg.lr
    model, oracle, opt = build(cfg, lr, args.style_encoder_dim, args.style_lr_scale, args.oracle_style)
    if oracle is not None:
        train_labels = OracleStyle.labels(train, range(len(train)))  # (N, 3)
        test_labels = OracleStyle.labels(test, range(args.n))
    rng = np.random.default_rng(cfg.seed)
    label = args.label or Path(args.config).stem
    base = {"label": label, "config": args.config, "set": args.set, "seed": cfg.seed, "lr": lr,
            "oracle_style": args.oracle_style, "style_encoder_dim": args.style_encoder_dim or cfg.gen_dim,
            "style_lr_scale": args.style_lr_scale,
            "machine": machine(), "date": datetime.date.today().isoformat(), "commit": commit()}

    trained, iteration, mark = 0.0, 0, args.every
    while True:
        start = time.perf_counter()
        while trained + time.perf_counter() - start < min(mark, args.seconds):
            picked = rng.integers(len(train), size=cfg.batch_size).tolist()
            sketch, painting = stack_pairs(train, picked)
            style = painting if oracle is None else oracle(train_labels[picked])  # an image, or its code
            loss = recon_loss(translate(model, sketch, style), painting)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            iteration += 1
        trained += time.perf_counter() - start
        with torch.no_grad():
            references = None if oracle is None else oracle(test_labels)
        row = {**base, "wall_s": round(trained, 1), "iteration": iteration,
               **score(model, test_sketches, test_paintings, textures, references)}
        if oracle is None and args.probe_n:
            row["style_texture"] = round(factor_probes(model.gen_b, n_train=args.probe_n, size=size,
                                                       texture_anchor=cfg.texture_anchor)["style_texture"], 3)
        with open(args.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
        print(json.dumps({k: row[k] for k in row if k not in base or k == "label"}), flush=True)
        if trained >= args.seconds:
            break
        mark += args.every
    if args.samples:
        import torchvision.utils as vutils

        with torch.no_grad():
            styles = test_paintings if references is None else references  # the last mark's
            own = translate(model.eval(), test_sketches[:10], styles[:10])
        grid = torch.cat([test_sketches[:10], test_paintings[:10], own]) * 0.5 + 0.5  # rows: sketch, painting, output
        vutils.save_image(grid.clamp(0, 1), args.samples, nrow=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
