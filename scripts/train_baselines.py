"""Train, score and publish the baselines on the shapes domains (notebooks 10 and 11).

    OMP_NUM_THREADS=1 python scripts/train_baselines.py [--models unit,cyclegan,cyclegan_noise,bicyclegan]
        [--max-cpu-seconds 600] [--max-iter N] [--set key=value ...]

Each model trains from ``configs/shapes_fast_<model>.yaml`` into ``runs/baselines/<model>/``,
for ``--max-cpu-seconds`` of CPU time (with one thread: the seconds it would take alone on the
machine, whatever else runs; 600 is about what the MUNIT variants' 2,500 iterations take) or
``--max-iter`` iterations, whichever comes first, continuing from its last checkpoint when the
command is run again. Finished models are published to ``data/pretrained/<model>/``
(half-precision networks, config.yaml, scores.json with the iteration count and the CPU and
wall-clock training seconds) and skipped on the next call. ``munit_lib.pretrained("<model>")``
loads them.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    from munit_lib.cli.train import parse_overrides
    from munit_lib.baselines import BASELINES
    from munit_lib.variants import train_baselines

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(BASELINES), help="comma-separated: " + ", ".join(BASELINES))
    parser.add_argument("--name-suffix", default="", help="publish as <model><suffix> (for sweeps, with --set)")
    parser.add_argument("--runs", default=str(ROOT / "runs" / "baselines"), help="where the training runs go")
    parser.add_argument("--out", default=str(ROOT / "data" / "pretrained"), help="where the models are published")
    parser.add_argument("--max-iter", type=int, default=None, help="iterations per model (default: the config's)")
    parser.add_argument("--max-cpu-seconds", type=float, default=None,
                        help="training budget per model in CPU seconds (use with OMP_NUM_THREADS=1)")
    parser.add_argument("--n", type=int, default=200, help="test images per domain for the scores")
    parser.add_argument("--styles", type=int, default=16, help="random codes per test image for the scores")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="config overrides")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)

    names = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in names if m not in BASELINES]
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(BASELINES)}")
    configs = {f"{m}{args.name_suffix}": ROOT / "configs" / f"shapes_fast_{m}.yaml" for m in names}
    results = train_baselines(configs, args.runs, args.out, max_iter=args.max_iter, max_cpu_seconds=args.max_cpu_seconds,
                              n=args.n, num_styles=args.styles, progress=not args.quiet,
                              overrides=parse_overrides(args.set) or None)
    keys = ["iteration", "train_cpu_seconds", "content_iou_a2b", "content_iou_b2a", "colour_coverage", "pair_coverage"]
    print("model           " + "  ".join(keys))
    for name, scores in results.items():
        print(f"{name:15s} " + "  ".join(str(scores.get(k)) if k == "iteration" else f"{scores.get(k, float('nan')):.3f}"
                                         for k in keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())
