"""Every shipped model's ground-truth scores (its ``scores.json``) as one Markdown table.

    python scripts/shipped_scores.py [--out FILE]

One row per model of ``munit_lib.list_pretrained()`` that is on disk: how it was trained
(iterations; CPU seconds where recorded) and the shapes scores written when it was published
(``munit_lib.evaluation.shapes_score.score_shapes_model`` on 200 test images per domain, 16 random styles
per input, 64 for the pairs). Nothing is re-measured: the numbers are the files'.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

COLUMNS = (("iteration", "iterations", "d"), ("train_cpu_seconds", "CPU s", ".0f"),
           ("content_iou_a2b", "IoU a->b", ".3f"), ("content_iou_b2a", "IoU b->a", ".3f"),
           ("colour_coverage", "colours", ".3f"), ("pair_coverage", "pairs (64 styles)", ".3f"),
           ("guided_colour", "guided colour", ".3f"), ("guided_texture", "guided texture", ".3f"))


def cell(value, fmt: str) -> str:
    if not isinstance(value, (int, float)) or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return format(value, fmt)


def shipped_scores_table(root=None) -> str:
    """The Markdown table (``root``: the data directory, as for ``munit_lib.pretrained``)."""
    from munit_lib.pretrained import list_pretrained, pretrained_path

    lines = ["| model | " + " | ".join(title for _, title, _ in COLUMNS) + " |",
             "|---|" + "---:|" * len(COLUMNS)]
    for entry in list_pretrained(root):
        scores_file = pretrained_path(entry["name"], root).parent / "scores.json"
        if entry["available"] and scores_file.is_file():
            scores = json.loads(scores_file.read_text(encoding="utf-8"))
            lines.append(f"| {entry['name']} | " + " | ".join(cell(scores.get(key), fmt) for key, _, fmt in COLUMNS)
                         + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="also write the table here")
    args = parser.parse_args(argv)
    table = shipped_scores_table()
    if args.out:
        Path(args.out).write_text(table, encoding="utf-8")
    print(table, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
