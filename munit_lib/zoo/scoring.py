"""Scoring a model of the zoo as its family is scored, on the file users get.

* ``shapes``: every shapes score (:func:`munit_lib.evaluation.shapes_score.score_shapes_model`),
  where random styles put their colours (:func:`colour_histogram`) and which code holds colour and
  texture (``factor_probes``), on one thread;
* ``variant``: the shapes scores and the cycle errors (:func:`score_variant`);
* ``baseline``: the shapes scores through the model's translation sides (:func:`score_baseline`);
* ``openmoji``: ``score_openmoji`` at its defaults (the whole test split, 16 styles, the paper's
  100 x 19 diversity protocol, the shipped group classifier, the style code's tone probe), on two
  threads.

:func:`score` measures a published model again; with ``write=True`` it replaces the scores in
its ``scores.json`` and keeps the record of its training (iteration, dates, budget), adding
``rescored`` (when, which commit, which machine).
"""
from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
from collections import Counter
from pathlib import Path
from typing import Optional, Union

import torch
from torch import nn

from ..config import MUNITConfig
from ..course import repository_root
from ..data import PALETTE, ShapesDomain
from ..evaluation import propositions, shapes_score
from ..evaluation.openmoji import load_openmoji_split, score_openmoji
from ..evaluation.shapes import classify_colour
from ..pretrained import data_dir
from ..registry import load_generators, load_model, translation_sides
from .catalogue import zoo_model
from .readme import write_scores

__all__ = ["score_variant", "score_baseline", "score_shapes_generators", "colour_histogram", "score_file", "score",
           "RECORD_KEYS", "git_commit", "scoring_machine"]

# what scores.json says of a model's training, per family: kept when the model is scored again
RECORD_KEYS = {"shapes": ("iteration", "sampled", "date", "commit", "note"),
               "variant": ("variant", "iteration", "date", "recon_x_cyc_w", "recon_x_cyc_style", "recon_x_w",
                           "recon_c_w", "recon_s_w", "style_dim"),
               "baseline": ("model", "iteration", "date", "train_cpu_seconds", "train_seconds"),
               "openmoji": ("training",)}
SCORING_THREADS = {"shapes": 1, "openmoji": 2}  # as the shipped scores were measured (others: torch's choice)


def git_commit() -> str:
    """The repository's commit (short), or ``"unknown"``."""
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=repository_root(),
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):  # OSError: no git, or no clone (repository_root's FileNotFoundError)
        return "unknown"


def scoring_machine() -> dict:
    return dict(torch=torch.__version__, machine=f"{platform.machine()}, {torch.get_num_threads()} thread(s)")


@torch.no_grad()
def score_variant(gen_a: nn.Module, gen_b: nn.Module, n: int = 200, num_styles: int = 16, seed: int = 0) -> dict:
    """The shapes ground-truth scores (``score_shapes_model``: content IoU, colour / texture /
    pair coverage, example-guided fidelity) and the cycle errors (``propositions.cycle_errors`` on
    ``n`` test images per domain), in one flat dict."""
    scores = shapes_score.score_shapes_model(gen_a, gen_b, n=n, num_styles=num_styles, seed=seed)
    size = int(gen_a.cfg.image_size)
    anchor = shapes_score.model_texture_anchor(gen_b)  # test paintings drawn as the model's training data were
    x_a = ShapesDomain("a", "test", size, n).batch(range(n))  # (n, 3, size, size)
    x_b = ShapesDomain("b", "test", size, n, texture_anchor=anchor).batch(range(n))
    scores.update({f"cycle_{k}": v for k, v in propositions.cycle_errors(gen_a, gen_b, x_a, x_b, seed=seed).items()})
    return scores


@torch.no_grad()
def score_baseline(model: nn.Module, cfg: MUNITConfig, n: int = 200, num_styles: int = 16, seed: int = 0) -> dict:
    """The shapes ground-truth scores of a baseline (``score_shapes_model`` through its translation
    sides: codes from N(0, I) are its noise or z, ignored by the unimodal models). BicycleGAN
    translates a -> b only: its b -> a IoU is NaN. CycleGAN*'s U-Net form is scored as it translates,
    its dropout on (the masks seeded by ``seed``: ``score_shapes_model``)."""
    side_a, side_b = translation_sides(model, cfg)
    return shapes_score.score_shapes_model(side_a, side_b, n=n, num_styles=num_styles, seed=seed)


@torch.no_grad()
def colour_histogram(gen_a, gen_b, n: int = 50, num_styles: int = 16) -> dict:
    """How often each palette colour comes out of random styles (n test sketches x num_styles):
    where the prior N(0, I) puts its mass in the style space."""
    x = torch.stack([ShapesDomain("a", "test", gen_a.cfg.image_size, n, 0)[i] for i in range(n)])
    styles = torch.randn(num_styles, gen_b.cfg.style_dim, generator=torch.Generator().manual_seed(0))
    content = gen_a.encode_content(x)
    outputs = torch.cat([gen_b.decode(content, s[None]) for s in styles])  # (num_styles * n, 3, H, W)
    counts = Counter(classify_colour(outputs))
    return {colour: counts.get(colour, 0) for colour in PALETTE}


def score_shapes_generators(gen_a, gen_b, n: int = 200) -> dict:
    """A course model's scores: the test-split scores, where random styles put their colours, and
    the factor probes."""
    scores = shapes_score.score_shapes_model(gen_a, gen_b, n=n, num_styles=16, seed=0, progress=True)
    scores["colour_histogram"] = colour_histogram(gen_a, gen_b)
    scores["factor_probes"] = shapes_score.factor_probes(gen_b)
    return scores


def score_file(family: str, path: Union[str, os.PathLike], n: int = 200, num_styles: int = 16,
               openmoji_root: Optional[Union[str, os.PathLike]] = None) -> dict:
    """The scores of the model file ``path`` (an export) as ``family`` scores its models. Sets the
    torch thread count the family's shipped scores were measured with."""
    if family in SCORING_THREADS:
        torch.set_num_threads(SCORING_THREADS[family])
    if family == "openmoji":
        return score_openmoji(path, load_openmoji_split(openmoji_root),
                              train=load_openmoji_split(openmoji_root, split="train"))
    if family == "baseline":
        model, cfg = load_model(path)
        return score_baseline(model, cfg, n=n, num_styles=num_styles)
    gen_a, gen_b = load_generators(path)
    if family == "variant":
        return score_variant(gen_a, gen_b, n=n, num_styles=num_styles)
    if family == "shapes":
        return score_shapes_generators(gen_a, gen_b, n=n)
    raise ValueError(f"unknown family {family!r}")


def score(name: str, out_root: Optional[Union[str, os.PathLike]] = None, n: int = 200, num_styles: int = 16,
          write: bool = False, note: Optional[str] = None, log=print) -> dict:
    """Score the published model ``name`` (``<out_root>/<name>/generators.pt``, default under
    ``data/pretrained/``) again. With ``write``: its ``scores.json`` takes the new scores, keeps the
    training record (``RECORD_KEYS``; ``note`` replaces a shapes model's note) and names the
    rescoring in ``rescored``; a README is written again where the family has one. Scores that
    moved from the published ones are logged."""
    model = zoo_model(name)
    folder = Path(out_root if out_root is not None else data_dir() / "pretrained") / name
    if not (folder / "generators.pt").is_file():
        raise FileNotFoundError(f"{folder} holds no generators.pt: publish {name} there first "
                                f"(python scripts/zoo.py publish {name})")
    new = score_file(model.family, folder / "generators.pt", n=n, num_styles=num_styles)
    if not write:
        return new
    if not (folder / "scores.json").is_file():
        raise FileNotFoundError(f"{folder} holds no scores.json: publish {name} there first")
    old = json.loads((folder / "scores.json").read_text(encoding="utf-8"))
    moved = {k: (old[k], v) for k, v in new.items()
             if isinstance(v, float) and isinstance(old.get(k), float) and abs(old[k] - v) > 1e-6}
    if moved:
        log("scores that differ from the published ones (old, new): " + json.dumps(moved))
    kept = {k: old[k] for k in RECORD_KEYS[model.family] if k in old}
    if model.family == "shapes":
        kept["sampled"] = old.get("sampled", old["iteration"])  # published before it was recorded: the last one
        kept["note"] = old.get("note", "") if note is None else note
    new.update(kept, rescored=dict(date=datetime.date.today().isoformat(), commit=git_commit(),
                                   **scoring_machine()))
    write_scores(name, folder, new)
    return new
