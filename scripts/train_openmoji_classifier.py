"""Train, validate and ship the OpenMoji group classifier behind notebook 12's IS, CIS, Frechet
distance and feature diversity (munit_lib.evaluation.openmoji_classifier).

    python scripts/train_openmoji_classifier.py [--data data/openmoji64] [--epochs 8] [--threads 2]

Trains on the colourings of the training split (11 groups: people-body, animals-nature, ...),
measures the accuracy on the test split (families never seen in training) and writes the weights
(half precision) to data/pretrained/classifier/openmoji_groups.pt and, beside them,
openmoji_groups.json: the accuracies, the groups' sizes, the settings, the machine and the date.
"""
from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from munit_lib.evaluation.openmoji import load_openmoji_split  # noqa: E402
from munit_lib.evaluation.openmoji_classifier import (load_openmoji_classifier, openmoji_classifier_path,  # noqa: E402
                                                      save_openmoji_classifier, train_openmoji_classifier)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=None, help="an OpenMoji set (default: the shipped data/openmoji64)")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default=None, help="weights file (default: the shipped location)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    model = train_openmoji_classifier(load_openmoji_split(args.data, "train"), load_openmoji_split(args.data, "test"),
                                      epochs=args.epochs)
    out = Path(args.out) if args.out else openmoji_classifier_path()
    save_openmoji_classifier(model, out)
    again = load_openmoji_classifier(out)  # what is shipped is what was measured: half precision read back
    record = {**model.metadata, "seconds": round(time.perf_counter() - start, 1), "threads": args.threads,
              "machine": f"{platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}",
              "date": datetime.date.today().isoformat(), "groups_order": again.groups}
    out.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(f"test accuracy {model.metadata['test_accuracy']:.3f} (majority {model.metadata['majority_baseline']:.3f}), "
          f"train {model.metadata['train_accuracy']:.3f}: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
