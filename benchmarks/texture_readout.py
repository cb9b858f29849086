"""What a shapes model draws for each texture: guided confusion, random styles, and the reader's numbers.

    python benchmarks/texture_readout.py --checkpoint data/pretrained/shapes/generators.pt [--n 200]

For ``--n`` test sketches, each translated with the style of another test painting (the example-guided
translation that ``score_shapes_model`` scores) and with one random style, prints:

* the confusion of reference texture against output texture (``classify_texture``);
* the textures that random styles give (how often each appears);
* per reference texture, the median and 10-90% range of the two numbers the texture reader reads
  (``texture_statistics``: ``f`` the dark fraction, ``s`` the share of the dark pattern's variance
  along rows or columns), for the real references and for the outputs. Real stripes have
  ``s`` near 1; an output with ``s`` near 0.3 has no stripes to misread;
* for a training checkpoint (``runs/<name>/checkpoints/last.pt``, which holds the discriminators),
  the painting discriminator's mean output per scale, by reference texture, for the real references
  and for the guided outputs: an LSGAN discriminator says 1 for real and 0 for fake, so two equal
  numbers mean it does not tell that texture's real paintings from the outputs, and gives the
  generator no reason to draw it otherwise.

The model's own paintings are used (its ``texture_anchor``). This measures; it asserts nothing.
"""
from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from munit_lib.config import MUNITConfig  # noqa: E402
from munit_lib.data.shapes import TEXTURES, ShapesDomain  # noqa: E402
from munit_lib.networks import MultiScaleDiscriminator  # noqa: E402
from munit_lib.official import load_state_dict_strict, read_checkpoint  # noqa: E402
from munit_lib.shapes_metrics import (classify_colour, classify_texture, model_texture_anchor,  # noqa: E402
                                      texture_statistics)
from munit_lib.translate import Translator  # noqa: E402


def spread(values) -> str:
    v = np.asarray([x for x in values if not np.isnan(x)])
    if not len(v):
        return "n/a"
    return f"{np.median(v):.2f} [{np.quantile(v, 0.1):.2f}, {np.quantile(v, 0.9):.2f}]"


@torch.no_grad()
def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--n", type=int, default=200, help="test sketches (each with one reference and one random style)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random styles")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    data = read_checkpoint(args.checkpoint)  # read once: the generators, and a training checkpoint's discriminators
    tr = Translator.from_checkpoint_data(data, args.checkpoint)
    gen_a, gen_b = tr.gen_a.eval(), tr.gen_b.eval()
    anchor = model_texture_anchor(gen_b)
    n = args.n
    sketches = ShapesDomain("a", "test", gen_b.cfg.image_size, n, 0).batch(range(n))  # (n, 3, H, W)
    paintings = ShapesDomain("b", "test", gen_b.cfg.image_size, n, 0, texture_anchor=anchor)
    refs = paintings.batch([(i + 1) % n for i in range(n)])  # reference i: painting i + 1, as score_shapes_model
    truth = [paintings.ground_truth((i + 1) % n).texture for i in range(n)]
    content = gen_a.encode_content(sketches)
    guided = gen_b.decode(content, gen_b.encode_style(refs))
    styles = torch.randn(n, gen_b.cfg.style_dim, generator=torch.Generator().manual_seed(args.seed))
    random = gen_b.decode(content, styles)

    colours = {"refs": classify_colour(refs), "guided": classify_colour(guided)}  # read once, used twice
    out = classify_texture(guided, colour=colours["guided"])
    confusion = collections.Counter(zip(truth, out))
    print(f"{args.checkpoint} (texture_anchor {anchor}, {n} test sketches)\n")
    print("guided: reference texture (rows) -> output texture (columns)")
    names = list(TEXTURES) + [None]
    print(" " * 9 + "".join(f"{str(t):>9}" for t in names) + "   taken")
    for t in TEXTURES:
        row = [confusion[(t, o)] for o in names]
        total = sum(row)
        print(f"{t:>9}" + "".join(f"{c:>9}" for c in row) + (f"   {confusion[(t, t)] / total:.2f}" if total else ""))
    print(f"guided texture: {np.mean([a == b for a, b in zip(truth, out)]):.3f}\n")
    counts = collections.Counter(classify_texture(random))
    print("random styles: " + ", ".join(f"{t} {counts[t]}" for t in names) + "\n")

    real_stats = texture_statistics(refs, colour=colours["refs"])
    out_stats = texture_statistics(guided, colour=colours["guided"])
    print("reader's numbers by reference texture, median [10%, 90%]")
    print(f"{'':>9}  {'real f':>20} {'real s':>20} {'output f':>20} {'output s':>20}")
    for t in TEXTURES:
        idx = [i for i in range(n) if truth[i] == t]
        cols = [spread([real_stats[i][0] for i in idx]), spread([real_stats[i][1] for i in idx]),
                spread([out_stats[i][0] for i in idx]), spread([out_stats[i][1] for i in idx])]
        print(f"{t:>9}  " + " ".join(f"{c:>20}" for c in cols))

    training = str(data.get("format", "")).startswith("munit_lib.checkpoint")
    if training and data["config"].get("model", "munit") == "munit":
        run_cfg = MUNITConfig.from_dict(dict(data["config"]))
        dis_b = MultiScaleDiscriminator(run_cfg, run_cfg.input_dim_b).eval()  # only the painting discriminator
        state = {key[len("dis_b."):]: value for key, value in data["model"].items() if key.startswith("dis_b.")}
        load_state_dict_strict(dis_b, state, f"{args.checkpoint} (painting discriminator)")
        scores = {name: [o.mean((1, 2, 3)) for o in dis_b(x)] for name, x in (("real", refs), ("guided", guided))}
        targets = {"lsgan": "1 real, 0 fake", "nsgan": "a logit: above 0 real, below 0 fake",
                   "hinge": "1 or more real, -1 or less fake"}[run_cfg.gan_type]  # what the D loss asks for
        print(f"\npainting discriminator's mean output ({targets}), one number per scale")
        print(f"{'':>9}  {'real references':>20} {'guided outputs':>20}")
        for t in TEXTURES:
            idx = torch.tensor([i for i in range(n) if truth[i] == t], dtype=torch.long)
            cols = [" ".join(f"{s[idx].mean():.2f}" for s in scores[name]) if len(idx) else "n/a"
                    for name in ("real", "guided")]
            print(f"{t:>9}  " + " ".join(f"{c:>20}" for c in cols))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
