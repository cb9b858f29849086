"""``score-shapes``, ``score-openmoji`` and ``evaluate``: models measured, one JSON object each.

score-shapes: a shapes model on the test split's ground truth (content IoU, the colours, textures
and pairs random styles reach, example-guided fidelity).

score-openmoji: a model of any kind on the OpenMoji test split against each emoji's true colouring.

evaluate: every metric of the paper for one or more shapes models, one JSON line each::

    python -m munit_lib evaluate --checkpoint A.pt [B.pt ...] [--pretrained NAME ...] [--real] [--table results.md]
                                 [--inputs 100] [--pairs 19] [--styles 10] [--lpips] [--classifier FILE]

A checkpoint is a MUNIT generator file (munit_lib's export or the original ``gen_XXXXXXXX.pt``), a
training checkpoint (``checkpoints/last.pt``) or a baseline's export; ``--pretrained`` takes shipped
models by name (``munit_lib.pretrained``), each row named after its model. ``--real`` adds the
real-data row; ``--table`` writes all rows as a Markdown table, with the machine, the date and the
protocol under it.
"""
from __future__ import annotations

import datetime
import json
import platform
from pathlib import Path

import torch

from ..evaluation import shapes_score
from ..evaluation.classifier import load_shapes_classifier
from ..evaluation.evaluate import (as_translator, evaluate_real_paintings, evaluate_sketch_to_painting,
                                   markdown_table)
from ..evaluation.openmoji import load_openmoji_split, score_openmoji
from ..evaluation.openmoji_classifier import load_openmoji_classifier
from ..pretrained import pretrained_path
from ..translate import Translator

__all__ = ["cmd_score_shapes", "cmd_score_openmoji", "cmd_evaluate", "load_for_evaluation"]


def _print_scores(scores: dict, out: str | None) -> None:
    text = json.dumps(scores, indent=1, sort_keys=True)
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")
        print(f"scores written to {out}")
    print(text)


def cmd_score_shapes(args) -> int:
    for flag, value in (("--styles", args.styles), ("--n", args.n)):  # before loading anything
        if value < 1:
            raise ValueError(f"{flag} {value}: give 1 or more")
    # any model kind: MUNIT generators (original layout or an export), a training checkpoint
    # (its EMA generators when it has them), or a baseline's export or checkpoint
    translator = Translator.from_checkpoint(args.checkpoint)
    scores = shapes_score.score_shapes_model(translator.gen_a, translator.gen_b, n=args.n, num_styles=args.styles,
                                             seed=args.seed, progress=not args.quiet,
                                             texture_anchor=args.texture_anchor)
    _print_scores(scores, args.out)
    return 0


def cmd_score_openmoji(args) -> int:
    for flag, value in (("--styles", args.styles), ("--inputs", args.inputs), ("--pairs", args.pairs)):
        if value < 1:  # before loading anything
            raise ValueError(f"{flag} {value}: give 1 or more")
    if args.threads is not None:
        torch.set_num_threads(max(1, args.threads))
    data = load_openmoji_split(args.data, "test")
    classifier = None if args.classifier == "none" else load_openmoji_classifier(args.classifier)
    scores = score_openmoji(args.checkpoint, data, n_styles=args.styles, classifier=classifier,
                            diversity_inputs=args.inputs, diversity_pairs=args.pairs, seed=args.seed,
                            train=load_openmoji_split(args.data, "train") if args.probe else None)
    scores["checkpoint"] = str(args.checkpoint)
    _print_scores(scores, args.out)
    return 0


def load_for_evaluation(path: str, name: str | None = None):
    """A model file -> a ``SketchToPainting`` named ``name`` (default: after the file). Any model kind:
    MUNIT generator files, training checkpoints, baselines' exports; read with ``weights_only=True``."""
    translator = Translator.from_checkpoint(path)
    if name is None:
        name = (Path(path).stem if Path(path).stem not in ("last", "generators")
                else f"{Path(path).parent.name}/{Path(path).name}")
    return as_translator(translator, name=name)


def cmd_evaluate(args) -> int:
    if not args.checkpoint and not args.pretrained and not args.real:
        raise ValueError("nothing to evaluate: give --checkpoint FILE [FILE ...], --pretrained NAME [NAME ...] "
                         "and/or --real")
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
