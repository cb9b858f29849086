"""Every metric for one sketch -> painting model on the shapes test split, as one dict.

The model can be MUNIT (a ``MUNIT``, a ``Translator``, a pair of generators) or one of the
baselines of ``munit_lib.baselines`` (UNIT, CycleGAN, CycleGAN*, BicycleGAN): ``as_translator``
turns each into ``translate(sketches (B, 3, H, W), styles (B, d)) -> paintings`` through the
``Translator`` (unimodal models ignore the styles). ``evaluate_real_paintings`` gives the same
columns for real data (the row every model is compared with). The protocol (all from the *test*
split, never trained on):

* ``diversity``: the paper's LPIPS protocol (``n_inputs`` sketches x ``n_pairs`` pairs of random
  styles) with the domain-feature distance (``classifier_feature_distance``); ``diversity_lpips``
  with the real LPIPS when asked for and installed;
* ``n_styles`` outputs per sketch (random styles) feed: ``is`` and ``cis`` over the 32 colour x
  texture classes, ``frechet`` (classifier features of the outputs against as many real
  paintings), the quality proxy, ``content_iou`` and the styles reached per sketch
  (``colours_reached`` of 8, ``textures_reached`` of 4, ``pairs_reached`` of 32, read by the classifier).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

import torch

from ..data.shapes import ShapesDomain, render_sketch
from ..data.transforms import image_to_tensor
from ..translate import Translator
from .classifier import ShapesClassifier, classifier_feature_distance, load_shapes_classifier
from .diversity import PAPER_INPUTS, PAPER_PAIRS, lpips_distance, protocol_diversity
from .frechet import frechet_distance
from .inception_scores import conditional_inception_score, inception_score
from .quality import quality_proxy

__all__ = ["SketchToPainting", "as_translator", "evaluate_sketch_to_painting", "evaluate_real_paintings",
           "METRIC_COLUMNS", "markdown_table"]

# the columns of the table, in order: (key in the result, heading)
METRIC_COLUMNS = (("quality", "quality proxy"), ("diversity", "diversity (domain features)"),
                  ("diversity_lpips", "diversity (LPIPS)"), ("is", "IS"), ("cis", "CIS"),
                  ("frechet", "Fréchet (domain)"), ("content_iou", "content IoU"), ("pairs_reached", "colour x texture pairs"))


@dataclass
class SketchToPainting:
    """A model seen as ``translate(sketches, styles) -> paintings``, styles ``(B, style_dim)``
    (``style_dim`` 0 for a hand-made translator that takes none)."""

    translate: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    style_dim: int
    image_size: Optional[int] = None
    name: str = "model"

    def __call__(self, x: torch.Tensor, styles: torch.Tensor) -> torch.Tensor:
        return self.translate(x, styles)


def _cfg_size(model: Any) -> Optional[int]:
    cfg = getattr(model, "cfg", None)
    return int(cfg.image_size) if cfg is not None and getattr(cfg, "image_size", None) else None


def as_translator(model: Any, name: Optional[str] = None) -> SketchToPainting:
    """Wrap any supported model as a ``SketchToPainting`` (direction a -> b, eval mode): a
    ``Translator``, a ``MUNIT`` model, a pair ``(gen_a, gen_b)`` or a baseline of
    ``munit_lib.baselines`` as built or loaded by ``munit_lib.registry`` (``Translator.from_model``).
    It translates with ``Translator.translate_batch``, the step every translation and score takes;
    the style is MUNIT's style code, CycleGAN*'s noise or BicycleGAN's z, and UNIT and CycleGAN
    ignore it (``style_dim`` is the config's all the same)."""
    if isinstance(model, SketchToPainting):
        return model
    try:
        tr = Translator.from_model(model)
    except TypeError:
        raise TypeError(f"cannot evaluate a {type(model).__name__}: pass a MUNIT model or Translator, a pair of "
                        "generators, a munit_lib.baselines model, or a SketchToPainting(translate, style_dim)") from None
    munit = isinstance(model, (Translator, tuple, list)) or hasattr(getattr(model, "gen_a", None), "encode_content")
    if munit:  # generators, or a Translator of any model's sides: named and sized by their config
        return SketchToPainting(tr.translate_batch, tr.style_dim, _cfg_size(tr.gen_b), name or "munit")
    return SketchToPainting(tr.translate_batch, tr.style_dim, _cfg_size(model), name or type(model).__name__.lower())


def _stack(domain: ShapesDomain, indices) -> torch.Tensor:
    return torch.stack([domain[i] for i in indices])  # (n, 3, H, W)


def _reached(probs: dict, n_inputs: int, per_input: int) -> dict:
    """Mean share of the 8 colours, 4 textures and 32 pairs that each input's outputs reach (argmax)."""
    colour = probs["colour"].argmax(-1).view(n_inputs, per_input)
    texture = probs["texture"].argmax(-1).view(n_inputs, per_input)
    pairs = colour * 4 + texture
    share = lambda labels, k: sum(len(set(row.tolist())) for row in labels) / (n_inputs * k)  # noqa: E731
    return {"colours_reached": share(colour, 8), "textures_reached": share(texture, 4), "pairs_reached": share(pairs, 32)}


@torch.no_grad()
def evaluate_sketch_to_painting(model: Any, classifier: Optional[ShapesClassifier] = None,
                                n_inputs: int = PAPER_INPUTS, n_pairs: int = PAPER_PAIRS, n_styles: int = 10,
                                size: Optional[int] = None, seed: int = 0, data_seed: int = 0, lpips: bool = False,
                                batch: int = 64) -> dict:
    """All metrics of a sketch -> painting model (see the module docstring), plus the protocol's sizes."""
    tr = as_translator(model)
    classifier = classifier if classifier is not None else load_shapes_classifier()
    size = int(size or tr.image_size or 64)
    sketches_domain = ShapesDomain("a", "test", size, n_inputs, data_seed)
    sketches = _stack(sketches_domain, range(n_inputs))  # (N, 3, H, W)
    device = next(classifier.parameters()).device
    out = {"model": tr.name, "style_dim": tr.style_dim, "image_size": size, "n_inputs": n_inputs,
           "n_pairs": n_pairs, "n_styles": n_styles, "seed": seed}
    distances = {"diversity": classifier_feature_distance(classifier)}
    if lpips:
        distances["diversity_lpips"] = lpips_distance()
    diversity = protocol_diversity(tr, sketches, distances, tr.style_dim, n_pairs, seed, batch)  # pairs translated once
    out["diversity"] = diversity["diversity"].mean
    out["diversity_lpips"] = diversity["diversity_lpips"].mean if lpips else None
    # n_styles outputs per sketch: (N * M, 3, H, W), sketch i's outputs at rows i*M .. i*M + M - 1
    g = torch.Generator().manual_seed(seed + 1)
    styles = torch.randn(n_inputs * n_styles, tr.style_dim, generator=g)
    repeated = sketches.repeat_interleave(n_styles, dim=0)
    outputs = torch.cat([tr(repeated[i:i + batch], styles[i:i + batch]).float().cpu()
                         for i in range(0, repeated.shape[0], batch)]).clamp(-1, 1)
    probs = {k: v.cpu() for k, v in classifier.probabilities(outputs.to(device)).items()}
    out["is"] = inception_score(probs["style"].view(n_inputs, n_styles, -1))
    out["cis"] = conditional_inception_score(probs["style"].view(n_inputs, n_styles, -1))
    # The reference paintings are canvas-anchored whatever data the model was trained on (a
    # SketchToPainting carries no data description). A known limitation, kept on purpose: the
    # published Frechet numbers (Table 1) were measured this way, and references drawn as a
    # shape-anchored model's data were would change them.
    anchor = "canvas"
    real = _stack(ShapesDomain("b", "test", size, outputs.shape[0], data_seed, texture_anchor=anchor),
                  range(outputs.shape[0]))
    out["frechet"] = frechet_distance(classifier.features(outputs.to(device)).cpu(),
                                      classifier.features(real.to(device)).cpu())
    quality = quality_proxy(repeated, outputs, classifier, probabilities=probs)
    out.update({k: quality[k] for k in ("quality", "soft_quality", "content_kept", "valid_painting")})
    out["content_iou"] = quality["mean_iou"]
    out.update(_reached(probs, n_inputs, n_styles))
    return out


@torch.no_grad()
def evaluate_real_paintings(classifier: Optional[ShapesClassifier] = None, n_inputs: int = PAPER_INPUTS,
                            n_pairs: int = PAPER_PAIRS, n_styles: int = 10, size: int = 64, seed: int = 0,
                            data_seed: int = 0, lpips: bool = False) -> dict:
    """The real-data row: the same columns for real test paintings.

    Diversity: ``n_inputs x n_pairs`` pairs of distinct random real paintings (the paper's "real
    data" figure); IS over ``n_inputs x n_styles`` real paintings (CIS is not defined: no input);
    Fréchet: test paintings against as many *train* paintings (the floor set by sampling alone);
    the quality proxy against sketches of each painting's own shape (the ceiling).
    """
    classifier = classifier if classifier is not None else load_shapes_classifier()
    n = n_inputs * n_styles
    paintings_domain = ShapesDomain("b", "test", size, max(n, 2 * n_inputs * n_pairs), data_seed)
    g = torch.Generator().manual_seed(seed)
    pairs = torch.randperm(len(paintings_domain), generator=g)[:2 * n_inputs * n_pairs].view(-1, 2)  # distinct
    distance = classifier_feature_distance(classifier)
    diversity = torch.cat([distance(_stack(paintings_domain, part[:, 0].tolist()), _stack(paintings_domain, part[:, 1].tolist()))
                           for part in pairs.split(64)])
    out = {"model": "real data", "style_dim": None, "image_size": size, "n_inputs": n_inputs, "n_pairs": n_pairs,
           "n_styles": n_styles, "seed": seed, "diversity": float(diversity.mean())}
    if lpips:
        d = lpips_distance()
        out["diversity_lpips"] = float(torch.cat([d(_stack(paintings_domain, p[:, 0].tolist()),
                                                    _stack(paintings_domain, p[:, 1].tolist())) for p in pairs.split(64)]).mean())
    else:
        out["diversity_lpips"] = None
    real = _stack(paintings_domain, range(n))
    probs = classifier.probabilities(real)
    out["is"] = inception_score(probs["style"].view(n_inputs, n_styles, -1))
    out["cis"] = None
    train = _stack(ShapesDomain("b", "train", size, n, data_seed), range(n))
    out["frechet"] = frechet_distance(classifier.features(real), classifier.features(train))
    sketches = torch.stack([image_to_tensor(render_sketch(paintings_domain.ground_truth(i).geometry, size)[0])
                            for i in range(n)])
    quality = quality_proxy(sketches, real, classifier, probabilities=probs)
    out.update({k: quality[k] for k in ("quality", "soft_quality", "content_kept", "valid_painting")})
    out["content_iou"] = quality["mean_iou"]
    out.update(_reached(probs, n_inputs, n_styles))
    return out


def markdown_table(results: list[dict], digits: int = 3) -> str:
    """Rows of ``evaluate_*`` results as a Markdown table: one row per model, ``METRIC_COLUMNS``
    as columns; missing or undefined values (``None``) print as ``n/a``."""
    if not results:
        raise ValueError("no results to tabulate")
    head = "| model | " + " | ".join(title for _, title in METRIC_COLUMNS) + " |"
    rule = "|---|" + "---:|" * len(METRIC_COLUMNS)
    lines = [head, rule]
    for row in results:
        cells = [f"{row[key]:.{digits}f}" if isinstance(row.get(key), (int, float)) else "n/a"
                 for key, _ in METRIC_COLUMNS]
        lines.append(f"| {row.get('model', '?')} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
