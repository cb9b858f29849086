"""Skin tones along an OpenMoji run: where example-guided translation stands at each checkpoint.

    python benchmarks/openmoji_tone_curve.py --out benchmarks/openmoji_tone_curve.jsonl \
        --label munit RUN/snapshots/munit_cpu12.1_it1600.pt ...

One JSON line per checkpoint: its iteration, the CPU-minutes in its file name (``..._cpuM_itN.pt``,
as the course's runs name their copies), and four measures of munit_lib.evaluation.openmoji on the
test split: tones reached by 16 random styles, example-guided tone accuracy, the same with the
emoji's own colouring as the reference, and the nearest-mean probe of the style code's tone. Read
together they say which half fails: a style code that does not hold the tone (probe at chance), or
a decoder that does not apply a tone the code holds (probe high, own-style low), or a tone that
does not move to another drawing (own-style high, guided low).
"""
from __future__ import annotations

import argparse
import datetime
import json
import platform
import re
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from munit_lib.evaluation.openmoji import (guided_tone_accuracy, load_openmoji_split, openmoji_model,  # noqa: E402
                                          own_style_tone_accuracy, style_tone_probe, tones_reached)
from munit_lib.official import read_checkpoint  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("checkpoints", nargs="+")
    p.add_argument("--out", required=True, help="JSON-lines file to append to")
    p.add_argument("--label", default="run")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    train, test = load_openmoji_split(split="train"), load_openmoji_split(split="test")
    for path in args.checkpoints:
        cpu = re.search(r"_cpu([0-9.]+)_", Path(path).name)
        model = openmoji_model(path)
        row = {"label": args.label, "checkpoint": Path(path).name,
               "iteration": int(read_checkpoint(path).get("iteration", -1)),
               "cpu_minutes": float(cpu.group(1)) if cpu else None,
               "tones_reached": tones_reached(model, test, 16), "guided_tone_accuracy": guided_tone_accuracy(model, test),
               "own_style_tone_accuracy": own_style_tone_accuracy(model, test),
               "style_tone_probe": style_tone_probe(model, train, test),
               "machine": f"{platform.machine()}, {args.threads} thread(s)", "date": datetime.date.today().isoformat()}
        with open(args.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
