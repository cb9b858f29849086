"""The command line: ``python -m munit_lib COMMAND ...`` (also installed as ``munit``).

    make-shapes  --out DIR [--size 64] [--train 2000] [--test 200] [--seed 0] [--texture-anchor shape]
    make-openmoji [--size 64] [--out DIR] [--tarball FILE] [--overwrite]
    download     edges2shoes | edges2handbags | afhq [--root data]
    train        --config FILE [--out DIR] [--resume] [--max-iter N] [--threads N] [--max-cpu-minutes M]
                 [--set key=value ...]
    score-openmoji --checkpoint gen.pt [--data DIR] [--styles 16] [--inputs 100] [--pairs 19] [--out scores.json]
    score-shapes --checkpoint gen.pt [--n 200] [--styles 16] [--texture-anchor shape] [--out scores.json]
    evaluate     --checkpoint gen.pt [more.pt ...] [--real] [--table results.md] [--inputs 100] [--pairs 19]
    export       --checkpoint RUN/checkpoints/last.pt --out gen.pt [--no-ema] [--half] [--overwrite]
    bench        [--config FILE | --profile NAME] [--size N] [--batch B] [--iters N] [--device cpu]
                 [--explorer shapes]   (beside the original's procedure: benchmarks/against_original.py)
    translate    --checkpoint FILE --input IMAGE_OR_FOLDER --direction a2b --num-styles 10 --out DIR
    demo         [--out DIR]

Every command prints where its results are; errors are one line naming the problem.
More than one GPU: ``torchrun --nproc_per_node=N -m munit_lib train --config FILE``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["main", "build_parser"]


def _parse_overrides(pairs: list[str]) -> dict:
    """``["lr=2e-4", "batch_size=4"]`` -> ``{"lr": "2e-4", "batch_size": "4"}`` (the config coerces types)."""
    import yaml

    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"--set expects key=value, got {pair!r}")
        out[key.strip()] = yaml.safe_load(value)
    return out


def _load_config(args) -> "MUNITConfig":
    from .config import MUNITConfig

    if getattr(args, "config", None):
        cfg = MUNITConfig.from_yaml(args.config)
    else:
        cfg = MUNITConfig.profile_named(getattr(args, "profile", None) or "paper")
    overrides = _parse_overrides(getattr(args, "set", None) or [])
    return cfg.replace(**overrides) if overrides else cfg


# ----------------------------------------------------------------------------- commands
def cmd_make_shapes(args) -> int:
    from .data import make_shapes_dataset

    root = make_shapes_dataset(args.out, size=args.size, n_train=args.train, n_test=args.test, seed=args.seed,
                               progress=not args.quiet, overwrite=args.overwrite, texture_anchor=args.texture_anchor)
    print(f"shapes dataset ({args.size}px, {args.train} train / {args.test} test per domain) in {root}")
    return 0


def cmd_make_openmoji(args) -> int:
    from .data.openmoji import OPENMOJI_VERSION, make_openmoji_dataset

    out = Path(args.out) if args.out else Path("data") / f"openmoji{args.size}"
    summary = make_openmoji_dataset(out, size=args.size, tarball=args.tarball, overwrite=args.overwrite,
                                    progress=not args.quiet)
    print(f"OpenMoji {OPENMOJI_VERSION} at {args.size}px in {out}: {summary['train']} train / {summary['test']} "
          f"test pairs, {summary['flags_left_out']} flags left out, {len(summary['skipped'])} SVG(s) skipped "
          f"(could not be drawn; listed in {out / 'summary.json'})")
    return 0


def cmd_train(args) -> int:
    from .training import Trainer, build_datasets, cleanup_distributed

    if args.threads is not None:
        if args.threads < 1:
            raise ValueError(f"--threads {args.threads}: give 1 or more")
        import torch

        torch.set_num_threads(args.threads)
    if args.max_cpu_minutes is not None and args.max_cpu_minutes <= 0:
        raise ValueError(f"--max-cpu-minutes {args.max_cpu_minutes}: give a positive number of minutes")
    if args.max_iter is not None and args.max_iter < 1:
        raise ValueError(f"--max-iter {args.max_iter}: give the iteration to stop at, 1 or more")
    cfg = _load_config(args)
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


def cmd_download(args) -> int:
    from . import data

    fetch = {"edges2shoes": data.download_edges2shoes, "edges2handbags": data.download_edges2handbags,
             "afhq": data.download_afhq}[args.name]
    if args.disjoint and args.name == "afhq":
        raise ValueError("--disjoint applies to edges2shoes and edges2handbags (side-by-side pairs), not afhq")
    folder = fetch(args.root, disjoint=True) if args.disjoint else fetch(args.root)
    print(f"{args.name} is ready in {folder}: set data_root: {folder} in your config")
    return 0


def cmd_export(args) -> int:
    from .config import MUNITConfig
    from .registry import generators_from_data, model_from_checkpoint
    from .training import export_generators, export_model, read_training_checkpoint
    from .training.checkpoint import check_export_target

    check_export_target(args.out, overwrite=args.overwrite)  # before any work: never over a run's checkpoint
    state = read_training_checkpoint(args.checkpoint)
    cfg = MUNITConfig.from_dict(dict(state["config"]))
    if cfg.model != "munit":  # a baseline's run: its generator-side networks, in its original's names
        model, cfg = model_from_checkpoint(state, args.checkpoint, use_ema=not args.no_ema)
        path = export_model(model, args.out, cfg, int(state["iteration"]), half=args.half)
        print(f"{cfg.model} networks of iteration {state['iteration']} written to {path}")
        return 0
    use_ema = bool(state.get("ema")) and not args.no_ema
    gens = generators_from_data(state, args.checkpoint, use_ema=use_ema)  # the one loader; names bad keys
    path = export_generators(*gens, args.out, cfg, int(state["iteration"]), half=args.half)
    print(f"generators of iteration {state['iteration']} ({'EMA' if use_ema else 'raw'}) written to {path}")
    return 0


def cmd_score_shapes(args) -> int:
    from .evaluation.shapes_score import score_shapes_model
    from .translate import Translator

    for flag, value in (("--styles", args.styles), ("--n", args.n)):  # before loading anything
        if value < 1:
            raise ValueError(f"{flag} {value}: give 1 or more")
    # any model kind: MUNIT generators (original layout or an export), a training checkpoint
    # (its EMA generators when it has them), or a baseline's export or checkpoint
    translator = Translator.from_checkpoint(args.checkpoint)
    gen_a, gen_b = translator.gen_a, translator.gen_b
    scores = score_shapes_model(gen_a, gen_b, n=args.n, num_styles=args.styles, seed=args.seed,
                                progress=not args.quiet, texture_anchor=args.texture_anchor)
    text = json.dumps(scores, indent=1, sort_keys=True)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        print(f"scores written to {args.out}")
    print(text)
    return 0


def cmd_score_openmoji(args) -> int:
    from .evaluation.openmoji import load_openmoji_split, score_openmoji
    from .evaluation.openmoji_classifier import load_openmoji_classifier

    for flag, value in (("--styles", args.styles), ("--inputs", args.inputs), ("--pairs", args.pairs)):
        if value < 1:  # before loading anything
            raise ValueError(f"{flag} {value}: give 1 or more")
    if args.threads is not None:
        import torch

        torch.set_num_threads(max(1, args.threads))
    data = load_openmoji_split(args.data, "test")
    classifier = None if args.classifier == "none" else load_openmoji_classifier(args.classifier)
    scores = score_openmoji(args.checkpoint, data, n_styles=args.styles, classifier=classifier,
                            diversity_inputs=args.inputs, diversity_pairs=args.pairs, seed=args.seed,
                            train=load_openmoji_split(args.data, "train") if args.probe else None)
    scores["checkpoint"] = str(args.checkpoint)
    text = json.dumps(scores, indent=1, sort_keys=True)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        print(f"scores written to {args.out}")
    print(text)
    return 0


def cmd_bench(args) -> int:
    from .bench import run_benchmark, run_explorer_benchmark

    if args.explorer:
        print(json.dumps(run_explorer_benchmark(args.explorer, threads=args.threads), sort_keys=True))
        return 0
    cfg = _load_config(args)
    result = run_benchmark(cfg, size=args.size, batch_size=args.batch, iterations=args.iters, device=args.device,
                           precision=args.precision, threads=args.threads)
    result["config"] = args.config or (args.profile or "paper")  # what was measured, as the user named it
    print(json.dumps(result, sort_keys=True))
    return 0


def cmd_translate(args) -> int:
    from .cli_translate import translate_command

    return translate_command(args)


def cmd_demo(args) -> int:
    from .cli_translate import demo_command

    return demo_command(args)


# ----------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m munit_lib", description="MUNIT: data, training, translation")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("make-shapes", help="write the synthetic shapes domains (trainA/ trainB/ testA/ testB/)")
    p.add_argument("--out", required=True, help="folder to create")
    p.add_argument("--size", type=int, default=64, help="image side, 32 to 256 (default 64)")
    p.add_argument("--train", type=int, default=2000, help="training images per domain")
    p.add_argument("--test", type=int, default=200, help="test images per domain")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--texture-anchor", choices=("canvas", "shape"), default="canvas",
                   help="pin the paintings' patterns to the image's corner (default) or to each shape")
    p.add_argument("--overwrite", action="store_true", help="replace a different dataset in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_make_shapes)

    p = sub.add_parser("train", help="train MUNIT from a YAML config (ours or the original project's)")
    p.add_argument("--config", required=True, help="YAML file, e.g. configs/shapes_cpu.yaml")
    p.add_argument("--out", help="run folder (default runs/<config name>)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    p.add_argument("--max-iter", type=int, help="stop at this iteration (default: the config's max_iter)")
    p.add_argument("--set", nargs="*", metavar="KEY=VALUE", help="override config values, e.g. --set lr=2e-4")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--max-cpu-minutes", type=float,
                   help="also stop after this much CPU time of the training process (a budget that other "
                        "programs on a shared machine do not shrink); --resume goes on from there")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("make-openmoji", help="build the OpenMoji line-art / colour domains from the npm package")
    p.add_argument("--out", default=None, help="folder to create (default data/openmoji<size>)")
    p.add_argument("--size", type=int, default=64, help="image side in pixels (64: the course; 256: the paper)")
    p.add_argument("--tarball", help=f"the package's .tgz, already fetched (default: npm pack openmoji@VERSION)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_make_openmoji)

    p = sub.add_parser("download", help="download and prepare a paper dataset (needs the network; large)")
    p.add_argument("name", choices=["edges2shoes", "edges2handbags", "afhq"])
    p.add_argument("--root", default="data", help="where to put it (default data/)")
    p.add_argument("--disjoint", action="store_true", help="edges2*: A and B from disjoint halves of the pairs "
                   "(default: every pair's halves in both, as the original)")
    p.set_defaults(func=cmd_download)

    p = sub.add_parser("export", help="write the generators of a training checkpoint in the original layout "
                                      "(a baseline's run: its generator-side networks)")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--no-ema", action="store_true", help="export the raw weights even when an EMA exists")
    p.add_argument("--half", action="store_true", help="store the weights in float16 (half the bytes)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out (never a training "
                   "checkpoint)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("score-openmoji", help="score a model of any kind on the OpenMoji test split against its "
                                              "ground truth (line art, skin tones, palette, diversity, IS/CIS, Frechet)")
    p.add_argument("--checkpoint", required=True, help="MUNIT generators, a training checkpoint, or a baseline's")
    p.add_argument("--data", default=None, help="an OpenMoji set (default: the shipped data/openmoji64)")
    p.add_argument("--styles", type=int, default=16, help="random styles per toned emoji (tones reached)")
    p.add_argument("--inputs", type=int, default=100, help="inputs of the diversity protocol (the paper: 100)")
    p.add_argument("--pairs", type=int, default=19, help="pairs of outputs per input (the paper: 19)")
    p.add_argument("--classifier", default=None,
                   help="group classifier weights (default: the shipped one); 'none' leaves IS/CIS/Frechet out")
    p.add_argument("--probe", action="store_true",
                   help="also probe the style code for the skin tone (reads the training split)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--out", help="also write the scores to this JSON file")
    p.set_defaults(func=cmd_score_openmoji)

    p = sub.add_parser("score-shapes", help="score a shapes model on the test split (content IoU, diversity, "
                                            "example-guided fidelity)")
    p.add_argument("--checkpoint", required=True, help="generator file (gen_XXXXXXXX.pt or generators.pt), a "
                   "training checkpoint, or a baseline's export")
    p.add_argument("--n", type=int, default=200, help="test images per domain")
    p.add_argument("--styles", type=int, default=16, help="random styles per input")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--texture-anchor", choices=("canvas", "shape"), default=None,
                   help="how the test paintings pin their textures (default: as the model's config says)")
    p.add_argument("--out", help="write the scores as JSON here")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_score_shapes)

    p = sub.add_parser("bench", help="time one training iteration and one translation; prints one JSON line")
    p.add_argument("--config", help="YAML config (default: the paper configuration)")
    p.add_argument("--profile", help="a named profile instead of --config: paper, gpu, cpu, ci")
    p.add_argument("--size", type=int, help="square image side (default: the config's image_size)")
    p.add_argument("--batch", type=int, help="batch size (default: the config's)")
    p.add_argument("--iters", type=int, default=5, help="timed iterations (after 1 warm-up)")
    p.add_argument("--device", help="cpu, cuda, cuda:1 (default: cuda when available)")
    p.add_argument("--precision", choices=["fp32", "bf16"], help="default: the config's")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--set", nargs="*", metavar="KEY=VALUE", help="override config values")
    p.add_argument("--explorer", metavar="MODEL", help="instead: time one style-explorer update with the "
                                                         "shipped model MODEL (e.g. shapes)")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("translate", help="translate an image or a folder with N styles or a reference's style")
    p.add_argument("--checkpoint", required=True, help="generator file (ours or the official gen_XXXXXXXX.pt) "
                                                       "or a training checkpoint")
    p.add_argument("--config", help="YAML config of the official file (default: read off the file)")
    p.add_argument("--input", required=True, help="an image or a folder of images")
    p.add_argument("--direction", default="a2b", choices=["a2b", "b2a"])
    p.add_argument("--num-styles", type=int, default=10)
    p.add_argument("--style", help="a reference image from the target domain (example-guided)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)
    p.add_argument("--device")
    p.set_defaults(func=cmd_translate)

    p = sub.add_parser("demo", help="translate a few shapes with the shipped weights; writes one grid")
    p.add_argument("--out", default="demo_output")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_demo)

    from .evaluation.cli import add_evaluate_parser  # the evaluate command lives with the metrics
    add_evaluate_parser(sub)
    return parser


def _one_line(error: BaseException) -> str:
    """The error's message on one line, with the note a command attached (what was saved)."""
    text = " ".join(line.strip() for line in str(error).splitlines() if line.strip()) or type(error).__name__
    note = getattr(error, "munit_note", None)
    return f"{text}; {note}" if note else text


def main(argv: list[str] | None = None) -> int:
    from .training.trainer import RunLockedError, check_device

    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "device", None):
            check_device(args.device)  # --device cuda without CUDA, or a typo: say so before any work
        return args.func(args)
    except FloatingPointError as error:  # NonFiniteLossError: which loss, when, and the last good checkpoint
        print(f"error: {_one_line(error)}", file=sys.stderr)
        return 3
    except KeyboardInterrupt as error:
        note = getattr(error, "munit_note", None)
        print(f"interrupted{'; ' + note if note else ''}", file=sys.stderr)
        return 130
    except (ValueError, FileNotFoundError, FileExistsError, OSError, KeyError, RunLockedError) as error:
        # a clear one-line message instead of a traceback for mistakes in the input
        print(f"error: {_one_line(error)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
