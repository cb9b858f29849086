"""Time to quality: train a shapes config from scratch and score it at fixed wall-clock times.

    python benchmarks/time_to_quality.py --config configs/shapes_fast.yaml --at 150,300,600,900 \\
        --out benchmarks/time_to_quality.jsonl [--seed 1] [--threads 2] [--set key=value ...]
    python benchmarks/time_to_quality.py --report benchmarks/time_to_quality.jsonl   # Markdown tables

Training runs in ``Trainer.fit(max_seconds=...)`` slices; between slices the clock stops and the
generators the run would ship (the EMA weights) are scored by ``score_shapes_model`` on the
shapes test split. Each score appends one JSON line to ``--out``: the config and seed, the wall
seconds of training so far, the iteration, every score, the factor probes (where colour and texture
live: ``evaluation.shapes_score.factor_probes``), the machine and the date. Wall seconds
count training only (data, steps, logging, the checkpoint saved at the end of each slice), never
the scoring, so a curve does not depend on how often it was scored.

This measures; it asserts nothing. Run it on a quiet machine: a second job on the cores slows
training, and the curves then only bound the recipe from above.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from munit_lib.cli.train import parse_overrides  # noqa: E402
from munit_lib.config import MUNITConfig  # noqa: E402
from munit_lib.evaluation.shapes_score import SHAPES_TARGETS, factor_probes, score_shapes_model  # noqa: E402
from munit_lib.training import Trainer, build_datasets  # noqa: E402

# the "must" figure of each score (shapes_score.SHAPES_TARGETS holds them with the aims)
TARGETS = {key: must for key, (must, _) in SHAPES_TARGETS.items()}


def machine() -> str:
    """A short description of where this ran (CPU model, cores, threads used)."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} threads"


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run_config(path: str, settings: list[str], seed: int | None = None) -> tuple[MUNITConfig, dict]:
    """The config at ``path`` with its ``--set KEY=VALUE`` overrides and ``seed`` (when given), and
    those overrides as a dict (the record of what was changed)."""
    overrides = parse_overrides(settings)
    if seed is not None:
        overrides["seed"] = seed
    cfg = MUNITConfig.from_yaml(path)
    return (cfg.replace(**overrides) if overrides else cfg), overrides


def meets(scores: dict) -> bool:
    return all(scores.get(k, 0.0) >= v for k, v in TARGETS.items())


COLUMNS = ["content_iou_a2b", "content_iou_b2a", "colour_coverage", "colour_coverage_fresh", "pair_coverage",
           "pair_coverage_fresh", "guided_colour", "guided_texture", "probe_style_texture", "probe_content_texture"]


def report(path: Path) -> str:
    """The curves of a JSON-lines file as Markdown: one table per (label, seed), then when each
    first met every "must" figure."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    runs: dict = {}
    for row in rows:
        runs.setdefault((row["label"], row["seed"]), []).append(row)
    out = []
    for (label, seed), curve in runs.items():
        curve.sort(key=lambda r: r["wall_s"])
        out += [f"**{label}**, seed {seed} ({curve[0]['machine']}, {curve[0]['date']}, commit {curve[0]['commit']})", "",
                "| min | iteration | " + " | ".join(COLUMNS) + " |", "|---" * (len(COLUMNS) + 2) + "|"]
        for r in curve:
            cells = [f"{r[k]:.3f}" + ("" if k not in TARGETS or r[k] >= TARGETS[k] else "*") if k in r else "-"
                     for k in COLUMNS]
            out.append(f"| {r['wall_s'] / 60:.1f} | {r['iteration']:,} | " + " | ".join(cells) + " |")
        met = next((r for r in curve if r.get("meets_must")), None)
        out += ["", f"Every must figure met first at {met['wall_s'] / 60:.1f} min (iteration {met['iteration']:,})."
                if met else "Never met every must figure (* marks the figures short of it).", ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--report"]:  # python benchmarks/time_to_quality.py --report FILE: Markdown tables
        print(report(Path(argv[1])))
        return 0
    p.add_argument("--config", required=True)
    p.add_argument("--at", default="150,300,450,600,750,900",
                   help="wall-clock seconds of training at which to score, comma separated")
    p.add_argument("--out", required=True, help="JSON-lines file to append to")
    p.add_argument("--run-dir", default=None, help="run folder (default runs/ttq/<label>_seed<seed>)")
    p.add_argument("--seed", type=int, default=None, help="override the config's seed")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--n", type=int, default=200, help="test images per domain to score")
    p.add_argument("--styles", type=int, default=16, help="random styles per test image")
    p.add_argument("--pair-styles", type=int, default=64, help="random styles per sketch for pair coverage")
    p.add_argument("--pair-inputs", type=int, default=50, help="sketches scored for pair coverage")
    p.add_argument("--probe-images", type=int, default=300,
                   help="training paintings for the factor probes (0: no probes); a third as many to test")
    p.add_argument("--label", default=None, help="a name for this curve (default: the config's stem)")
    p.add_argument("--resume", action="store_true",
                   help="continue a stopped run: its checkpoint, and its wall seconds from the last line of --out")
    p.add_argument("--stop-when-met", action="store_true", help="stop at the first checkpoint meeting every target")
    p.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="config overrides")
    args = p.parse_args(argv)

    torch.set_num_threads(args.threads)
    cfg, overrides = run_config(args.config, args.set, args.seed)
    label = args.label or Path(args.config).stem
    run_dir = Path(args.run_dir or ROOT / "runs" / "ttq" / f"{label}_seed{cfg.seed}")
    out = Path(args.out)
    trainer = Trainer(cfg, run_dir, display=build_datasets(cfg, "test"), progress=False, tensorboard=False)
    trained = 0.0
    if args.resume:
        rows = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
        rows = [r for r in rows if r["label"] == label and r["seed"] == cfg.seed]
        if not rows or not trainer.checkpoint_path.exists():
            raise SystemExit(f"--resume: no earlier line for {label} (seed {cfg.seed}) in {out}, or no checkpoint "
                             f"in {run_dir}")
        trainer.resume()
        if trainer.iteration != rows[-1]["iteration"]:
            raise SystemExit(f"--resume: the checkpoint is at iteration {trainer.iteration} but the last line of "
                             f"{out} at {rows[-1]['iteration']}")
        trained = float(rows[-1]["wall_s"])
    elif trainer.checkpoint_path.exists():
        raise SystemExit(f"{run_dir} already holds a run: time to quality starts from scratch; remove it, pass "
                         "--run-dir, or --resume")
    marks = sorted(float(t) for t in args.at.split(",") if float(t) > trained)
    out.parent.mkdir(parents=True, exist_ok=True)
    where, when, code = machine(), datetime.date.today().isoformat(), commit()
    for mark in marks:
        start = time.perf_counter()
        trainer.fit(max_iter=10 ** 9, max_seconds=mark - trained)
        trained += time.perf_counter() - start
        if trainer.interrupted:  # Ctrl-C or SIGTERM: the trainer saved; --resume goes on from there
            print(f"interrupted at iteration {trainer.iteration} ({trained:.0f} s of training); not scored",
                  file=sys.stderr)
            return 130
        gens = (trainer.ema.gen_a, trainer.ema.gen_b) if trainer.ema is not None else (trainer.model.gen_a,
                                                                                        trainer.model.gen_b)
        scores = score_shapes_model(*gens, n=args.n, num_styles=args.styles, pair_styles=args.pair_styles,
                                    pair_inputs=args.pair_inputs)
        if args.probe_images:  # where colour and texture live: style code or content code
            scores.update({f"probe_{k}": v for k, v in factor_probes(
                gens[1], n_train=args.probe_images, n_test=max(args.probe_images // 3, 8)).items()})
        scores["score_seed"] = scores.pop("seed")  # the styles drawn for scoring; "seed" is the training seed
        row = {"label": label, "config": args.config, "overrides": {k: v for k, v in overrides.items()},
               "seed": cfg.seed, "wall_s": round(trained, 1), "iteration": trainer.iteration,
               **{k: (round(v, 4) if isinstance(v, float) else v) for k, v in scores.items()},
               "meets_must": meets(scores), "machine": where, "date": when, "commit": code}
        with open(out, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)
        if args.stop_when_met and row["meets_must"]:
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
