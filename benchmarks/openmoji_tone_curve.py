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

Two more columns tell a code that lacks the tone from a decoder that cannot apply it to a real
drawing (the nearest-mean probe is linear and can miss a tone the code holds):
``own_style_via_own_line_art``: the own-colouring accuracy again, with the line art the model itself
draws from that colouring (its b->a translation) in place of the true line art. The training cycle
x_b -> x_ba -> x_bab decodes exactly this pair, so a high value here beside a low own-style value
says the style code holds the tone and the decoder applies it to its own line art only.
``style_norm``: the mean length of the style codes encoded from the toned colourings, over the mean
length of the N(0, I) codes that random translation draws (1.0: the encoder fills the prior).
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
                                          own_style_tone_accuracy, read_tones, style_tone_probe,
                                          tones_reached)
from munit_lib.official import read_checkpoint  # noqa: E402


def line_art_gap(model, test) -> dict:
    """The two columns of the docstring's second paragraph (empty for a model with no way back)."""
    if model.encode_b is None or model.b2a is None:
        return {}
    idx = test.toned
    colour = test.colour[idx]  # (n, 3, H, W)
    truth = torch.tensor([test.records[i].skintone - 1 for i in idx])
    with torch.no_grad():
        styles = model.encode_b(colour)  # (n, style_dim)
        own_line_art = model.b2a(colour)  # the model's own line art of each colouring
        read = read_tones(model.a2b(own_line_art, styles), test.masks(idx))
        prior = torch.randn(4096, styles.shape[1], generator=torch.Generator().manual_seed(0))
    return {"own_style_via_own_line_art": float((read == truth).float().mean()),
            "style_norm": float(styles.norm(dim=1).mean() / prior.norm(dim=1).mean())}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("checkpoints", nargs="+")
    p.add_argument("--out", required=True, help="JSON-lines file to append to")
    p.add_argument("--label", default="run")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--data", help="an OpenMoji set (default: the shipped data/openmoji64); a run trained at "
                   "another size is measured on a set built at its size (make-openmoji --size)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    train, test = load_openmoji_split(args.data, split="train"), load_openmoji_split(args.data, split="test")
    for path in args.checkpoints:
        cpu = re.search(r"_cpu([0-9.]+)_", Path(path).name)
        model = openmoji_model(path)
        row = {"label": args.label, "checkpoint": Path(path).name,
               "iteration": int(read_checkpoint(path).get("iteration", -1)),
               "cpu_minutes": float(cpu.group(1)) if cpu else None,
               "tones_reached": tones_reached(model, test, 16), "guided_tone_accuracy": guided_tone_accuracy(model, test),
               "own_style_tone_accuracy": own_style_tone_accuracy(model, test),
               "style_tone_probe": style_tone_probe(model, train, test),
               **line_art_gap(model, test),
               "machine": f"{platform.machine()}, {args.threads} thread(s)", "date": datetime.date.today().isoformat()}
        with open(args.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
