"""BicycleGAN's latent size on the shapes domains (notebook 10): nz = 2, 8, 32, one equal budget each.

    OMP_NUM_THREADS=1 python scripts/bicyclegan_nz_sweep.py [--nz 2,8,32] [--max-cpu-seconds 240]

Trains ``configs/shapes_fast_bicyclegan.yaml`` with ``style_dim`` (BicycleGAN's nz) set to each
value, for the same CPU-time budget, into ``runs/nz_sweep/bicyclegan_nz<k>/`` (resuming, and
skipping models already published under ``runs/nz_sweep/published/``), then writes their
ground-truth scores to ``data/pretrained/evaluation/bicyclegan_nz_sweep.json`` as
``{"<nz>": scores.json, ...}`` plus a ``"_about"`` entry. The sweep's weights are not shipped
(``data/pretrained/`` stays within 40 MB); their scores are.
"""
from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "pretrained" / "evaluation" / "bicyclegan_nz_sweep.json"


def main(argv: list[str] | None = None) -> int:
    from munit_lib.config import MUNITConfig
    from munit_lib.zoo import publish_half, read_clock, train_run

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nz", default="2,8,32", help="comma-separated latent sizes")
    parser.add_argument("--max-cpu-seconds", type=float, default=240.0, help="training budget per model (CPU s)")
    parser.add_argument("--runs", default=str(ROOT / "runs" / "nz_sweep"), help="where the runs go")
    parser.add_argument("--out", default=str(OUT), help="the JSON file of scores")
    parser.add_argument("--n", type=int, default=200, help="test images per domain for the scores")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)

    sizes = [int(k) for k in args.nz.split(",") if k.strip()]
    runs = Path(args.runs)
    config = ROOT / "configs" / "shapes_fast_bicyclegan.yaml"
    sweep = {}
    for nz in sizes:
        name = f"bicyclegan_nz{nz}"
        run_dir, published = runs / name, runs / "published" / name
        if (published / "scores.json").is_file() and read_clock(run_dir)["cpu_seconds"] >= args.max_cpu_seconds:
            scores = json.loads((published / "scores.json").read_text(encoding="utf-8"))
            print(f"{name}: published at iteration {scores['iteration']}, skipped")
        else:  # trained (or trained on) to the budget, then published as the zoo publishes a baseline
            cfg = MUNITConfig.from_yaml(config).replace(style_dim=nz)
            clock = train_run(cfg, run_dir, cpu_seconds=args.max_cpu_seconds, progress=not args.quiet)
            scores = publish_half("baseline", name, run_dir / "checkpoints" / "last.pt", published, n=args.n,
                                  record={"model": name}, clock=clock)
        sweep[str(nz)] = scores
    sweep["_about"] = {
        "what": "BicycleGAN on shapes (configs/shapes_fast_bicyclegan.yaml) with nz = style_dim varied, "
                f"each trained for {args.max_cpu_seconds:.0f} CPU seconds on one thread",
        "command": "OMP_NUM_THREADS=1 python scripts/bicyclegan_nz_sweep.py",
        "date": datetime.date.today().isoformat(), "machine": platform.machine()}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(sweep, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"nz   iterations  colours  pairs64  guided colour  guided texture  IoU a2b   -> {args.out}")
    for nz in sizes:
        s = sweep[str(nz)]
        print(f"{nz:3d}  {s['iteration']:10d}  {s['colour_coverage']:7.3f}  {s['pair_coverage']:7.3f}  "
              f"{s['guided_colour']:13.3f}  {s['guided_texture']:14.3f}  {s['content_iou_a2b']:7.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
