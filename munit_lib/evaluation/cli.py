"""``python -m munit_lib evaluate``: every metric of one or more models, one JSON line each.

    python -m munit_lib evaluate --checkpoint A.pt [B.pt ...] [--pretrained NAME ...] [--real] [--table results.md]
                                 [--inputs 100] [--pairs 19] [--styles 10] [--lpips] [--classifier FILE]

A checkpoint is a MUNIT generator file (munit_lib's export or the original ``gen_XXXXXXXX.pt``), a
training checkpoint (``checkpoints/last.pt``) or a baseline's export; ``--pretrained`` takes shipped
models by name (``munit_lib.pretrained``), each row named after its model. ``--real`` adds the real-data row; ``--table``
writes all rows as a Markdown table, with the machine, the date and the protocol under it.
"""
from __future__ import annotations

import argparse
import datetime
import json
import platform
from pathlib import Path

__all__ = ["add_evaluate_parser", "evaluate_command", "load_for_evaluation"]


def load_for_evaluation(path: str, name: str | None = None):
    """A model file -> a ``SketchToPainting`` named ``name`` (default: after the file). Any model kind:
    MUNIT generator files, training checkpoints, baselines' exports; read with ``weights_only=True``."""
    from ..translate import Translator
    from .evaluate import as_translator

    translator = Translator.from_checkpoint(path)
    if name is None:
        name = (Path(path).stem if Path(path).stem not in ("last", "generators")
                else f"{Path(path).parent.name}/{Path(path).name}")
    return as_translator(translator, name=name)


def evaluate_command(args) -> int:
    import torch

    from .classifier import load_shapes_classifier
    from .evaluate import evaluate_real_paintings, evaluate_sketch_to_painting, markdown_table

    if not args.checkpoint and not args.pretrained and not args.real:
        raise ValueError("nothing to evaluate: give --checkpoint FILE [FILE ...], --pretrained NAME [NAME ...] "
                         "and/or --real")
    from ..pretrained import pretrained_path

    # shipped models by name (munit_lib.pretrained): each row is named after the model
    named = [(str(pretrained_path(name)), name) for name in args.pretrained or []]
    missing = [f"{name} ({path})" for path, name in named if not Path(path).is_file()]
    if missing:
        raise FileNotFoundError(f"not on disk: {', '.join(missing)}; train them first (munit_lib.pretrained "
                                "says how for each name)")
    if args.threads:
        torch.set_num_threads(args.threads)
    classifier = load_shapes_classifier(args.classifier)
    protocol = {"n_inputs": args.inputs, "n_pairs": args.pairs, "n_styles": args.styles, "seed": args.seed}
    rows = []
    for path, name in [(path, None) for path in args.checkpoint or []] + named:
        row = evaluate_sketch_to_painting(load_for_evaluation(path, name), classifier, lpips=args.lpips, **protocol)
        row["checkpoint"] = str(path)
        rows.append(row)
        print(json.dumps(row, sort_keys=True), flush=True)
    if args.real:
        size = rows[0]["image_size"] if rows else 64
        row = evaluate_real_paintings(classifier, size=size, lpips=args.lpips, **protocol)
        rows.append(row)
        print(json.dumps(row, sort_keys=True), flush=True)
    if args.table:
        note = (f"\nShapes test split; {args.inputs} inputs x {args.pairs} pairs (diversity), {args.styles} "
                f"styles per input (IS, CIS, Fréchet, quality), seed {args.seed}. Measured "
                f"{datetime.date.today().isoformat()} on {platform.machine()} with torch {torch.__version__}, "
                f"{torch.get_num_threads()} thread(s), by `python -m munit_lib evaluate`.\n")
        Path(args.table).parent.mkdir(parents=True, exist_ok=True)
        Path(args.table).write_text(markdown_table(rows) + note, encoding="utf-8")
        Path(args.table).with_suffix(".json").write_text(json.dumps(rows, indent=1, sort_keys=True) + "\n",
                                                          encoding="utf-8")
        print(f"table written to {args.table} (rows as JSON in {Path(args.table).with_suffix('.json')})")
    return 0


def add_evaluate_parser(sub) -> argparse.ArgumentParser:
    """Add the ``evaluate`` command to the CLI's subparsers."""
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
    p.set_defaults(func=evaluate_command)
    return p
