"""Does ``torch.compile`` pay off for a training iteration on this CPU? Plain against compiled.

    python benchmarks/compile_cpu.py --config configs/shapes_fast.yaml --threads 2 --fresh-cache \\
        [--iterations 60] [--out benchmarks/compile_cpu.jsonl]

Times ``train_step`` on one random batch per domain (as ``bench`` does), first as written, then
with both objectives (``DisObjective``, ``GenObjective``: every network pass and loss of an
iteration) wrapped in ``torch.compile`` (Inductor, static shapes). Reports the compiled run's
warm-up (the first three iterations, which hold the compilation) and the median seconds per
iteration of each, as one JSON line. The compile time is paid again by every new process, so it
counts against a 15-minute training budget, unless Inductor's on-disk cache already holds the
kernels: ``--fresh-cache`` compiles into an empty cache folder, as a fresh machine (or Colab) would.
This measures; it asserts nothing. Run it on a quiet machine.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import tempfile
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from munit_lib.bench import _training_setup, device_name  # noqa: E402
from munit_lib.config import MUNITConfig  # noqa: E402
from munit_lib.training.step import DisObjective, GenObjective, train_step  # noqa: E402


def time_iterations(cfg: MUNITConfig, compiled: bool, iterations: int) -> tuple[float, float]:
    """(warm-up seconds of the first 3 iterations, median seconds of the next ``iterations``)."""
    model, opt_gen, opt_dis, x_a, x_b, rng = _training_setup(cfg, torch.device("cpu"))
    objectives = None
    if compiled:  # the objectives are modules, so each compiles to one graph (forward and backward)
        objectives = (torch.compile(DisObjective(model), dynamic=False),
                      torch.compile(GenObjective(model), dynamic=False))
    start = time.perf_counter()
    for _ in range(3):
        train_step(model, opt_gen, opt_dis, x_a, x_b, rng=rng, objectives=objectives)
    warm_up = time.perf_counter() - start
    times = []
    for _ in range(iterations):
        t = time.perf_counter()
        train_step(model, opt_gen, opt_dis, x_a, x_b, rng=rng, objectives=objectives)
        times.append(time.perf_counter() - t)
    return warm_up, statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--iterations", type=int, default=60, help="timed iterations after the warm-up")
    p.add_argument("--out", default=None, help="JSON-lines file to append to (default: print only)")
    p.add_argument("--fresh-cache", action="store_true",
                   help="compile into an empty Inductor cache (what a first run on a new machine pays)")
    args = p.parse_args(argv)
    if args.fresh_cache:  # read by Inductor when it first compiles, so setting it here is early enough
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="inductor_")
    torch.set_num_threads(args.threads)
    cfg = MUNITConfig.from_yaml(args.config)
    plain_warm, plain = time_iterations(cfg, False, args.iterations)
    compiled_warm, compiled = time_iterations(cfg, True, args.iterations)
    line = {"benchmark": "compile_cpu", "config": Path(args.config).name, "threads": args.threads,
            "iterations": args.iterations, "plain_s_per_it": round(plain, 4),
            "compiled_s_per_it": round(compiled, 4), "plain_warm_up_s": round(plain_warm, 1),
            "compiled_warm_up_s": round(compiled_warm, 1), "fresh_cache": args.fresh_cache,
            "device": device_name(torch.device("cpu")), "torch": torch.__version__,
            "date": datetime.date.today().isoformat()}
    print(json.dumps(line))
    if args.out:
        with open(args.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
