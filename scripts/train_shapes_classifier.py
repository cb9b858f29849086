"""Train, validate and ship the shapes painting classifier used by munit_lib.evaluation.

    python scripts/train_shapes_classifier.py [--out data/pretrained/classifier] [--n-train 9000] [--epochs 4]

Trains on paintings of the shapes *train* split (ground truth: colour, texture, kind), validates
on held-out *test*-split paintings never seen in training (at 64 px, and at 32 px brought back to
64 as CI-profile models produce), and writes beside the weights ``validation.json`` with the
accuracy per head, the settings, the machine and the date. About 5 minutes on one CPU thread.
"""
from __future__ import annotations

import argparse
import datetime
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

import torch
from torch.nn import functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from munit_lib.evaluation.classifier import (ShapesFactorDataset, evaluate_accuracy,  # noqa: E402
                                             load_shapes_classifier, save_shapes_classifier,
                                             train_shapes_classifier)


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "data" / "pretrained" / "classifier"))
    parser.add_argument("--n-train", type=int, default=9000)
    parser.add_argument("--n-val", type=int, default=1000, help="held-out test-split paintings")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    start = time.time()
    model, log = train_shapes_classifier(n_train=args.n_train, epochs=args.epochs, seed=args.seed, progress=True)
    seconds = time.time() - start
    images, labels = ShapesFactorDataset("test", args.n_val).tensors()  # (N, 3, 64, 64): never trained on
    at_32 = F.interpolate(F.interpolate(images, scale_factor=0.5, mode="bilinear", antialias=True), size=64,
                          mode="bilinear")
    out = Path(args.out)
    path = save_shapes_classifier(model, out / "shapes_classifier.pt", {"train_log": log})
    shipped = load_shapes_classifier(path)  # validate what is shipped: the half-precision weights
    report = {
        "validation": {"split": "test", "n": args.n_val, "accuracy_64px": evaluate_accuracy(shipped, images, labels),
                       "accuracy_32px": evaluate_accuracy(shipped, at_32, labels)},
        "training": {"split": "train", "n": args.n_train, "epochs": args.epochs, "seed": args.seed,
                     "seconds": round(seconds, 1), "threads": args.threads, "log": log},
        "parameters": sum(p.numel() for p in shipped.parameters()),
        "file_bytes": path.stat().st_size,
        "machine": f"{platform.machine()}, {args.threads} thread(s)", "torch": torch.__version__,
        "date": datetime.date.today().isoformat(), "commit": _commit(),
        "recreate": "python scripts/train_shapes_classifier.py",
    }
    (out / "validation.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report["validation"]))
    print(f"weights: {path} ({report['file_bytes']} bytes), report: {out / 'validation.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
