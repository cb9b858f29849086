"""The zoo's models side by side, as Markdown tables.

* :func:`shipped_scores_table`: every shapes model's published ground-truth scores (its
  ``scores.json``: nothing is re-measured);
* :func:`openmoji_table`: the OpenMoji models' published scores (notebook 12, ``benchmarks/results.md``);
* :func:`table1`: Table 1 of the MUNIT paper on the shapes domains, measured now on the shipped
  models (``munit_lib.evaluation.TABLE1_ROWS``) and real data, with the paper's findings checked.
"""
from __future__ import annotations

import datetime
import json
import math
import os
import platform
from pathlib import Path
from typing import Optional, Union

import torch

from ..evaluation import (TABLE1_ROWS, evaluate_real_paintings, evaluate_sketch_to_painting, load_shapes_classifier,
                          markdown_findings, markdown_table, table1_findings)
from ..evaluation.evaluate import as_translator
from ..pretrained import data_dir, list_pretrained, pretrained_path
from ..translate import Translator

__all__ = ["shipped_scores_table", "openmoji_table", "table1", "table1_row", "OPENMOJI_MODELS", "TABLE1_OUT"]

SHIPPED_COLUMNS = (("iteration", "iterations", "d"), ("train_cpu_seconds", "CPU s", ".0f"),
                   ("content_iou_a2b", "IoU a->b", ".3f"), ("content_iou_b2a", "IoU b->a", ".3f"),
                   ("colour_coverage", "colours", ".3f"), ("pair_coverage", "pairs (64 styles)", ".3f"),
                   ("guided_colour", "guided colour", ".3f"), ("guided_texture", "guided texture", ".3f"))
OPENMOJI_MODELS = ["openmoji", "openmoji_budget", "openmoji_bicyclegan", "openmoji_cyclegan"]
OPENMOJI_ROWS = [("CPU-minutes of training", "cpu_minutes"), ("iterations", "iterations"),
                 ("line art kept a->b (stroke IoU)", "line_art_kept_a2b"), ("line art kept b->a", "line_art_kept_b2a"),
                 ("skin tones reached, 16 random styles (of 5)", "tones_reached"),
                 ("example-guided tone accuracy (chance 0.20)", "guided_tone_accuracy"),
                 ("tone accuracy, own colouring as reference", "own_style_tone_accuracy"),
                 ("style code's tone, nearest-mean probe", "style_tone_probe"),
                 ("palette fidelity (truth 0.947)", "palette_fidelity"), ("L1 to the truth, own style", "own_style_l1"),
                 ("diversity, pixel L1 (100 x 19)", "diversity_l1"),
                 ("diversity, classifier features", "diversity_features"),
                 ("Frechet distance (classifier features)", "frechet"), ("IS (11 groups)", "inception_score"),
                 ("CIS", "cis")]
TABLE1_OUT = Path("pretrained") / "evaluation" / "table1_shapes.md"  # under the data directory
SWEEP = (("shapes_sd2", 2), ("shapes_cyc10", 8), ("shapes_sd32", 32))  # style_dim sweep: the fast recipe


def _cell(value, fmt: str) -> str:
    if not isinstance(value, (int, float)) or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return format(value, fmt)


def shipped_scores_table(root: Optional[Union[str, os.PathLike]] = None) -> str:
    """One row per model of ``munit_lib.list_pretrained()`` on disk with shapes scores (``root``: the
    data directory, as for ``munit_lib.pretrained``): how it was trained (iterations; CPU seconds
    where recorded) and the scores written when it was published (200 test images per domain, 16
    random styles per input, 64 for the pairs)."""
    lines = ["| model | " + " | ".join(title for _, title, _ in SHIPPED_COLUMNS) + " |",
             "|---|" + "---:|" * len(SHIPPED_COLUMNS)]
    for entry in list_pretrained(root):
        scores_file = pretrained_path(entry["name"], root).parent / "scores.json"
        if entry["available"] and scores_file.is_file():
            scores = json.loads(scores_file.read_text(encoding="utf-8"))
            if "content_iou_a2b" not in scores:  # not a shapes model
                continue
            lines.append(f"| {entry['name']} | " + " | ".join(_cell(scores.get(key), fmt)
                                                              for key, _, fmt in SHIPPED_COLUMNS) + " |")
    return "\n".join(lines) + "\n"


def _openmoji_cell(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.3f}"
    return f"{int(value):,}" if isinstance(value, (int, float)) else str(value)


def openmoji_table(root: Optional[Union[str, os.PathLike]] = None) -> str:
    """The OpenMoji models' published scores (``scores.json``, written with the full protocol: the
    test split's 310 emoji, 140 of them toned; 16 styles; 100 x 19 diversity pairs), one column each."""
    folder = data_dir(root) / "pretrained"
    present = [m for m in OPENMOJI_MODELS if (folder / m / "scores.json").is_file()]
    scores = {m: json.loads((folder / m / "scores.json").read_text(encoding="utf-8")) for m in present}
    lines = ["| measure | " + " | ".join(f"`{m}`" for m in present) + " |", "|---|" + "---:|" * len(present)]
    for label, key in OPENMOJI_ROWS:
        values = [scores[m]["training"].get(key) if key in ("cpu_minutes", "iterations") else scores[m].get(key)
                  for m in present]
        shown = [f"{v:.1f}" if key == "cpu_minutes" and v is not None else _openmoji_cell(v) for v in values]
        lines.append(f"| {label} | " + " | ".join(shown) + " |")
    return "\n".join(lines) + "\n"


def _sweep_table(rows: dict[str, dict]) -> str:
    """The style-dimension sweep as Markdown (rows that exist)."""
    lines = ["| style_dim | diversity (domain features) | colour x texture pairs | quality proxy | content IoU | CIS |",
             "|---:|---:|---:|---:|---:|---:|"]
    for name, dim in SWEEP:
        r = rows.get(name)
        if r:
            lines.append(f"| {dim} | {r['diversity']:.3f} | {r['pairs_reached']:.3f} | {r['quality']:.3f} | "
                         f"{r['content_iou']:.3f} | {r['cis']:.3f} |")
    return "\n".join(lines) + "\n"


def table1_row(path: Union[str, os.PathLike], name: str, classifier=None, lpips: bool = False, n_inputs: int = 100,
               n_pairs: int = 19, n_styles: int = 10, seed: int = 0) -> dict:
    """Table 1's protocol on one model file ``path`` (named ``name``): the row :func:`table1` writes
    for it (100 inputs x 19 pairs, 10 styles, seed 0). ``classifier``: the shipped shapes
    classifier, loaded once by a caller that measures several models (loaded here otherwise)."""
    model = as_translator(Translator.from_checkpoint(path), name=name)
    classifier = classifier if classifier is not None else load_shapes_classifier()
    return evaluate_sketch_to_painting(model, classifier, lpips=lpips, n_inputs=n_inputs, n_pairs=n_pairs,
                                       n_styles=n_styles, seed=seed)


def table1(out: Optional[Union[str, os.PathLike]] = None, inputs: int = 100, pairs: int = 19, styles: int = 10,
           seed: int = 0, lpips: bool = False, allow_missing: bool = False, log=print) -> Path:
    """Score every model of ``TABLE1_ROWS`` (the ablations, the baselines, MUNIT with the same budget,
    the style-dimension sweep and the course's first model) and real data with
    ``munit_lib.evaluation``'s protocol, then write one Markdown file (default
    ``data/pretrained/evaluation/table1_shapes.md``): the table, the paper's findings checked on it,
    the style-dimension sweep, and the machine and date; the rows also go to ``<out>.json``.
    A model not on disk is a ``FileNotFoundError`` unless ``allow_missing``. ``lpips`` adds the real
    LPIPS column (needs ``munit_lib[metrics]``)."""
    out = Path(out) if out is not None else data_dir() / TABLE1_OUT
    paths = {name: pretrained_path(name) for name in TABLE1_ROWS}
    missing = [name for name, path in paths.items() if not path.is_file()]
    if missing and not allow_missing:
        raise FileNotFoundError(f"not on disk: {', '.join(missing)} (train and publish them: python scripts/zoo.py "
                                "train NAME, then publish NAME), or allow missing ones (--allow-missing)")
    classifier = load_shapes_classifier()
    protocol = {"n_inputs": inputs, "n_pairs": pairs, "n_styles": styles, "seed": seed}
    rows = []
    for name, path in paths.items():
        if name in missing:
            continue
        row = table1_row(path, name, classifier, lpips=lpips, **protocol)
        scores = path.parent / "scores.json"
        if scores.is_file():  # how each model was trained: iterations and (baselines) CPU seconds
            trained = json.loads(scores.read_text(encoding="utf-8"))
            row.update({k: trained[k] for k in ("iteration", "train_cpu_seconds") if k in trained})
        rows.append(row)
        log(json.dumps(row, sort_keys=True))
    rows.append(evaluate_real_paintings(classifier, lpips=lpips, **protocol))
    by_name = {r["model"]: r for r in rows}
    findings = table1_findings(by_name)
    if lpips:
        findings += [dict(f, finding=f["finding"] + " (real LPIPS)")
                     for f in table1_findings(by_name, diversity="diversity_lpips")]
    when = (f"Measured {datetime.date.today().isoformat()} on {platform.machine()} ({platform.processor() or 'cpu'}) "
            f"with torch {torch.__version__}, {torch.get_num_threads()} thread(s), by `python scripts/zoo.py table "
            "table1`.")
    text = "\n".join([
        "# Table 1 on the shapes domains", "",
        f"Shapes test split; {inputs} inputs x {pairs} pairs (diversity), {styles} styles per input "
        f"(IS, CIS, Fréchet, quality), seed {seed}. {when}", "",
        markdown_table(rows),
        "Rows: `munit_lib.pretrained` names (`shapes_cyc0` = MUNIT with the paper's objective; `shapes_nox`, "
        "`shapes_noc`, `shapes_nos` = without L_x, L_c, L_s; `shapes_cyc10` = the fast recipe; `shapes_sd*` = "
        "its style-dimension sweep; `shapes` = the course's longer-trained model).", "",
        "How each was trained: MUNIT variants for a fixed number of iterations (2,500: about 600 s on a quiet "
        "CPU thread, `benchmarks/results.md`), the baselines for a CPU-time budget on one thread "
        "(`python scripts/zoo.py train NAME`: 10 CPU-minutes).", "",
        "| model | iterations | training CPU seconds |", "|---|---:|---:|",
        *[f"| {r['model']} | {r.get('iteration', 'n/a')} | {r.get('train_cpu_seconds', 'n/a')} |" for r in rows[:-1]], "",
        "## The paper's findings, checked", "", markdown_findings(findings),
        "## Style dimension (the fast recipe; BicycleGAN's paper sweeps its latent size the same way)", "",
        _sweep_table(by_name)])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(rows, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    log(f"table written to {out} (rows as JSON in {out.with_suffix('.json')})")
    return out
