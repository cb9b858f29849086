"""Scoring a sketches (a) <-> paintings (b) model on the shapes test split, with the readers and
measures of ``munit_lib.evaluation.shapes``:

* ``score_shapes_model``: content kept both ways, the colours, textures and pairs random styles
  reach (with the ideal a model sampling the data's styles would reach: ``ideal_coverage``,
  ``ideal_style_coverage``), and example-guided fidelity; ``SHAPES_TARGETS`` are the figures a
  shipped model must reach and aims at;
* ``factor_probes``: which code of a painting (style or content) holds its colour and its texture,
  by ``munit_lib.evaluation.probes.linear_probe_accuracy``.

Both draw the test paintings as the model's own data were drawn (``model_texture_anchor``).
"""
from __future__ import annotations

import contextlib
from typing import Optional

import numpy as np
import torch
from torch.nn import functional as F

from ..data.shapes import PALETTE, TEXTURES, ShapesDomain
from ..data.spec import trained_on
from ..translate import Translator
from .probes import linear_probe_accuracy
from .shapes import content_iou, example_guided_fidelity, style_diversity

__all__ = ["score_shapes_model", "factor_probes", "ideal_coverage", "ideal_style_coverage", "model_texture_anchor",
           "SHAPES_TARGETS"]

# What a shapes model must reach, and what it aims at, as (must, aim) per score of score_shapes_model
# (pairs with 64 styles: see ideal_style_coverage for why not 16)
SHAPES_TARGETS = {"content_iou_a2b": (0.92, 0.95), "content_iou_b2a": (0.92, 0.95), "colour_coverage": (0.90, 1.0),
                  "pair_coverage": (0.60, 0.80), "guided_colour": (0.95, 0.99), "guided_texture": (0.60, 0.80)}
_FRESH_STREAM = 7919  # score_shapes_model's *_fresh styles: seed + this, apart from the shared draws
_COLOURS = list(PALETTE)


# ----------------------------------------------------------------------------- coverage references
def ideal_coverage(n_classes: int, num_styles: int) -> float:
    """Expected share of ``n_classes`` equally likely classes that ``num_styles`` independent draws
    reach: ``1 - (1 - 1/n_classes) ** num_styles``. For the 8 colours and 16 styles it is 0.882: a
    model whose random styles give every colour as often as the data do reaches all 8 with 16
    codes only about one draw in three (the coupon collector), and 7 of them on average."""
    if n_classes < 1 or num_styles < 0:
        raise ValueError(f"need n_classes >= 1 and num_styles >= 0, got {n_classes} and {num_styles}")
    return 1.0 - (1.0 - 1.0 / n_classes) ** int(num_styles)


def ideal_style_coverage(num_styles: int) -> float:
    """Expected share of the 32 colour-texture pairs that ``num_styles`` outputs reach when each
    output's style is an independent draw from the data's own style distribution (colour and
    texture uniform and independent, so every pair has probability 1/32):
    ``E[pairs reached] / 32 = 1 - (31/32) ** num_styles``. A model cannot be expected to beat it
    in the mean, and no model can exceed ``min(num_styles, 32) / 32``: 0.398 (ceiling 0.5) with 16
    styles, 0.869 with 64."""
    return ideal_coverage(len(_COLOURS) * len(TEXTURES), num_styles)


def model_texture_anchor(gen) -> str:
    """The ``texture_anchor`` of the shapes data a generator was trained on, read from the data's
    description it carries (``gen.data_record``, :func:`munit_lib.data.trained_on`: the checkpoint's
    ``"data"`` record, or an older file's config key, attached by the loaders and the trainer);
    ``"canvas"`` for a generator that carries none (every model made before the option)."""
    return trained_on(gen).texture_anchor


# ----------------------------------------------------------------------------- scoring a model
@torch.no_grad()  # scoring only: no graph through the generators
def score_shapes_model(gen_a, gen_b, size: Optional[int] = None, n: int = 200, num_styles: int = 16, seed: int = 0,
                       data_seed: int = 0, batch: int = 50, progress: bool = False, pair_styles: int = 64,
                       pair_inputs: int = 50, texture_anchor: Optional[str] = None) -> dict:
    """Score a sketches (a) <-> paintings (b) model on the shapes test split with the measures above.

    * ``content_iou_a2b`` / ``content_iou_b2a``: mean IoU between each test image's shape and
      the shape of each of its ``num_styles`` translations (random styles from N(0, I));
    * ``open_outlines_b2a``: the share of painting -> sketch translations with an IoU under 0.5.
      Nearly all are outlines with a gap: the reader's fill from the border then runs inside,
      and only the line itself counts as the shape (IoU 0.2-0.35). A mean ``content_iou_b2a``
      of 0.7 is usually a third of open outlines, not every sketch a little off;
    * ``colour_coverage`` / ``texture_coverage`` / ``style_coverage``: per sketch, the share of
      the 8 colours / 4 textures / 32 pairs its ``num_styles`` paintings reach, averaged;
    * ``guided_colour`` / ``guided_texture``: example-guided a -> b with the style of test
      painting ``(i + 1) mod n``: how often the output takes the reference's colour / texture;
    * ``pair_coverage``: the share of the 32 colour-texture pairs reached by ``pair_styles``
      random styles, averaged over the first ``pair_inputs`` sketches. With 16 styles
      ``style_coverage`` cannot exceed 0.5 and a model that samples the data's styles perfectly
      scores 0.398 in the mean (``ideal_style_coverage``); 64 styles leave room to see a model
      that reaches few pairs (ideal 0.869). ``*_ideal`` give those references;
    * ``colour_coverage_fresh`` / ``texture_coverage_fresh`` / ``style_coverage_fresh`` /
      ``pair_coverage_fresh``: the same shares, with every sketch given its *own* random styles.
      The measures above give every sketch the same ``num_styles`` codes (and the pair measure the
      same ``pair_styles``), so they hang on one draw: how those few codes fall across the model's
      style space. Scored with another ``seed``, one model's ``colour_coverage`` moves between
      about 0.8 and 1.0. Averaged over ``n`` draws, the ``_fresh`` shares estimate the coverage
      expected of a draw, and are what to compare with ``colour_coverage_ideal`` (0.882 with 16
      styles), ``texture_coverage_ideal`` (0.990) and the pair ideals above.

    ``size`` defaults to the generators' ``cfg.image_size``, ``texture_anchor`` (how the test
    paintings pin their patterns) to the one the model was trained on (its data's description,
    :func:`model_texture_anchor`),
    so that references come from the model's own data. Deterministic for a given ``seed``: the codes
    come from generators seeded by it, and whatever a model draws from torch's global RNG as it
    translates (the dropout masks of CycleGAN*'s U-Net form) from that RNG seeded with ``seed`` for the
    call, the caller's RNG state restored afterwards.

    Every translation is the ``Translator``'s own step (``encode_content_batch``, ``decode_batch``,
    ``encode_style_batch``), so the scores measure the translations the course shows; ``gen_a`` and
    ``gen_b`` are anything a ``Translator`` takes (a model's two generators, a baseline's translation
    sides).
    """
    from tqdm.auto import tqdm  # here: tqdm loads on first use (start-up time)

    for name, value in (("num_styles", num_styles), ("n", n)):
        if int(value) < 1:  # no styles or no sketches: every mean below would divide by zero
            raise ValueError(f"score_shapes_model: {name}={value}; give 1 or more")
    size = int(size or gen_a.cfg.image_size)
    device = next(gen_a.parameters()).device
    modes = (gen_a.training, gen_b.training)
    tr = Translator(gen_a, gen_b)  # every translation below is the Translator's own step (eval mode)
    anchor = texture_anchor or model_texture_anchor(gen_b)
    sketches = ShapesDomain("a", "test", size, n, data_seed)
    paintings = ShapesDomain("b", "test", size, n, data_seed, texture_anchor=anchor)
    g = torch.Generator().manual_seed(seed)
    styles_b = torch.randn(num_styles, gen_b.cfg.style_dim, generator=g).to(device)  # (S, d)
    styles_a = torch.randn(num_styles, gen_a.cfg.style_dim, generator=g).to(device)
    # each sketch's own styles for the *_fresh coverage: a stream of their own, so that the
    # shared draws above (and every score made before the _fresh measures) stay as they were
    g_fresh = torch.Generator().manual_seed(seed + _FRESH_STREAM)
    iou_a2b, iou_b2a, guided_out, guided_ref = [], [], [], []
    coverage_keys = ("colour_coverage", "texture_coverage", "style_coverage")
    shared: dict[str, list] = {k: [] for k in coverage_keys}  # per sketch, with the shared styles_b
    fresh: dict[str, list] = {k: [] for k in coverage_keys}  # per sketch, with its own styles
    bar = tqdm(total=n, desc="scoring", unit="img", disable=not progress)
    global_rng = contextlib.ExitStack()  # the model's own draws (test-time dropout), seeded, then given back
    global_rng.enter_context(torch.random.fork_rng(devices=[device] if device.type == "cuda" else []))
    torch.manual_seed(seed)
    try:
        for start in range(0, n, batch):
            idx = range(start, min(start + batch, n))
            x_a = torch.stack([sketches[i] for i in idx]).to(device)  # (B, 3, H, W)
            x_b = torch.stack([paintings[i] for i in idx]).to(device)
            refs = torch.stack([paintings[(i + 1) % n] for i in idx]).to(device)
            c_a = tr.encode_content_batch(x_a)
            c_b = tr.encode_content_batch(x_b, "b2a")
            # every input with every style: (S, B, 3, H, W)
            out_ab = torch.stack([tr.decode_batch(c_a, s[None]) for s in styles_b])
            # b -> a, unless the model cannot (BicycleGAN translates a -> b only)
            out_ba = (torch.stack([tr.decode_batch(c_b, s[None], "b2a") for s in styles_a])
                      if tr.can_translate("b2a") else None)
            for k in range(num_styles):
                iou_a2b += content_iou(x_a, "a", out_ab[k], "b")["per_pair"]
                if out_ba is not None:
                    iou_b2a += content_iou(x_b, "b", out_ba[k], "a")["per_pair"]
            for j in range(len(idx)):  # the S paintings of one sketch, with the shared and its own styles
                own = torch.randn(num_styles, gen_b.cfg.style_dim, generator=g_fresh).to(device)  # (S, d)
                with_own = tr.decode_batch(c_a[j:j + 1].expand(num_styles, -1, -1, -1), own)  # (S, 3, H, W)
                for lists, outputs in ((shared, out_ab[:, j]), (fresh, with_own)):
                    d = style_diversity(outputs)
                    for k in coverage_keys:
                        lists[k].append(d[k])
            ref_styles = tr.encode_style_batch(refs)
            guided_out.append(tr.decode_batch(c_a, ref_styles).cpu())
            guided_ref.append(refs.cpu())
            bar.update(len(idx))
        # pair coverage: the first pair_inputs sketches, each with the same pair_styles random styles
        pair_cov, pair_cov_fresh = [], []
        if pair_styles and pair_inputs:
            many = torch.randn(pair_styles, gen_b.cfg.style_dim, generator=g).to(device)  # (P, d)
            for i in range(min(pair_inputs, n)):
                c = tr.encode_content_batch(sketches[i][None]).expand(pair_styles, -1, -1, -1)  # (P, C, h, w)
                pair_cov.append(style_diversity(tr.decode_batch(c, many))["style_coverage"])  # outputs (P, 3, H, W)
                own = torch.randn(pair_styles, gen_b.cfg.style_dim, generator=g_fresh).to(device)  # (P, d)
                pair_cov_fresh.append(style_diversity(tr.decode_batch(c, own))["style_coverage"])
    finally:
        bar.close()
        global_rng.close()
        gen_a.train(modes[0]), gen_b.train(modes[1])
    guided = example_guided_fidelity(torch.cat(guided_out), torch.cat(guided_ref))
    return {"n_test": n, "num_styles": num_styles, "image_size": size, "seed": seed,
            "content_iou_a2b": float(np.mean(iou_a2b)), "content_iou_b2a": float(np.mean(iou_b2a)) if iou_b2a else float("nan"),
            "open_outlines_b2a": float(np.mean(np.asarray(iou_b2a) < 0.5)) if iou_b2a else float("nan"),
            **{k: float(np.mean(v)) for k, v in shared.items()}, "guided_colour": guided["colour"],
            "guided_texture": guided["texture"], "guided_both": guided["both"],
            "style_coverage_ideal": ideal_style_coverage(num_styles),
            "pair_styles": int(pair_styles), "pair_coverage": float(np.mean(pair_cov)) if pair_cov else float("nan"),
            "pair_coverage_ideal": ideal_style_coverage(pair_styles) if pair_styles else float("nan"),
            **{f"{k}_fresh": float(np.mean(v)) for k, v in fresh.items()},
            "pair_coverage_fresh": float(np.mean(pair_cov_fresh)) if pair_cov_fresh else float("nan"),
            "colour_coverage_ideal": ideal_coverage(len(_COLOURS), num_styles),
            "texture_coverage_ideal": ideal_coverage(len(TEXTURES), num_styles)}


# ----------------------------------------------------------------------------- where the factors live
@torch.no_grad()
def factor_probes(gen_b, n_train: int = 600, n_test: int = 200, size: Optional[int] = None, seed: int = 0,
                  texture_anchor: Optional[str] = None) -> dict:
    """Which code of a painting holds its colour and its texture? Linear probes on real paintings:
    from the style code ``E_b^s(x)`` (8 numbers) and from the content code ``E_b^c(x)`` average-
    pooled to 4x4 (a coarse map, so a probe can see spatial patterns), each to the ground-truth
    colour (8 classes, chance 1/8) and texture (4 classes, chance 1/4).

    MUNIT wants colour and texture in the style code and neither in the content code. Instance
    normalisation in the content encoder removes each channel's mean, so global colour is hard to
    keep there; a texture is a spatial pattern, which survives it: a model trained with the image
    reconstruction alone may carry texture through the content code (high ``content_texture``,
    low ``style_texture``), and then a reference painting's texture cannot be transferred.
    The paintings are pinned as the model's data were (``texture_anchor``, default: the one
    recorded with the generator, :func:`model_texture_anchor`). Returns ``{"style_colour",
    "style_texture", "content_colour", "content_texture"}``."""
    size = int(size or gen_b.cfg.image_size)
    anchor = texture_anchor or model_texture_anchor(gen_b)
    device = next(gen_b.parameters()).device
    was_training = gen_b.training
    gen_b.eval()
    codes, labels = {}, {}
    try:
        for split, n in (("train", n_train), ("test", n_test)):
            data = ShapesDomain("b", split, size, n, seed, texture_anchor=anchor)
            x = data.batch(range(n)).to(device)  # (n, 3, H, W)
            content, style = gen_b.encode(x)
            codes[split] = {"style": style.flatten(1).float().cpu(),
                            "content": F.adaptive_avg_pool2d(content, 4).flatten(1).float().cpu()}  # (n, C*16)
            truth = [data.ground_truth(i) for i in range(n)]
            labels[split] = {"colour": torch.tensor([_COLOURS.index(r.colour) for r in truth]),
                             "texture": torch.tensor([TEXTURES.index(r.texture) for r in truth])}
    finally:
        gen_b.train(was_training)
    return {f"{code}_{factor}": linear_probe_accuracy(codes["train"][code], labels["train"][factor],
                                                      codes["test"][code], labels["test"][factor])
            for code in ("style", "content") for factor in ("colour", "texture")}
