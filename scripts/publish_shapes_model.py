"""Publish a shapes training run as the shipped model in data/pretrained/shapes/.

    python scripts/publish_shapes_model.py [--run runs/shapes_cpu] [--n 200]

From the run folder's last checkpoint it writes: ``generators.pt`` (the EMA generators, original
layout + config), ``config.yaml``, ``losses.csv`` (the log up to that iteration), the sample
grids of the last sampled iteration (``samples_a2b.png``, ``samples_b2a.png``), ``scores.json``
(``score_shapes_model`` on the test split) and a ``README.md`` that states all of it.
Nothing else is needed: the run itself comes from
``OMP_NUM_THREADS=1 python -m munit_lib train --config configs/shapes_cpu.yaml``.
"""
from __future__ import annotations

import argparse
import csv
import datetime
import json
import platform
import shutil
import subprocess
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "pretrained" / "shapes"

# what the issue asks the shipped model to reach
TARGETS = {"content_iou_a2b": 0.9, "content_iou_b2a": 0.9, "colour_coverage": 0.75}


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> int:
    from munit_lib import load_official_generators
    from munit_lib.__main__ import main as cli
    from munit_lib.shapes_metrics import score_shapes_model
    from munit_lib.training import read_training_checkpoint

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=str(ROOT / "runs" / "shapes_cpu"))
    parser.add_argument("--n", type=int, default=200, help="test images per domain for the scores")
    parser.add_argument("--readme-only", action="store_true", help="rewrite README.md from scores.json")
    args = parser.parse_args()
    if args.readme_only:
        scores = json.loads((OUT / "scores.json").read_text(encoding="utf-8"))
        sampled = sorted(int(p.stem.split("_")[1]) for p in (Path(args.run) / "samples").glob("a2b_*.png"))
        write_readme(scores, scores["iteration"], max(i for i in sampled if i <= scores["iteration"]))
        return 0
    run = Path(args.run)
    checkpoint = run / "checkpoints" / "last.pt"
    state = read_training_checkpoint(checkpoint)
    iteration = int(state["iteration"])
    OUT.mkdir(parents=True, exist_ok=True)

    # 1. the generators (EMA when the run has it), the config, the log up to this iteration
    cli(["export", "--checkpoint", str(checkpoint), "--out", str(OUT / "generators.pt")])
    shutil.copyfile(run / "config.yaml", OUT / "config.yaml")
    with open(run / "losses.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    with open(OUT / "losses.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([rows[0]] + [r for r in rows[1:] if int(float(r[0])) <= iteration])
    # 2. the last sample grids written at or before this iteration
    sampled = sorted(int(p.stem.split("_")[1]) for p in (run / "samples").glob("a2b_*.png"))
    last = max(i for i in sampled if i <= iteration)
    for name in ("a2b", "b2a"):
        shutil.copyfile(run / "samples" / f"{name}_{last:08d}.png", OUT / f"samples_{name}.png")
    # 3. the scores on the test split
    torch.set_num_threads(1)
    gen_a, gen_b = load_official_generators(OUT / "generators.pt")
    scores = score_shapes_model(gen_a, gen_b, n=args.n, num_styles=16, seed=0, progress=True)
    scores["colour_histogram"] = colour_histogram(gen_a, gen_b)
    scores.update(iteration=iteration, date=datetime.date.today().isoformat(), commit=git_commit(),
                  torch=torch.__version__, machine=f"{platform.machine()}, {torch.get_num_threads()} thread(s)")
    (OUT / "scores.json").write_text(json.dumps(scores, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    write_readme(scores, iteration, last)
    print(json.dumps(scores, indent=1, sort_keys=True))
    print(f"published iteration {iteration} of {run} in {OUT}")
    return 0


@torch.no_grad()
def colour_histogram(gen_a, gen_b, n: int = 50, num_styles: int = 16) -> dict:
    """How often each palette colour comes out of random styles (n test sketches x num_styles):
    where the prior N(0, I) puts its mass in the style space."""
    from collections import Counter

    from munit_lib.data import PALETTE, ShapesDomain
    from munit_lib.shapes_metrics import classify_colour

    x = torch.stack([ShapesDomain("a", "test", gen_a.cfg.image_size, n, 0)[i] for i in range(n)])
    styles = torch.randn(num_styles, gen_b.cfg.style_dim, generator=torch.Generator().manual_seed(0))
    content = gen_a.encode_content(x)
    outputs = torch.cat([gen_b.decode(content, s[None]) for s in styles])  # (num_styles * n, 3, H, W)
    counts = Counter(classify_colour(outputs))
    return {colour: counts.get(colour, 0) for colour in PALETTE}


def write_readme(scores: dict, iteration: int, sampled: int) -> None:
    def verdict(key: str) -> str:
        target = TARGETS[key]
        value = scores[key]
        return "met" if value >= target else f"short by {target - value:.3f}"

    lines = [
        "# The shipped shapes model",
        "",
        "MUNIT trained by this project's own command line on the synthetic shapes domains: 64x64",
        "sketches (A) <-> paintings (B). The networks are the paper's, narrowed for a CPU",
        "(`configs/shapes_cpu.yaml`: gen_dim 16, 2 residual blocks, a 2-scale discriminator, batch 1,",
        "the paper's optimiser and losses, EMA 0.999 of the generators).",
        "",
        f"Trained for **{iteration:,} iterations** on the project's 2-core CPU machine (one thread, in the",
        f"background), ending {scores['date']} at commit `{scores['commit']}` of the code.",
        "",
        "Reproduce:",
        "",
        "```bash",
        "OMP_NUM_THREADS=1 python -m munit_lib train --config configs/shapes_cpu.yaml --max-iter "
        f"{iteration}",
        "python scripts/publish_shapes_model.py        # export, log, samples, scores and this README",
        "```",
        "",
        "| file | what |",
        "|---|---|",
        "| `generators.pt` | both generators (EMA weights), original `gen_XXXXXXXX.pt` layout + `config`; "
        "`munit_lib.pretrained(\"shapes\")` loads it |",
        "| `config.yaml` | the run's full config |",
        "| `losses.csv` | every logged loss, one row per 10 iterations |",
        f"| `samples_a2b.png`, `samples_b2a.png` | sample grids of iteration {sampled:,}: fixed test inputs "
        "(first column) x fixed styles |",
        "| `scores.json` | the scores below, with the date, commit and machine |",
        "",
        f"## Scores on the shapes test split ({scores['n_test']} images per domain, "
        f"{scores['num_styles']} random styles each)",
        "",
        "Measured by `munit_lib.shapes_metrics.score_shapes_model`, whose readers agree with the ground",
        "truth on real samples (tests/test_shapes_metrics.py, notebook 06).",
        "",
        "| measure | value | target | |",
        "|---|---|---|---|",
        f"| content IoU, sketch -> painting | {scores['content_iou_a2b']:.3f} | >= 0.9 | {verdict('content_iou_a2b')} |",
        f"| content IoU, painting -> sketch | {scores['content_iou_b2a']:.3f} | >= 0.9 | {verdict('content_iou_b2a')} |",
        f"| palette colours reached by 16 styles per sketch | {scores['colour_coverage']:.3f} | >= 0.75 | "
        f"{verdict('colour_coverage')} |",
        f"| textures reached by 16 styles per sketch | {scores['texture_coverage']:.3f} | | |",
        f"| colour-texture pairs reached (of 32) | {scores['style_coverage']:.3f} | | |",
        f"| example-guided: output takes the reference's colour | {scores['guided_colour']:.3f} | | |",
        f"| example-guided: output takes the reference's texture | {scores['guided_texture']:.3f} | | |",
        "",
    ]
    histogram = ", ".join(f"{c} {k}" for c, k in sorted(scores["colour_histogram"].items(), key=lambda kv: -kv[1]))
    if all(scores[k] >= t for k, t in TARGETS.items()):
        lines += ["All three targets are met. Colours that random styles produce, over 50 test sketches x 16",
                  f"styles (`colour_histogram` in `scores.json`): {histogram}.", ""]
    else:
        lines += [
            "## Where it falls short, and why",
            "",
            "Colours that random styles produce, over 50 test sketches x 16 styles (`colour_histogram` in",
            f"`scores.json`): {histogram}.",
            "",
            "* **Palette coverage.** The decoder can paint every colour: with the style of a reference",
            f"  painting the output takes the reference's colour {scores['guided_colour']:.0%} of the time. But the",
            "  prior N(0, I) does not spread its mass evenly over the colours: some colours own only a small",
            "  region of the style space, so 16 random draws often miss them. (Even a perfectly even split",
            "  would reach 8 (1 - (7/8)^16) = 7.3 of 8 colours, 0.915, on average.) Longer training, which",
            "  pushes the style encoder's codes towards the prior, is the known remedy; this run is 1.4% of",
            "  the paper's 1M iterations, on narrowed networks.",
            "* **Content IoU, sketch -> painting.** The painted shapes sit in the right place (see",
            "  `samples_a2b.png`) but their edges are soft at 64x64, and a one-pixel rim is a large share of",
            "  a small shape's area. We have not measured how much of the gap is the model's blur and how",
            "  much the painting reader's (background = the border's median colour). Paintings -> sketches,",
            "  whose outlines are crisp, scores well above the target.",
            "",
        ]
    (OUT / "README.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
