"""The command line: ``python -m munit_lib VERB ...`` (also installed as ``munit``).

    make-shapes  --out DIR [--size 64] [--train 2000] [--test 200] [--seed 0] [--texture-anchor shape]
    make-openmoji [--size 64] [--out DIR] [--tarball FILE] [--overwrite]
    download     edges2shoes | edges2handbags | afhq [--root data]
    train        --config FILE [--out DIR] [--resume] [--max-iter N] [--threads N] [--max-cpu-minutes M]
                 [--set key=value ...]
    export       --checkpoint RUN/checkpoints/last.pt --out gen.pt [--no-ema] [--half] [--overwrite]
    bench        [--config FILE | --profile NAME] [--size N] [--batch B] [--iters N] [--device cpu]
                 [--explorer shapes]   (beside the original's procedure: benchmarks/against_original.py)
    translate    --checkpoint FILE --input IMAGE_OR_FOLDER --direction a2b --num-styles 10 --out DIR
    demo         [--out DIR]
    score-shapes --checkpoint gen.pt [--n 200] [--styles 16] [--texture-anchor shape] [--out scores.json]
    score-openmoji --checkpoint gen.pt [--data DIR] [--styles 16] [--inputs 100] [--pairs 19] [--out scores.json]
    evaluate     --checkpoint gen.pt [more.pt ...] [--pretrained NAME ...] [--real] [--table results.md]
                 [--inputs 100] [--pairs 19]

One parser (:func:`build_parser`, below) names every verb and option. Each verb's code is the
function ``cmd_<verb>`` of its group's module, imported only when the verb runs:

    cli/data.py       make-shapes, make-openmoji, download
    cli/train.py      train, export, bench
    cli/translate.py  translate, demo
    cli/score.py      score-shapes, score-openmoji, evaluate

Every command prints where its results are; errors are one line naming the problem.
More than one GPU: ``torchrun --nproc_per_node=N -m munit_lib train --config FILE``.
"""
from __future__ import annotations

import argparse
import importlib
import sys

__all__ = ["main", "build_parser", "command_of"]


def build_parser() -> argparse.ArgumentParser:
    """Every verb and its options; ``group`` names the module (``cli/<group>.py``) that runs it."""
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
    p.set_defaults(group="data")

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
    p.set_defaults(group="train")

    p = sub.add_parser("make-openmoji", help="build the OpenMoji line-art / colour domains from the npm package")
    p.add_argument("--out", default=None, help="folder to create (default data/openmoji<size>)")
    p.add_argument("--size", type=int, default=64, help="image side in pixels (64: the course; 256: the paper)")
    p.add_argument("--tarball", help="the package's .tgz, already fetched (default: `npm pack` of the pinned version)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(group="data")

    p = sub.add_parser("download", help="download and prepare a paper dataset (needs the network; large)")
    p.add_argument("name", choices=["edges2shoes", "edges2handbags", "afhq"])
    p.add_argument("--root", default="data", help="where to put it (default data/)")
    p.add_argument("--disjoint", action="store_true", help="edges2*: A and B from disjoint halves of the pairs "
                   "(default: every pair's halves in both, as the original)")
    p.set_defaults(group="data")

    p = sub.add_parser("export", help="write the generators of a training checkpoint in the original layout "
                                      "(a baseline's run: its generator-side networks)")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--no-ema", action="store_true", help="export the raw weights even when an EMA exists")
    p.add_argument("--half", action="store_true", help="store the weights in float16 (half the bytes)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out (never a training "
                   "checkpoint)")
    p.set_defaults(group="train")

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
    p.set_defaults(group="score")

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
    p.set_defaults(group="score")

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
    p.set_defaults(group="train")

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
    p.set_defaults(group="translate")

    p = sub.add_parser("demo", help="translate a few shapes with the shipped weights; writes one grid")
    p.add_argument("--out", default="demo_output")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(group="translate")


    p = sub.add_parser("evaluate", help="every metric of shapes models (diversity, IS, CIS, Fréchet, quality "
                                        "proxy, content IoU) as one JSON line each; --table writes Markdown")
    p.add_argument("--checkpoint", nargs="*", default=[], help="generator file(s) or training checkpoint(s)")
    p.add_argument("--pretrained", nargs="*", default=[], metavar="NAME",
                   help="shipped models by name (see munit_lib.list_pretrained), after the --checkpoint files")
    p.add_argument("--real", action="store_true", help="add the real-data row")
    p.add_argument("--table", help="write a Markdown table of all rows here (and the rows as .json beside it)")
    p.add_argument("--inputs", type=int, default=100, help="test sketches (the paper: 100)")
    p.add_argument("--pairs", type=int, default=19, help="pairs of outputs per input for diversity (the paper: 19)")
    p.add_argument("--styles", type=int, default=10, help="random styles per input for IS, CIS, Fréchet, quality")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lpips", action="store_true", help="also the real LPIPS (needs munit_lib[metrics])")
    p.add_argument("--classifier", help="classifier weights (default: the shipped ones)")
    p.add_argument("--threads", type=int, help="torch CPU threads")
    p.set_defaults(group="score")
    return parser


def command_of(args: argparse.Namespace):
    """The function that runs a parsed verb: ``cmd_<verb>`` of ``munit_lib.cli.<group>``. Imported
    here, not at the top: a group loads torchvision, the trainer or the metrics, and ``--help`` or
    one verb need not wait for all of them."""
    module = importlib.import_module(f"{__name__}.{args.group}")
    return getattr(module, "cmd_" + args.command.replace("-", "_"))


def _one_line(error: BaseException) -> str:
    """The error's message on one line, with the note a command attached (what was saved)."""
    text = " ".join(line.strip() for line in str(error).splitlines() if line.strip()) or type(error).__name__
    note = getattr(error, "munit_note", None)
    return f"{text}; {note}" if note else text


def main(argv: list[str] | None = None) -> int:
    """Run one verb; a mistake in the input is one ``error:`` line on stderr and exit status 2."""
    # imported here, not at the top: the trainer loads torchvision (seconds), which --help does without
    from ..training.trainer import RunLockedError, check_device

    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "device", None):
            check_device(args.device)  # --device cuda without CUDA, or a typo: say so before any work
        return command_of(args)(args)
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
