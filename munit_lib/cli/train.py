"""``train``, ``export`` and ``bench``: a run from a config, its generators written out, its speed."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import torch
import yaml

from ..bench import run_benchmark, run_explorer_benchmark
from ..config import MUNITConfig
from ..training import Trainer, build_datasets, cleanup_distributed, export_checkpoint

__all__ = ["cmd_train", "cmd_export", "cmd_bench", "parse_overrides", "load_config"]


def parse_overrides(pairs: list[str]) -> dict:
    """``["lr=2e-4", "batch_size=4"]`` -> ``{"lr": "2e-4", "batch_size": "4"}`` (the config coerces types)."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"--set expects key=value, got {pair!r}")
        out[key.strip()] = yaml.safe_load(value)
    return out


def load_config(args) -> MUNITConfig:
    """``--config FILE`` (else ``--profile NAME``, else the paper's) with the ``--set`` overrides."""
    if getattr(args, "config", None):
        cfg = MUNITConfig.from_yaml(args.config)
    else:
        cfg = MUNITConfig.profile_named(getattr(args, "profile", None) or "paper")
    overrides = parse_overrides(getattr(args, "set", None) or [])
    return cfg.replace(**overrides) if overrides else cfg


def cmd_train(args) -> int:
    if args.threads is not None:
        if args.threads < 1:
            raise ValueError(f"--threads {args.threads}: give 1 or more")
        torch.set_num_threads(args.threads)
    if args.max_cpu_minutes is not None and args.max_cpu_minutes <= 0:
        raise ValueError(f"--max-cpu-minutes {args.max_cpu_minutes}: give a positive number of minutes")
    if args.max_iter is not None and args.max_iter < 1:
        raise ValueError(f"--max-iter {args.max_iter}: give the iteration to stop at, 1 or more")
    cfg = load_config(args)
    out = Path(args.out) if args.out else Path("runs") / Path(args.config).stem
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"--out {out} is a file, not a run folder: name a folder (new or a run's)")
    try:
        display = build_datasets(cfg, "test")
    except (FileNotFoundError, ValueError):
        display = None  # no test split: sample grids use training images
    trainer = Trainer(cfg, out, display=display, progress=not args.quiet)
    try:
        # only look at the folder here: fit() takes the run lock before it reads or changes anything
        if args.resume and not trainer.checkpoint_path.exists():
            raise FileNotFoundError(f"--resume: no checkpoint at {trainer.checkpoint_path}; "
                                    "run without --resume to start")
        if not args.resume and trainer.checkpoint_path.exists():
            raise FileExistsError(f"{out} already holds a run (iteration checkpoint {trainer.checkpoint_path}); "
                                  "pass --resume to continue it or --out to start another")
        try:
            trainer.fit(args.max_iter, resume=args.resume,
                        max_cpu_seconds=None if args.max_cpu_minutes is None else 60 * args.max_cpu_minutes)
        except BaseException as error:  # say what was kept (main prints it on the error's line)
            if trainer.saved_after_error is not None:
                error.munit_note = (f"the state of iteration {trainer.iteration} is saved in "
                                    f"{trainer.saved_after_error}; --resume continues from it")
            raise
    finally:
        cleanup_distributed()
    if not trainer.dist.is_main:
        return 130 if trainer.interrupted else 0
    if args.resume:
        print(f"resumed {out} at iteration {trainer.start_iteration}")
    if trainer.interrupted:  # Ctrl-C or SIGTERM: the iteration under way was finished and saved
        print(f"interrupted at iteration {trainer.iteration}: state saved in {trainer.checkpoint_path} "
              f"(generators {trainer.generators_path()}); continue with --resume", file=sys.stderr)
        return 130
    print(f"trained to iteration {trainer.iteration}: checkpoint {trainer.checkpoint_path}, "
          f"generators {trainer.generators_path()}, losses {trainer.log_path}, samples {out / 'samples'}")
    return 0


def cmd_export(args) -> int:
    done = export_checkpoint(args.checkpoint, args.out, use_ema=not args.no_ema, half=args.half,
                             overwrite=args.overwrite)  # refuses a bad --out before any work
    if done["model"] != "munit":  # a baseline's run: its generator-side networks, in its original's names
        print(f"{done['model']} networks of iteration {done['iteration']} written to {done['path']}")
    else:
        print(f"generators of iteration {done['iteration']} ({'EMA' if done['ema'] else 'raw'}) written to "
              f"{done['path']}")
    return 0


def cmd_bench(args) -> int:
    if args.explorer:
        print(json.dumps(run_explorer_benchmark(args.explorer, threads=args.threads), sort_keys=True))
        return 0
    cfg = load_config(args)
    result = run_benchmark(cfg, size=args.size, batch_size=args.batch, iterations=args.iters, device=args.device,
                           precision=args.precision, threads=args.threads)
    result["config"] = args.config or (args.profile or "paper")  # what was measured, as the user named it
    print(json.dumps(result, sort_keys=True))
    return 0
