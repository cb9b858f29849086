"""Publish a shapes training run as the shipped model in data/pretrained/shapes/.

    python scripts/publish_shapes_model.py [--run runs/shapes_fast] [--n 200]

From the run folder's last checkpoint it writes: ``generators.pt`` (the EMA generators, original
layout + config), ``config.yaml``, ``losses.csv`` (the log up to that iteration), the sample
grids of the last sampled iteration (``samples_a2b.png``, ``samples_b2a.png``), ``scores.json``
(``score_shapes_model`` on the test split) and a ``README.md`` that states all of it.
It also writes ``time_to_quality.jsonl`` when the run was trained by
``benchmarks/time_to_quality.py`` (its scores along the way, copied from ``--curve``).
Nothing else is needed: the run itself comes from
``python -m munit_lib train --config configs/shapes_fast.yaml`` (or the time-to-quality benchmark).

    python scripts/publish_shapes_model.py --rescore

scores a model already published again, without its run folder: it keeps the files and the
training record (iteration, date, commit), adds every score the scorer has learned since and
rewrites ``scores.json`` and ``README.md``, naming the date and commit of the new scoring.
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
import yaml

from munit_lib.evaluation.shapes_score import SHAPES_TARGETS

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "pretrained" / "shapes"

LABELS = {"content_iou_a2b": "content IoU, sketch -> painting", "content_iou_b2a": "content IoU, painting -> sketch",
          "colour_coverage": "palette colours reached by 16 styles per sketch",
          "pair_coverage": "colour x texture pairs reached by 64 styles per sketch (of 32)",
          "guided_colour": "example-guided: output takes the reference's colour",
          "guided_texture": "example-guided: output takes the reference's texture"}


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> int:
    from munit_lib.cli import main as cli
    from munit_lib.training import read_training_checkpoint

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=str(ROOT / "runs" / "shapes_fast"))
    parser.add_argument("--curve", default=None, help="JSON lines of benchmarks/time_to_quality.py for this run")
    parser.add_argument("--label", default=None, help="the curve's label to keep (default: every line)")
    parser.add_argument("--seed", type=int, default=None, help="the curve's seed to keep (default: every seed)")
    parser.add_argument("--iteration", type=int, default=None,
                        help="publish the run's export gen_<iteration>.pt instead of its last checkpoint")
    parser.add_argument("--out", default=None, help="where to publish (default data/pretrained/shapes)")
    parser.add_argument("--n", type=int, default=200, help="test images per domain for the scores")
    parser.add_argument("--readme-only", action="store_true", help="rewrite README.md from scores.json")
    parser.add_argument("--rescore", action="store_true",
                        help="score the published generators again (no run folder needed) and rewrite the README")
    parser.add_argument("--note", default=None,
                        help="a paragraph for the README on how this run was made (default: the one it has)")
    args = parser.parse_args()
    global OUT
    OUT = Path(args.out) if args.out else OUT
    if args.readme_only or args.rescore:
        if not (OUT / "scores.json").is_file():
            parser.error(f"{OUT} holds no scores.json: publish a run there first (--run RUN_FOLDER)")
        scores = json.loads((OUT / "scores.json").read_text(encoding="utf-8"))
        note = scores.get("note", "") if args.note is None else args.note
        if args.rescore:
            scores = rescore(scores, args.n)
        elif "sampled" not in scores:  # older scores lack it: read it from the run folder
            scores["sampled"] = last_sampled(Path(args.run), scores["iteration"])
        save({**scores, "note": note})
        return 0
    run = Path(args.run)
    OUT.mkdir(parents=True, exist_ok=True)
    # 1. the generators (EMA when the run has it), the config, the log up to this iteration
    if args.iteration is not None:  # an export the run wrote (the time-to-quality benchmark writes one per score)
        iteration = args.iteration
        shutil.copyfile(run / f"gen_{iteration:08d}.pt", OUT / "generators.pt")
    else:
        checkpoint = run / "checkpoints" / "last.pt"
        iteration = int(read_training_checkpoint(checkpoint)["iteration"])
        cli(["export", "--checkpoint", str(checkpoint), "--out", str(OUT / "generators.pt")])
    shutil.copyfile(run / "config.yaml", OUT / "config.yaml")
    with open(run / "losses.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    with open(OUT / "losses.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([rows[0]] + [r for r in rows[1:] if int(float(r[0])) <= iteration])
    # 2. the last sample grids written at or before this iteration
    last = last_sampled(run, iteration)
    for name in ("a2b", "b2a"):
        shutil.copyfile(run / "samples" / f"{name}_{last:08d}.png", OUT / f"samples_{name}.png")
    # 3. the scores on the test split
    scores = score_published(args.n)
    if args.curve:  # the run's scores along the way, as the time-to-quality benchmark wrote them
        rows = [json.loads(line) for line in Path(args.curve).read_text(encoding="utf-8").splitlines()]
        rows = [r for r in rows if (args.label is None or r["label"] == args.label)
                and (args.seed is None or r["seed"] == args.seed) and r["iteration"] <= iteration]
        (OUT / "time_to_quality.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    scores.update(iteration=iteration, sampled=last, note=args.note or "", date=datetime.date.today().isoformat(),
                  commit=git_commit(), **scoring_machine())
    save(scores)
    print(json.dumps(scores, indent=1, sort_keys=True))
    print(f"published iteration {iteration} of {run} in {OUT}")
    return 0


def last_sampled(run: Path, iteration: int) -> int:
    """The last iteration at or before ``iteration`` whose sample grids the run folder holds."""
    sampled = [int(p.stem.split("_")[1]) for p in (run / "samples").glob("a2b_*.png")]
    return max(i for i in sampled if i <= iteration)


def save(scores: dict) -> None:
    """Write ``scores.json`` and the README it gives, into OUT."""
    (OUT / "scores.json").write_text(json.dumps(scores, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    write_readme(scores)


def score_published(n: int) -> dict:
    """Every score of the generators published in OUT: the test-split scores, where random styles put
    their colours, and the factor probes."""
    from munit_lib import load_official_generators
    from munit_lib.evaluation.shapes_score import factor_probes, score_shapes_model

    torch.set_num_threads(1)
    gen_a, gen_b = load_official_generators(OUT / "generators.pt")
    scores = score_shapes_model(gen_a, gen_b, n=n, num_styles=16, seed=0, progress=True)
    scores["colour_histogram"] = colour_histogram(gen_a, gen_b)
    scores["factor_probes"] = factor_probes(gen_b)
    return scores


def scoring_machine() -> dict:
    return dict(torch=torch.__version__, machine=f"{platform.machine()}, {torch.get_num_threads()} thread(s)")


def rescore(old: dict, n: int) -> dict:
    """Score the published generators again. The training record (iteration, the sample grids'
    iteration, the date and commit of publication) is kept; every score is replaced, so
    measures added to the scorer since publication appear, and a score that moved is not hidden.
    ``rescored`` names when and by which commit."""
    new = score_published(n)
    moved = {k: (old[k], v) for k, v in new.items() if isinstance(v, float) and k in old and abs(old[k] - v) > 1e-6}
    if moved:
        print("scores that differ from the published ones (old, new):", json.dumps(moved))
    kept = {k: old[k] for k in ("iteration", "date", "commit") if k in old}  # main() carries the note
    kept["sampled"] = old.get("sampled", old["iteration"])  # published before it was recorded: the last iteration
    new.update(kept, rescored=dict(date=datetime.date.today().isoformat(), commit=git_commit(), **scoring_machine()))
    return new


@torch.no_grad()
def colour_histogram(gen_a, gen_b, n: int = 50, num_styles: int = 16) -> dict:
    """How often each palette colour comes out of random styles (n test sketches x num_styles):
    where the prior N(0, I) puts its mass in the style space."""
    from collections import Counter

    from munit_lib.data import PALETTE, ShapesDomain
    from munit_lib.evaluation.shapes import classify_colour

    x = torch.stack([ShapesDomain("a", "test", gen_a.cfg.image_size, n, 0)[i] for i in range(n)])
    styles = torch.randn(num_styles, gen_b.cfg.style_dim, generator=torch.Generator().manual_seed(0))
    content = gen_a.encode_content(x)
    outputs = torch.cat([gen_b.decode(content, s[None]) for s in styles])  # (num_styles * n, 3, H, W)
    counts = Counter(classify_colour(outputs))
    return {colour: counts.get(colour, 0) for colour in PALETTE}


def write_readme(scores: dict) -> None:
    """README.md from the scores and the record they carry: ``iteration``, ``sampled`` (the sample
    grids' iteration), ``date``, ``commit``, ``note`` (optional) and ``rescored`` (optional)."""
    iteration, sampled, note = scores["iteration"], scores["sampled"], scores.get("note", "")

    def verdict(key: str) -> str:
        must, aim = SHAPES_TARGETS[key]
        value = scores[key]
        if value >= aim:
            return "aim met"
        return f"must met, {aim - value:.3f} short of the aim" if value >= must else f"**short of must by {must - value:.3f}**"

    cfg = yaml.safe_load((OUT / "config.yaml").read_text(encoding="utf-8"))
    probes = scores.get("factor_probes", {})
    lines = [
        "# The shipped shapes model",
        "",
        "MUNIT trained by this project's own code on the synthetic shapes domains: 64x64 sketches (A)",
        "<-> paintings (B), with the fast recipe `configs/shapes_fast.yaml`: the paper's networks narrowed",
        f"(gen_dim {cfg['gen_dim']}, {cfg['n_res']} residual blocks, a {cfg['dis_num_scales']}-scale discriminator), "
        f"batch {cfg['batch_size']}, learning rate {cfg['lr']:g},",
        f"the paper's losses plus the explicit style-augmented cycle loss (weight {cfg['recon_x_cyc_w']:g}), "
        f"EMA {cfg['ema_decay']:g} of the generators,",
        f"on paintings whose textures are pinned to the {cfg.get('texture_anchor', 'canvas')} "
        "(`texture_anchor`; notebook 06 shows the two rules, notebook 07 why it matters).",
        "",
        f"Trained for **{iteration:,} iterations** on the project's 2-core CPU machine, ending {scores['date']}",
        f"at commit `{scores['commit']}` of the code. `time_to_quality.jsonl` holds its scores along the way",
        "(wall-clock seconds of training, iteration, every score), written by `benchmarks/time_to_quality.py`.",
        "",
        "It was trained by the time-to-quality benchmark (one thread, seed 0, scored at fixed wall-clock",
        "times), which trains as the command line does, in slices (the trainer resumes exactly, so slicing",
        "changes nothing; not re-checked for this run). Reproduce with one thread, as it was trained:",
        "",
        "```bash",
        f"OMP_NUM_THREADS=1 python -m munit_lib train --config configs/shapes_fast.yaml --max-iter {iteration}",
        "python scripts/publish_shapes_model.py --run runs/shapes_fast   # export, log, samples, scores, README",
        "```",
        "",
        *([note, ""] if note else []),
        "| file | what |",
        "|---|---|",
        "| `generators.pt` | both generators (EMA weights), original `gen_XXXXXXXX.pt` layout + `config`; "
        "`munit_lib.pretrained(\"shapes\")` loads it |",
        "| `config.yaml` | the run's full config |",
        "| `losses.csv` | every logged loss, one row per 10 iterations |",
        f"| `samples_a2b.png`, `samples_b2a.png` | sample grids of iteration {sampled:,}: fixed test inputs "
        "(first column) x fixed styles |",
        "| `scores.json` | the scores below, with the date, commit and machine |",
        "| `time_to_quality.jsonl` | the scores along the run |",
        "",
        f"## Scores on the shapes test split ({scores['n_test']} images per domain, "
        f"{scores['num_styles']} random styles each)",
        "",
        "Measured by `munit_lib.evaluation.shapes_score.score_shapes_model`, whose readers agree with the ground",
        "truth on real samples (tests/test_evaluation_shapes.py, notebook 06).",
        *([f"Scored again on {scores['rescored']['date']} at commit `{scores['rescored']['commit']}`",
           "(`python scripts/publish_shapes_model.py --rescore`), with the scorer's measures of that day."]
          if "rescored" in scores else []),
        "",
        "| measure | value | must | aim | |",
        "|---|---|---|---|---|",
    ]
    for key, (must, aim) in SHAPES_TARGETS.items():
        lines.append(f"| {LABELS[key]} | {scores[key]:.3f} | {must} | {aim} | {verdict(key)} |")
    lines += [
        "",
        f"With 16 styles per sketch, colour x texture pairs reached: {scores['style_coverage']:.3f} of 32; no model",
        "can pass 0.5 there (16 outputs), and one whose outputs follow the data's own style distribution",
        f"scores {scores['style_coverage_ideal']:.3f} in the mean. With 64 styles the ideal is "
        f"{scores['pair_coverage_ideal']:.3f}: that is the column above.",
        *(["", "Colours and pairs above come from one draw of style codes shared by every sketch, so they move",
           "with the draw (`benchmarks/results.md`, \"The colour reader's lottery\"). With every sketch given its own",
           f"codes: colours {scores['colour_coverage_fresh']:.3f} (a perfect sampler of the 8 colours scores "
           f"{scores['colour_coverage_ideal']:.3f}), pairs with 64 styles {scores['pair_coverage_fresh']:.3f}."]
          if "colour_coverage_fresh" in scores else []),  # scores made before the fresh measures lack them
        "",
        "Where colour and texture live (linear probes on real test paintings, `evaluation.shapes_score.factor_probes`;",
        "chance is 0.125 for colour, 0.25 for texture):",
        "",
        "| code | colour | texture |",
        "|---|---|---|",
        f"| style code | {probes.get('style_colour', float('nan')):.3f} | {probes.get('style_texture', float('nan')):.3f} |",
        f"| content code (4x4 pooled) | {probes.get('content_colour', float('nan')):.3f} | "
        f"{probes.get('content_texture', float('nan')):.3f} |",
        "",
    ]
    histogram = ", ".join(f"{c} {k}" for c, k in sorted(scores["colour_histogram"].items(), key=lambda kv: -kv[1]))
    lines += [f"Colours that random styles produce, over 50 test sketches x 16 styles (`colour_histogram`): {histogram}.",
              ""]
    (OUT / "README.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
