"""Train, score and publish the models shipped under data/pretrained/, by name (munit_lib.zoo).

    python scripts/zoo.py list                          # every model: family, recipe, budget, what is published
    python scripts/zoo.py train NAME [NAME ...] [--publish] [--max-iter N] [--cpu-minutes M] [--max-seconds S]
                                [--threads 1] [--runs runs/zoo] [--set key=value ...] [--quiet]
    python scripts/zoo.py publish NAME [--run DIR | --checkpoint FILE] [--overwrite] [--note TEXT]
                                [--cpu-minutes M] [--iteration N] [--curve FILE [--label L] [--seed S]] [--readme-only]
    python scripts/zoo.py score NAME [--write] [--n 200] [--styles 16] [--note TEXT]
    python scripts/zoo.py table shapes | openmoji | table1 [--out FILE] [--allow-missing] [--lpips]
    python scripts/zoo.py seeds [NAME ...] [--seeds 1 2] [--runs runs/seeds] [--collect-only]

train: the model's recipe for its budget, in runs/zoo/NAME/ (one thread unless --threads); run it
again to go on from the last checkpoint (Ctrl-C stops after the iteration under way, saved); a run
at its budget is left alone. --publish publishes what was trained (replacing the published model).

publish: the run's last checkpoint as data/pretrained/NAME/ (weights, config, scores, and for the
course and OpenMoji models the log, samples and README), scored as loaded from the file written.
A published model is replaced only with --overwrite.

score: the published model measured again as its family is scored, printed as JSON; --write puts
the new scores into its scores.json (keeping the training record) and rewrites its README.

table: shapes, the shapes models' published scores; openmoji, the OpenMoji models' published
scores; table1, Table 1 of the paper measured now on the shipped models (written to
data/pretrained/evaluation/table1_shapes.md and .json).

seeds: the models whose differences the course states as findings (default: the four cycle
variants, the three ablations, UNIT) trained again from seeds 1 and 2 in
runs/seeds/seed<S>/, each published there as its family publishes (and measured by Table 1's
protocol where it is a row of Table 1), then the shipped (seed 0) and new scores gathered into
data/pretrained/seeds.json, which notebooks 09-11 read. Run it again to go on; --collect-only only
gathers what is published.

--out names the folder of published models (default data/pretrained/ of the data directory,
$MUNIT_DATA_DIR when set); for table, the file to write. Errors are one line.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from munit_lib.cli.train import parse_overrides  # noqa: E402
from munit_lib.pretrained import data_dir  # noqa: E402
from munit_lib.zoo import (DEFAULT_RUNS, ZOO, openmoji_table, publish, published_iteration,  # noqa: E402
                           run_iteration, score, shipped_scores_table, table1, train, write_readme_again,
                           zoo_model)
from munit_lib.zoo import seeds as seeded  # noqa: E402


def cmd_list(args) -> int:
    out_root = Path(args.out) if args.out else data_dir() / "pretrained"
    print(f"{'name':20s} {'family':9s} {'budget':30s} {'published':12s} recipe")
    for model in ZOO.values():
        changes = " ".join(f"{k}={v}" for k, v in model.changes.items())
        iteration = published_iteration(out_root / model.name)
        shown = "-" if iteration is None else f"it. {iteration:,}"
        print(f"{model.name:20s} {model.family:9s} {model.budget:30s} {shown:12s} {model.config}"
              + (f" + {changes}" if changes else ""))
    return 0


def cmd_train(args) -> int:
    for name in args.names:  # every name before any training
        zoo_model(name)
    out_root = Path(args.out) if args.out else data_dir() / "pretrained"
    overrides = parse_overrides(args.set)
    for name in args.names:
        torch.set_num_threads(args.threads or zoo_model(name).threads)
        result = train(name, args.runs, max_iter=args.max_iter, cpu_minutes=args.cpu_minutes,
                       max_seconds=args.max_seconds, overrides=overrides, progress=not args.quiet)
        if result["interrupted"]:
            print(f"{name}: interrupted; run the same command again to go on", file=sys.stderr)
            return 130
        if args.publish:
            if published_iteration(out_root / name) == run_iteration(Path(args.runs) / name):
                print(f"{name}: published at iteration {result['iteration']}, skipped")
                continue
            scores = publish(name, run=Path(args.runs) / name, out_root=out_root, overwrite=True, n=args.n,
                             num_styles=args.styles)
            _summary(name, scores)
    return 0


def _summary(name: str, scores: dict) -> None:
    keys = [k for k in ("content_iou_a2b", "content_iou_b2a", "colour_coverage", "pair_coverage", "cycle_bab_plain",
                        "tones_reached", "guided_tone_accuracy") if isinstance(scores.get(k), (int, float))]
    print(f"{name}: " + ", ".join(f"{k} {scores[k]:.3f}" for k in keys))


def cmd_publish(args) -> int:
    if args.readme_only:
        write_readme_again(args.name, args.out, note=args.note)
        return 0
    scores = publish(args.name, run=args.run or Path(args.runs) / args.name, checkpoint=args.checkpoint,
                     out_root=args.out, overwrite=args.overwrite, n=args.n, num_styles=args.styles, note=args.note,
                     cpu_minutes=args.cpu_minutes, iteration=args.iteration, curve=args.curve,
                     curve_label=args.label, curve_seed=args.seed)
    _summary(args.name, scores)
    return 0


def cmd_score(args) -> int:
    scores = score(args.name, args.out, n=args.n, num_styles=args.styles, write=args.write, note=args.note)
    print(json.dumps(scores, indent=1, sort_keys=True))
    return 0


def cmd_table(args) -> int:
    if args.which == "table1":
        torch.set_num_threads(args.threads)
        table1(args.out, inputs=args.inputs, pairs=args.pairs, styles=args.styles, seed=args.seed, lpips=args.lpips,
               allow_missing=args.allow_missing)
        return 0
    text = shipped_scores_table() if args.which == "shapes" else openmoji_table()
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    print(text, end="")
    return 0


def cmd_seeds(args) -> int:
    names = args.names or list(seeded.SEEDED)
    torch.set_num_threads(args.threads)
    if not args.collect_only:
        seeded.run_seeds(names, args.seeds, args.runs, overrides=parse_overrides(args.set), max_iter=args.max_iter,
                         n=args.n, num_styles=args.styles, progress=not args.quiet)
    path = seeded.collect(names, args.seeds, args.runs, out=args.out)
    record = seeded.read_seeds(path)
    for name in names:
        for key in ("content_iou_a2b", "content_iou_b2a", "guided_colour"):
            if key in record["models"][name]["0"]:
                s = seeded.spread(record, name, key)
                print(f"{name:16s} {key:16s} " + " ".join(f"{v:.3f}" for v in s["values"])
                      + f"  (mean {s['mean']:.3f})")
    print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="verb", required=True)

    p = sub.add_parser("list", help="every model of the zoo: family, budget, what is published, recipe")
    p.add_argument("--out", help="the folder of published models (default data/pretrained)")
    p.set_defaults(func=cmd_list)

    def scoring(p):
        p.add_argument("--n", type=int, default=200, help="shapes scores: test images per domain")
        p.add_argument("--styles", type=int, default=16, help="shapes scores: random styles per test image")

    p = sub.add_parser("train", help="train models to their budget, going on from where their runs stopped")
    p.add_argument("names", nargs="+", metavar="NAME")
    p.add_argument("--runs", default=str(DEFAULT_RUNS), help="where the runs go (default runs/zoo)")
    p.add_argument("--max-iter", type=int, help="the budget in iterations (default: the model's)")
    p.add_argument("--cpu-minutes", type=float, help="the budget in CPU-minutes, summed over calls (default: the model's)")
    p.add_argument("--max-seconds", type=float, help="stop this call after this much wall-clock time of training")
    p.add_argument("--threads", type=int, help="torch threads (default: the model's, 1)")
    p.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="change the recipe (a test's tiny network)")
    p.add_argument("--publish", action="store_true", help="then publish each (unless published at that iteration)")
    p.add_argument("--out", help="with --publish: the folder of published models (default data/pretrained)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    scoring(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("publish", help="publish a model's run as its folder of data/pretrained")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--runs", default=str(DEFAULT_RUNS), help="where the runs are (default runs/zoo)")
    p.add_argument("--run", help="the run folder (default RUNS/NAME)")
    p.add_argument("--checkpoint", help="a training checkpoint to publish instead of the run's last one")
    p.add_argument("--out", help="the folder of published models (default data/pretrained)")
    p.add_argument("--overwrite", action="store_true", help="replace a published model")
    p.add_argument("--note", help="course and OpenMoji models: a paragraph for the record and README")
    p.add_argument("--cpu-minutes", type=float, help="the training time to record, for a run the zoo did not train")
    p.add_argument("--iteration", type=int, help="course models: publish the run's export gen_<iteration>.pt")
    p.add_argument("--curve", help="course models: JSON lines of benchmarks/time_to_quality.py for this run")
    p.add_argument("--label", help="the curve's label to keep (default: every line)")
    p.add_argument("--seed", type=int, help="the curve's seed to keep (default: every seed)")
    p.add_argument("--readme-only", action="store_true", help="write the README again from scores.json")
    scoring(p)
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("score", help="measure a published model again (JSON); --write updates its scores.json")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--out", help="the folder of published models (default data/pretrained)")
    p.add_argument("--write", action="store_true", help="replace the published scores, keeping the training record")
    p.add_argument("--note", help="course models, with --write: replace the note of the record")
    scoring(p)
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("table", help="the models side by side as Markdown")
    p.add_argument("which", choices=["shapes", "openmoji", "table1"])
    p.add_argument("--out", help="write the table here (table1: default data/pretrained/evaluation/table1_shapes.md)")
    p.add_argument("--inputs", type=int, default=100, help="table1: test sketches (the paper: 100)")
    p.add_argument("--pairs", type=int, default=19, help="table1: pairs of outputs per input (the paper: 19)")
    p.add_argument("--styles", type=int, default=10, help="table1: random styles per input for IS, CIS, Fréchet")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lpips", action="store_true", help="table1: also the real LPIPS (needs munit_lib[metrics])")
    p.add_argument("--allow-missing", action="store_true", help="table1: skip models that are not on disk")
    p.add_argument("--threads", type=int, default=1, help="table1: torch threads (default 1)")
    p.set_defaults(func=cmd_table)

    p = sub.add_parser("seeds", help="the findings' models trained again from seeds 1, 2; scores in seeds.json")
    p.add_argument("names", nargs="*", metavar="NAME", help="default: " + " ".join(seeded.SEEDED))
    p.add_argument("--seeds", nargs="+", type=int, default=list(seeded.EXTRA_SEEDS), help="default 1 2")
    p.add_argument("--runs", default=str(seeded.SEED_RUNS), help="where the runs go (default runs/seeds)")
    p.add_argument("--out", help="the file to write (default data/pretrained/seeds.json)")
    p.add_argument("--collect-only", action="store_true", help="only gather the published scores")
    p.add_argument("--max-iter", type=int, help="the budget in iterations (default: the model's)")
    p.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="change the recipe (a test's tiny network)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    scoring(p)
    p.set_defaults(func=cmd_seeds)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError, KeyError, RuntimeError) as error:  # one line, no traceback
        text = " ".join(str(error).split()) or type(error).__name__
        print(f"error: {text}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
