"""Train, score and publish the cycle variants of the shapes model (notebook 09's trade-off).

    OMP_NUM_THREADS=1 python scripts/train_variants.py [--variants cyc0,cyc1,cyc10,plain10]
        [--base configs/shapes_fast_canvas.yaml] [--max-iter N] [--max-seconds S] [--set key=value ...]

Each variant (``munit_lib.variants.VARIANTS``) is the base config with another cycle term. Runs go
to ``runs/variants/<name>/`` and continue from their last checkpoint when the command is run
again (Ctrl-C stops after the current iteration and saves); finished variants are published to
``data/pretrained/shapes_<name>/`` (half-precision generators, config.yaml, scores.json) and
skipped on the next call. ``munit_lib.pretrained("shapes_<name>")`` loads them.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BASE = ROOT / "configs" / "shapes_fast_canvas.yaml"
FALLBACK_BASE = ROOT / "configs" / "shapes_cpu.yaml"  # until the fast recipe exists


def main(argv: list[str] | None = None) -> int:
    from munit_lib.cli.train import parse_overrides
    from munit_lib.config import MUNITConfig
    from munit_lib.variants import VARIANTS, train_variants

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated names: " + ", ".join(VARIANTS))
    parser.add_argument("--base", default=None, help=f"base config (default {DEFAULT_BASE.relative_to(ROOT)}, "
                                                      f"else {FALLBACK_BASE.relative_to(ROOT)})")
    parser.add_argument("--runs", default=str(ROOT / "runs" / "variants"), help="where the training runs go")
    parser.add_argument("--out", default=str(ROOT / "data" / "pretrained"), help="where the variants are published")
    parser.add_argument("--max-iter", type=int, default=None, help="iterations per variant (default: the config's)")
    parser.add_argument("--max-seconds", type=float, default=None,
                        help="stop each variant after this much training time (publish it; the next call goes on)")
    parser.add_argument("--n", type=int, default=200, help="test images per domain for the scores")
    parser.add_argument("--styles", type=int, default=16, help="random styles per test image for the scores")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="config overrides")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)

    names = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in names if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant(s) {', '.join(unknown)}; choose from {', '.join(VARIANTS)}")
    base_path = Path(args.base) if args.base else (DEFAULT_BASE if DEFAULT_BASE.is_file() else FALLBACK_BASE)
    base = MUNITConfig.from_yaml(base_path)
    overrides = parse_overrides(args.set)
    if overrides:
        base = base.replace(**overrides)
    print(f"base config {base_path}; variants {', '.join(names)}")
    results = train_variants(names, base, args.runs, args.out, max_iter=args.max_iter, n=args.n,
                             num_styles=args.styles, progress=not args.quiet, max_seconds=args.max_seconds)
    keys = ["iteration", "content_iou_a2b", "content_iou_b2a", "colour_coverage", "style_coverage",
            "cycle_aba_image", "cycle_bab_image", "cycle_bab_plain"]
    print("variant  " + "  ".join(keys))
    for name, scores in results.items():
        print(f"{name:8s} " + "  ".join(f"{scores.get(k, float('nan')):.3f}" if k != "iteration"
                                        else str(scores.get(k)) for k in keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())
