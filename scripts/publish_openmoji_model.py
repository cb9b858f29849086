"""Publish a model trained on OpenMoji into data/pretrained/<name>/ (notebook 12's shipped models).

    python scripts/publish_openmoji_model.py --run runs/om/munit --name openmoji --cpu-minutes 48.5
    python scripts/publish_openmoji_model.py --checkpoint runs/om/snapshots/munit_cpu30.2_it3500.pt \
        --name openmoji_budget --cpu-minutes 30.2 --config runs/om/munit/config.yaml

Writes, for any model kind (MUNIT, BicycleGAN, CycleGAN):

* ``generators.pt``: the generator side in half precision (``python -m munit_lib export --half``),
* ``config.yaml`` and, from a run folder, ``losses.csv`` (the training log),
* ``samples.png``: test line art, its true colouring, then colourings by random styles (and, for a
  model that takes a reference, by the references in the top row),
* ``scores.json``: ``score_openmoji`` at its defaults (the whole test split, 16 styles, the paper's
  100 x 19 diversity protocol, the shipped group classifier), with the training record,
* ``README.md``: what it is, how it was trained (iterations, CPU minutes, machine, date), its scores.
"""
from __future__ import annotations

import argparse
import datetime
import json
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from munit_lib.config import MUNITConfig  # noqa: E402
from munit_lib.evaluation.openmoji import load_openmoji_split, openmoji_model, score_openmoji  # noqa: E402
from munit_lib.official import read_checkpoint  # noqa: E402
from munit_lib.viz import image_grid, save_png  # noqa: E402

SAMPLE_EMOJI = 8  # test emoji in the sample grid
SAMPLE_STYLES = 6  # random colourings of each


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def sample_grid(model, data, seed: int = 0) -> torch.Tensor:
    """Rows: one test emoji each (a toned one first); columns: line art, truth, random colourings."""
    m = openmoji_model(model)
    toned = data.toned
    picks = (toned[::max(1, len(toned) // 4)][:4] + [i for i in range(len(data)) if i not in toned][::37])[:SAMPLE_EMOJI]
    g = torch.Generator().manual_seed(seed)
    rows = []
    with torch.no_grad():
        for i in picks:
            x = data.line_art[i:i + 1].expand(SAMPLE_STYLES, -1, -1, -1)
            styles = torch.randn(SAMPLE_STYLES, max(m.style_dim, 0), generator=g)
            outputs = m.a2b(x, styles).float().clamp(-1, 1)
            rows.append([data.line_art[i], data.colour[i], *outputs])
    return image_grid(rows)


def write_readme(folder: Path, name: str, scores: dict, record: dict) -> None:
    def fmt(v):
        return "n/a" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))

    lines = [f"# `{name}`: {record['kind']} on OpenMoji line art -> colour (64 px)", "",
             f"Trained by munit_lib with `{record['config']}` for {record['iterations']:,} iterations, "
             f"{record['cpu_minutes']} CPU-minutes ({record['machine']}, {record['date']}, "
             f"commit {record['commit']}). {record['note']}".strip(), "",
             "Load it: `munit_lib.pretrained(\"%s\")` (a `Translator`), or measure it with "
             "`python -m munit_lib score-openmoji --checkpoint data/pretrained/%s/generators.pt`." % (name, name), "",
             "| measure (test split: 310 emoji, 140 with a skin tone) | score |", "|---|---|"]
    labels = {"line_art_kept_a2b": "line art kept, a->b (stroke IoU with the truth)",
              "line_art_kept_b2a": "line art kept, b->a", "tones_reached": "skin tones reached by 16 random styles (of 5)",
              "guided_tone_accuracy": "example-guided tone accuracy (chance 0.20)",
              "own_style_tone_accuracy": "tone accuracy, the style encoded from the emoji's own colouring",
              "style_tone_probe": "the style code's tone, nearest-mean probe (chance 0.20)",
              "palette_fidelity": "palette fidelity (the truth: 0.947)", "own_style_l1": "L1 to the truth, own style",
              "diversity_l1": "diversity, pixel L1 (100 x 19 pairs)", "diversity_features": "diversity, classifier features",
              "frechet": "Frechet distance (classifier features)", "inception_score": "IS (groups)", "cis": "CIS"}
    lines += [f"| {label} | {fmt(scores.get(key))} |" for key, label in labels.items()]
    lines += ["", "Data: OpenMoji (CC BY-SA 4.0, `data/openmoji64/LICENSE.md`); the weights are derived from it and "
              "shared under the same licence.", ""]
    (folder / "README.md").write_text("\n".join(lines), encoding="utf-8")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", help="a run folder (its checkpoints/last.pt, config.yaml and losses.csv)")
    p.add_argument("--checkpoint", help="a training checkpoint (instead of --run)")
    p.add_argument("--config", help="the config to record when --checkpoint is given (default: its own)")
    p.add_argument("--name", required=True, help="folder under data/pretrained/")
    p.add_argument("--cpu-minutes", required=True, type=float, help="CPU time the run trained for (recorded)")
    p.add_argument("--note", default="", help="a sentence for the README")
    p.add_argument("--threads", type=int, default=2, help="threads for scoring")
    p.add_argument("--train-threads", default="1 thread", help="how the run trained, for the record")
    args = p.parse_args(argv)
    if bool(args.run) == bool(args.checkpoint):
        p.error("give --run or --checkpoint")
    torch.set_num_threads(args.threads)
    checkpoint = Path(args.run) / "checkpoints" / "last.pt" if args.run else Path(args.checkpoint)
    state = read_checkpoint(checkpoint)
    cfg = MUNITConfig.from_dict(dict(state["config"]))
    folder = ROOT / "data" / "pretrained" / args.name
    folder.mkdir(parents=True, exist_ok=True)
    gen = folder / "generators.pt"
    subprocess.run([sys.executable, "-m", "munit_lib", "export", "--checkpoint", str(checkpoint), "--out", str(gen),
                    "--half", "--overwrite"], check=True, cwd=ROOT)
    cfg.to_yaml(folder / "config.yaml")
    if args.run and (Path(args.run) / "losses.csv").is_file():
        shutil.copy(Path(args.run) / "losses.csv", folder / "losses.csv")
    data = load_openmoji_split()
    save_png(sample_grid(gen, data), folder / "samples.png")
    scores = score_openmoji(gen, data, train=load_openmoji_split(split="train"))
    kind = getattr(cfg, "model", "munit") or "munit"
    record = {"kind": {"munit": "MUNIT", "bicyclegan": "BicycleGAN", "cyclegan": "CycleGAN"}.get(kind, kind),
              "config": args.config or (f"{args.run}/config.yaml" if args.run else "its checkpoint's config"),
              "iterations": int(state["iteration"]), "cpu_minutes": args.cpu_minutes,
              "machine": f"{platform.machine()} CPU, {args.train_threads}", "date": datetime.date.today().isoformat(),
              "commit": _commit(), "note": args.note}
    scores["training"] = record
    (folder / "scores.json").write_text(json.dumps(scores, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    write_readme(folder, args.name, scores, record)
    print(json.dumps(scores, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
