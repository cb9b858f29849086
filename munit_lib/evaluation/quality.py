"""A quality proxy from the ground truth, standing in for the paper's human preference study.

The paper asks people on Amazon Mechanical Turk which of two translations looks more realistic
and more like a translation of the input. On the shapes domains both halves have a measurable
stand-in, so each output of a sketch -> painting model gets two checks:

* **content kept**: the IoU between the sketch's shape region and the output's
  (``munit_lib.evaluation.shapes.content_iou``) is at least ``iou_threshold`` (0.75 by default; the
  shipped model averages about 0.91, a blob or a shifted shape falls well below);
* **a valid painting**: the shapes classifier names its colour and its texture each with
  probability at least ``confidence_threshold`` (0.9 by default): the output looks like one of
  the 32 styles of the domain rather than a blend, a smear or an off-palette tint.

``quality`` is the share of outputs that pass both; ``soft_quality``, the mean of
``IoU x confidence`` (no thresholds), moves smoothly with small changes.

**What it can replace**: comparisons between models on the shapes domains, where "realistic" and
"faithful to the input" are defined by the generator of the data, and checks that a change did
not make a model worse. **What it cannot**: it sees nothing the classifier and the mask reader
tolerate (slight blur, ringing, a dull but still recognisable colour, an outline that is
slightly wobbly), and a classifier can be confidently wrong on inputs unlike its training data,
so a degenerate model could fool the "valid" half (the IoU half guards against most such cases).
It does not transfer to real data, where no ground truth exists: there, only people (or a
classifier trained on many labelled real images, with the same caveats) can judge realism.
"""
from __future__ import annotations

from typing import Optional

import torch

from .classifier import ShapesClassifier
from .shapes import content_iou

__all__ = ["quality_proxy", "IOU_THRESHOLD", "CONFIDENCE_THRESHOLD"]

IOU_THRESHOLD, CONFIDENCE_THRESHOLD = 0.75, 0.9


@torch.no_grad()
def quality_proxy(sketches: torch.Tensor, paintings: torch.Tensor, classifier: ShapesClassifier,
                  iou_threshold: float = IOU_THRESHOLD, confidence_threshold: float = CONFIDENCE_THRESHOLD,
                  probabilities: Optional[dict] = None) -> dict:
    """Score translations ``paintings`` (N, 3, H, W) of ``sketches`` (N, 3, H, W) (both in [-1, 1],
    output i made from sketch i). ``probabilities``: the classifier's output on ``paintings`` when
    already computed.

    Returns ``{"quality", "soft_quality", "content_kept" (share with IoU >= threshold),
    "valid_painting" (share confident in colour and texture), "mean_iou", "mean_confidence", "n"}``.
    """
    if sketches.shape[0] != paintings.shape[0]:
        raise ValueError(f"got {sketches.shape[0]} sketches but {paintings.shape[0]} paintings; "
                         "pass one translation per sketch (repeat the sketch for several styles)")
    iou = torch.tensor(content_iou(sketches, "a", paintings, "b")["per_pair"])  # (N,)
    probs = probabilities if probabilities is not None else classifier.probabilities(paintings)
    confidence = torch.minimum(probs["colour"].max(-1).values, probs["texture"].max(-1).values).cpu()  # (N,)
    kept, valid = iou >= iou_threshold, confidence >= confidence_threshold
    return {"quality": float((kept & valid).float().mean()), "soft_quality": float((iou * confidence).mean()),
            "content_kept": float(kept.float().mean()), "valid_painting": float(valid.float().mean()),
            "mean_iou": float(iou.mean()), "mean_confidence": float(confidence.mean()), "n": int(iou.numel())}
