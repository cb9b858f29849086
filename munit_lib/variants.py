"""Named models trained by the fast shapes recipe for notebooks 09, 10 and 11, and their publishing.

The cycle variants (notebook 09's trade-off) change only the cycle term of one base config:

=========  ===================================================================================
``cyc0``   ``recon_x_cyc_w = 0``: the implicit cycle of the bidirectional losses alone
``cyc1``   ``recon_x_cyc_w = 1``: the explicit style-augmented cycle, light
``cyc10``  ``recon_x_cyc_w = 10``: the explicit style-augmented cycle, heavy
``plain10`` ``recon_x_cyc_w = 10``, ``recon_x_cyc_style = random``: a plain, CycleGAN-like cycle
           that must return x1 whatever style the way back uses
=========  ===================================================================================

The paper's objective (its equation 5) has no explicit cycle term (weight 0 on most of its data
sets), so Table 1's ablations (notebook 11) drop one term from ``cyc0``; the style-dimension sweep
changes ``style_dim`` in the fast recipe (``cyc10`` is its style_dim 8 point):

=========  ===================================================================================
``nox``    ``cyc0`` without the image reconstruction loss (``recon_x_w = 0``)
``noc``    ``cyc0`` without the content reconstruction loss (``recon_c_w = 0``)
``nos``    ``cyc0`` without the style reconstruction loss (``recon_s_w = 0``)
``sd2``    ``cyc10`` with ``style_dim = 2``
``sd32``   ``cyc10`` with ``style_dim = 32``
=========  ===================================================================================

:func:`train_variants` trains each (resuming a stopped run from its checkpoint), scores it
(:func:`score_variant`: the shapes ground-truth scores + :func:`munit_lib.evaluation.propositions.cycle_errors`)
and publishes it under ``<out_root>/shapes_<name>/``: ``generators.pt`` in half precision
(the original layout + config; it loads into float32 networks as any export),
``config.yaml`` and ``scores.json``. ``munit_lib.pretrained("shapes_cyc10")`` then loads it.
A variant already published at the requested iteration is skipped. :func:`train_baselines` and
:func:`publish_baseline` do the same for the baselines (``munit_lib.baselines``) under
``<out_root>/<model>/``, with a wall-clock budget.
"""
from __future__ import annotations

import datetime
import json
import os
import time
from pathlib import Path
from typing import Optional, Sequence, Union

import torch
from torch import nn

from .config import MUNITConfig

__all__ = ["VARIANTS", "CYCLE_VARIANTS", "TABLE1_VARIANTS", "variant_config", "export_half", "score_variant", "publish_variant", "train_variants",
           "folder_size_mb", "PRETRAINED_LIMIT_MB", "DATA_LIMIT_MB",
           "score_baseline", "publish_baseline", "train_baselines"]

CYCLE_VARIANTS: dict[str, dict] = {
    "cyc0": {"recon_x_cyc_w": 0.0, "recon_x_cyc_style": "encoded"},
    "cyc1": {"recon_x_cyc_w": 1.0, "recon_x_cyc_style": "encoded"},
    "cyc10": {"recon_x_cyc_w": 10.0, "recon_x_cyc_style": "encoded"},
    "plain10": {"recon_x_cyc_w": 10.0, "recon_x_cyc_style": "random"},
}
# Table 1's ablations (notebook 11) drop one reconstruction term from the paper's objective, which
# has no explicit cycle term (so ``cyc0`` is their "MUNIT" row); the style-dimension sweep changes
# only ``style_dim`` in the fast recipe (so ``cyc10`` is its style_dim 8 point).
TABLE1_VARIANTS: dict[str, dict] = {
    "nox": {"recon_x_cyc_w": 0.0, "recon_x_cyc_style": "encoded", "recon_x_w": 0.0},
    "noc": {"recon_x_cyc_w": 0.0, "recon_x_cyc_style": "encoded", "recon_c_w": 0.0},
    "nos": {"recon_x_cyc_w": 0.0, "recon_x_cyc_style": "encoded", "recon_s_w": 0.0},
    "sd2": {"recon_x_cyc_w": 10.0, "recon_x_cyc_style": "encoded", "style_dim": 2},
    "sd32": {"recon_x_cyc_w": 10.0, "recon_x_cyc_style": "encoded", "style_dim": 32},
}
VARIANTS: dict[str, dict] = {**CYCLE_VARIANTS, **TABLE1_VARIANTS}
PRETRAINED_LIMIT_MB = 60.0  # everything under data/pretrained/ together (the course's models and the compared ones)
DATA_LIMIT_MB = 80.0  # everything under data/: the weights and the shipped OpenMoji set


def _check_name(name: str) -> str:
    if name not in VARIANTS:
        raise ValueError(f"unknown variant {name!r}; known variants: {', '.join(VARIANTS)}")
    return name


def variant_config(base: MUNITConfig, name: str) -> MUNITConfig:
    """``base`` with the cycle settings of variant ``name``."""
    return base.replace(**VARIANTS[_check_name(name)])


def export_half(gen_a: nn.Module, gen_b: nn.Module, path: Union[str, os.PathLike], cfg: MUNITConfig,
                iteration: int = 0) -> Path:
    """:func:`munit_lib.training.checkpoint.export_generators` with ``half=True``: every floating
    tensor in float16 (half the bytes; loading copies them into the float32 networks)."""
    from .training.checkpoint import export_generators

    return export_generators(gen_a, gen_b, path, cfg, iteration, half=True)


@torch.no_grad()
def score_variant(gen_a: nn.Module, gen_b: nn.Module, n: int = 200, num_styles: int = 16, seed: int = 0) -> dict:
    """The shapes ground-truth scores (``score_shapes_model``: content IoU, colour / texture /
    pair coverage, example-guided fidelity) and the cycle errors (``propositions.cycle_errors`` on
    ``n`` test images per domain), in one flat dict."""
    from .data import ShapesDomain
    from .evaluation.propositions import cycle_errors
    from .evaluation.shapes_score import model_texture_anchor, score_shapes_model

    scores = score_shapes_model(gen_a, gen_b, n=n, num_styles=num_styles, seed=seed)
    size = int(gen_a.cfg.image_size)
    anchor = model_texture_anchor(gen_b)  # test paintings drawn as the model's training data were
    x_a = ShapesDomain("a", "test", size, n).batch(range(n))  # (n, 3, size, size)
    x_b = ShapesDomain("b", "test", size, n, texture_anchor=anchor).batch(range(n))
    scores.update({f"cycle_{k}": v for k, v in cycle_errors(gen_a, gen_b, x_a, x_b, seed=seed).items()})
    return scores


def publish_variant(name: str, run_dir: Union[str, os.PathLike], out_root: Union[str, os.PathLike],
                    n: int = 200, num_styles: int = 16) -> dict:
    """Export the run's generators (EMA when it has them) in half precision to
    ``out_root/shapes_<name>/generators.pt`` with ``config.yaml``, score them as loaded from
    that file (what users get), write ``scores.json`` and return the scores."""
    from .official import load_official_generators
    from .training import read_training_checkpoint
    from .translate import Translator

    run_dir, out = Path(run_dir), Path(out_root) / f"shapes_{_check_name(name)}"
    checkpoint = run_dir / "checkpoints" / "last.pt"
    if not checkpoint.is_file():
        raise FileNotFoundError(f"variant {name!r} has no checkpoint at {checkpoint}: train it first")
    state = read_training_checkpoint(checkpoint)  # weights_only=True, format checked
    iteration = int(state["iteration"])
    translator = Translator.from_checkpoint(checkpoint)  # EMA generators when the run has them
    cfg = MUNITConfig.from_dict(dict(state["config"]))
    export_half(translator.gen_a, translator.gen_b, out / "generators.pt", cfg, iteration)
    cfg.to_yaml(out / "config.yaml")
    gen_a, gen_b = load_official_generators(out / "generators.pt")  # score what is shipped
    scores = score_variant(gen_a, gen_b, n=n, num_styles=num_styles)
    scores.update(variant=name, iteration=iteration, n_test=n, num_styles=num_styles,
                  date=datetime.date.today().isoformat(), torch=torch.__version__, **VARIANTS[name])
    (out / "scores.json").write_text(json.dumps(scores, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return scores


def folder_size_mb(folder: Union[str, os.PathLike]) -> float:
    """Total size of the files under ``folder``, in MB (10^6 bytes)."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file()) / 1e6


def _check_size(out_root: Union[str, os.PathLike]) -> None:
    """Raise ``RuntimeError`` when ``out_root`` holds more than ``PRETRAINED_LIMIT_MB``."""
    size = folder_size_mb(out_root)
    if size > PRETRAINED_LIMIT_MB:
        raise RuntimeError(f"{out_root} holds {size:.1f} MB, over the {PRETRAINED_LIMIT_MB:.0f} MB limit; "
                           "use narrower networks or fewer models")


def train_variants(names: Sequence[str], base: MUNITConfig, runs_dir: Union[str, os.PathLike],
                   out_root: Union[str, os.PathLike], max_iter: Optional[int] = None, n: int = 200,
                   num_styles: int = 16, progress: bool = True, max_seconds: Optional[float] = None,
                   log=print) -> dict[str, dict]:
    """Train, score and publish each variant in ``names`` from the config ``base``.

    A variant whose ``scores.json`` already reports ``max_iter`` (default ``base.max_iter``)
    iterations is skipped; otherwise its run in ``runs_dir/<name>`` continues from its last
    checkpoint (or starts), trains to ``max_iter`` (or for ``max_seconds`` of wall-clock time per
    variant, whichever comes first: the next call goes on from there) and is published to
    ``out_root``. Raises
    ``RuntimeError`` when ``out_root`` grows past ``PRETRAINED_LIMIT_MB``. Returns the scores.
    """
    from .training import Trainer

    for name in names:
        _check_name(name)
    target = int(max_iter if max_iter is not None else base.max_iter)
    results = {}
    for name in names:
        done = Path(out_root) / f"shapes_{name}" / "scores.json"
        if done.is_file():
            scores = json.loads(done.read_text(encoding="utf-8"))
            if int(scores.get("iteration", -1)) >= target:
                log(f"{name}: published at iteration {scores['iteration']}, skipped")
                results[name] = scores
                continue
        cfg = variant_config(base, name)
        trainer = Trainer(cfg, Path(runs_dir) / name, progress=progress)
        trainer.fit(max_iter=target, resume=True, max_seconds=max_seconds)
        log(f"{name}: trained to iteration {trainer.iteration}; scoring")
        results[name] = publish_variant(name, trainer.out_dir, out_root, n=n, num_styles=num_styles)
        _check_size(out_root)
    return results


# ----------------------------------------------------------------------------- the baselines
@torch.no_grad()
def score_baseline(model: nn.Module, cfg: MUNITConfig, n: int = 200, num_styles: int = 16, seed: int = 0) -> dict:
    """The shapes ground-truth scores of a baseline (``score_shapes_model`` through its translation
    sides: codes from N(0, I) are its noise or z, ignored by the unimodal models). BicycleGAN
    translates a -> b only: its b -> a IoU is NaN."""
    from .evaluation.shapes_score import score_shapes_model
    from .registry import translation_sides

    side_a, side_b = translation_sides(model, cfg)
    return score_shapes_model(side_a, side_b, n=n, num_styles=num_styles, seed=seed)


def publish_baseline(name: str, run_dir: Union[str, os.PathLike], out_root: Union[str, os.PathLike],
                     n: int = 200, num_styles: int = 16, seconds: Optional[dict] = None) -> dict:
    """Export a baseline run's generator-side networks in half precision to
    ``out_root/<name>/generators.pt`` (``training.export_model``) with ``config.yaml``,
    score them as loaded from that file and write ``scores.json``; returns the scores.
    ``seconds``: ``{"cpu_seconds", "seconds"}`` of training to record beside the iteration count."""
    from .official import read_checkpoint
    from .registry import load_model, model_from_checkpoint
    from .training import export_model

    run_dir, out = Path(run_dir), Path(out_root) / name
    checkpoint = run_dir / "checkpoints" / "last.pt"
    if not checkpoint.is_file():
        raise FileNotFoundError(f"baseline {name!r} has no checkpoint at {checkpoint}: train it first")
    data = read_checkpoint(checkpoint)  # read once: the model and its iteration
    model, cfg = model_from_checkpoint(data, checkpoint)
    iteration = int(data["iteration"])
    export_model(model, out / "generators.pt", cfg, iteration, half=True)
    cfg.to_yaml(out / "config.yaml")
    shipped, cfg = load_model(out / "generators.pt")  # score what is shipped
    scores = score_baseline(shipped, cfg, n=n, num_styles=num_styles)
    scores.update(model=name, iteration=iteration, n_test=n, num_styles=num_styles,
                  date=datetime.date.today().isoformat(), torch=torch.__version__)
    if seconds is not None:
        scores["train_cpu_seconds"] = round(float(seconds["cpu_seconds"]), 1)
        scores["train_seconds"] = round(float(seconds["seconds"]), 1)
    (out / "scores.json").write_text(json.dumps(scores, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return scores


def train_baselines(configs: dict[str, Union[str, os.PathLike]], runs_dir: Union[str, os.PathLike],
                    out_root: Union[str, os.PathLike], max_iter: Optional[int] = None,
                    max_cpu_seconds: Optional[float] = None, n: int = 200, num_styles: int = 16,
                    progress: bool = True, overrides: Optional[dict] = None, log=print) -> dict[str, dict]:
    """Train, score and publish each baseline ``{name: config file}`` as :func:`train_variants`
    does the variants: runs in ``runs_dir/<name>`` resume from their checkpoint; a published
    baseline whose ``scores.json`` reports ``max_iter`` iterations (or, with ``max_cpu_seconds``,
    whose recorded training time reached it) is skipped.

    The budget is CPU time (``Trainer.fit(max_cpu_seconds=...)``), not wall-clock time: on a
    shared machine other programs slow a run down but do not take its budget away (with one
    thread, CPU seconds are the seconds the run would take alone). CPU and wall-clock seconds over
    all calls are kept in ``runs_dir/<name>/train_seconds.json``, so a budget spent in several calls
    adds up, and recorded in ``scores.json`` (``train_cpu_seconds``, ``train_seconds``)."""
    from .training import Trainer

    results = {}
    for name, config in configs.items():
        cfg = MUNITConfig.from_yaml(config)
        if overrides:
            cfg = cfg.replace(**overrides)
        target = int(max_iter if max_iter is not None else cfg.max_iter)
        run_dir = Path(runs_dir) / name
        clock = run_dir / "train_seconds.json"
        spent = json.loads(clock.read_text()) if clock.is_file() else {"cpu_seconds": 0.0, "seconds": 0.0}
        done = Path(out_root) / name / "scores.json"
        if done.is_file():
            scores = json.loads(done.read_text(encoding="utf-8"))
            if int(scores.get("iteration", -1)) >= target or (max_cpu_seconds is not None
                                                               and spent["cpu_seconds"] >= max_cpu_seconds):
                log(f"{name}: published at iteration {scores['iteration']}, skipped")
                results[name] = scores
                continue
        trainer = Trainer(cfg, run_dir, progress=progress)
        left = None if max_cpu_seconds is None else max(0.0, float(max_cpu_seconds) - spent["cpu_seconds"])
        cpu, wall = time.process_time(), time.perf_counter()
        trainer.fit(max_iter=target, resume=True, max_cpu_seconds=left)
        spent = {"cpu_seconds": spent["cpu_seconds"] + time.process_time() - cpu,
                 "seconds": spent["seconds"] + time.perf_counter() - wall}
        clock.write_text(json.dumps(spent) + "\n")
        log(f"{name}: trained to iteration {trainer.iteration} in {spent['cpu_seconds']:.0f} CPU s "
            f"({spent['seconds']:.0f} s of wall-clock time); scoring")
        results[name] = publish_baseline(name, run_dir, out_root, n=n, num_styles=num_styles, seconds=spent)
        _check_size(out_root)
    return results
