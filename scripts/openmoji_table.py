"""The OpenMoji models' scores as a markdown table (benchmarks/results.md, notebook 12's numbers).

    python scripts/openmoji_table.py

Reads data/pretrained/openmoji*/scores.json, written by scripts/publish_openmoji_model.py with the
full protocol (the test split's 310 emoji, 140 of them toned; 16 styles; 100 x 19 diversity pairs).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = ["openmoji", "openmoji_budget", "openmoji_bicyclegan", "openmoji_cyclegan"]
ROWS = [("CPU-minutes of training", "cpu_minutes"), ("iterations", "iterations"),
        ("line art kept a->b (stroke IoU)", "line_art_kept_a2b"), ("line art kept b->a", "line_art_kept_b2a"),
        ("skin tones reached, 16 random styles (of 5)", "tones_reached"),
        ("example-guided tone accuracy (chance 0.20)", "guided_tone_accuracy"),
        ("tone accuracy, own colouring as reference", "own_style_tone_accuracy"),
        ("style code's tone, nearest-mean probe", "style_tone_probe"),
        ("palette fidelity (truth 0.947)", "palette_fidelity"), ("L1 to the truth, own style", "own_style_l1"),
        ("diversity, pixel L1 (100 x 19)", "diversity_l1"), ("diversity, classifier features", "diversity_features"),
        ("Frechet distance (classifier features)", "frechet"), ("IS (11 groups)", "inception_score"), ("CIS", "cis")]


def cell(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.3f}"
    return f"{int(value):,}" if isinstance(value, (int, float)) else str(value)


def main() -> int:
    present = [m for m in MODELS if (ROOT / "data" / "pretrained" / m / "scores.json").is_file()]
    scores = {m: json.loads((ROOT / "data" / "pretrained" / m / "scores.json").read_text()) for m in present}
    print("| measure | " + " | ".join(f"`{m}`" for m in present) + " |")
    print("|---|" + "---:|" * len(present))
    for label, key in ROWS:
        values = [scores[m]["training"].get(key) if key in ("cpu_minutes", "iterations") else scores[m].get(key)
                  for m in present]
        shown = [f"{v:.1f}" if key == "cpu_minutes" and v is not None else cell(v) for v in values]
        print(f"| {label} | " + " | ".join(shown) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
