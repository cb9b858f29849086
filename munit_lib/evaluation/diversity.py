"""Diversity by the protocol of the MUNIT paper (Sec. 5.2, after BicycleGAN's): for each of
``n_inputs`` test inputs (100 in the paper), draw ``n_pairs`` pairs of outputs (19 in the paper),
each pair from two random styles ``s1, s2 ~ N(0, I)``, measure the distance within each pair,
and average over all ``n_inputs x n_pairs`` pairs::

    diversity = 1 / (N P) * sum_{i=1..N} sum_{j=1..P} d(G(x_i, s_ij1), G(x_i, s_ij2))

Any distance ``d(images1, images2) -> (B,)`` can be plugged in:

* ``FeatureDistance``: the LPIPS formula on any backbone's feature maps (channel-unit-normalised
  features, squared difference, optionally weighted per channel by a learned linear layer,
  averaged over positions, summed over layers). With the shapes classifier's backbone
  (``classifier_feature_distance``) it is the course's *domain-feature distance*; with a
  backbone of random weights the tests check the plumbing.
* ``lpips_distance()``: the real LPIPS (AlexNet features and its learned linear layers, from the
  optional ``lpips`` package: ``pip install "munit_lib[metrics]"``). It is imported only when
  called; the AlexNet weights are fetched once by the user (torchvision's cache), never by tests.

**Why published numbers disagree (0.109 vs 0.215).** The paper reports 0.109 LPIPS diversity for
MUNIT on edges2shoes (real shoes: 0.293). A user of the original code measured 0.215. LPIPS is
not one number but a family: the paper's figure is *spatially averaged* LPIPS (``lpips.LPIPS``
with its learned linear weights, the mean over positions of each layer's weighted squared
difference, summed over layers). Dropping the learned weights (``lpips=False`` in the
``lpips`` package: a plain L2 between the unit-normalised features, every channel weighted 1), or
summing where LPIPS averages, or feeding images in [0, 1] where LPIPS expects [-1, 1], all give
larger numbers for the same images; an L2 variant of this kind is the likeliest source of 0.215.
Diversity numbers are only comparable with the same distance, the same image size and the same
input range: ``FeatureDistance(..., weights=None)`` and ``lpips_distance(linear=False)`` are the
L2 variants, so a reader can measure both and see the gap on their own model.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Optional, Sequence, Union

import torch
from torch import nn

__all__ = ["PAPER_INPUTS", "PAPER_PAIRS", "draw_style_pairs", "protocol_diversity", "FeatureDistance",
           "lpips_distance", "pixel_l1_distance", "DiversityResult"]

PAPER_INPUTS, PAPER_PAIRS = 100, 19  # the paper's protocol: 100 inputs x 19 pairs of outputs

# translate(inputs (B, C, H, W), styles (B, d)) -> outputs (B, C', H', W'); d may be 0 (unimodal model)
Translate = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
Distance = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def draw_style_pairs(n_inputs: int, n_pairs: int, style_dim: int, seed: int = 0) -> torch.Tensor:
    """The random styles of the protocol, (n_inputs, n_pairs, 2, style_dim) from N(0, I),
    reproducible by ``seed``. Each pair gets its own two styles (no style is reused)."""
    for name, value in (("n_inputs", n_inputs), ("n_pairs", n_pairs)):
        if int(value) < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")
    if int(style_dim) < 0:
        raise ValueError(f"style_dim must be >= 0 (0 for a unimodal model), got {style_dim}")
    g = torch.Generator().manual_seed(int(seed))
    return torch.randn(int(n_inputs), int(n_pairs), 2, int(style_dim), generator=g)


@dataclass
class DiversityResult:
    """``mean`` over all pairs, ``std`` of the pair distances, ``per_input`` means (n_inputs,),
    and the protocol's sizes."""

    mean: float
    std: float
    per_input: list
    n_inputs: int
    n_pairs: int

    def as_dict(self) -> dict:
        return {"mean": self.mean, "std": self.std, "n_inputs": self.n_inputs, "n_pairs": self.n_pairs}


@torch.no_grad()
def protocol_diversity(translate: Translate, inputs: torch.Tensor, distance: Union[Distance, Mapping[str, Distance]],
                       style_dim: int, n_pairs: int = PAPER_PAIRS, seed: int = 0,
                       batch: int = 64) -> Union[DiversityResult, dict[str, DiversityResult]]:
    """Mean distance between two outputs of one input with two random styles (the paper's protocol).

    ``inputs``: (N, C, H, W), the N test inputs (the paper: N = 100); ``translate(x, s)`` maps
    inputs (B, C, H, W) and styles (B, style_dim) to outputs; ``distance(y1, y2)`` returns one
    distance per pair, shape (B,). Draws ``N x n_pairs`` pairs, 2 outputs each.

    ``distance`` may also be several distances by name (``{"l1": pixel_l1_distance, "lpips": ...}``):
    every pair is then translated once and measured with each, and the result is one
    ``DiversityResult`` per name, each equal to what that distance alone gives.
    """
    if inputs.dim() != 4:
        raise ValueError(f"inputs must be a batch (N, C, H, W), got shape {tuple(inputs.shape)}")
    distances = dict(distance) if isinstance(distance, Mapping) else {None: distance}
    if not distances:
        raise ValueError("no distance given: pass a distance, or a dict of named distances")
    n = inputs.shape[0]
    styles = draw_style_pairs(n, n_pairs, style_dim, seed)  # (N, P, 2, d)
    # every pair as one row: the input index repeated P times, (N*P,)
    which = torch.arange(n).repeat_interleave(int(n_pairs))
    flat = styles.reshape(n * int(n_pairs), 2, -1)  # (N*P, 2, d)
    dists: dict = {name: [] for name in distances}
    for start in range(0, which.numel(), batch):
        rows = slice(start, start + batch)
        x = inputs[which[rows]]  # (b, C, H, W)
        device = x.device
        y1 = translate(x, flat[rows, 0].to(device))
        y2 = translate(x, flat[rows, 1].to(device))
        for name, measure in distances.items():  # the same two outputs for every distance
            d = torch.as_tensor(measure(y1, y2)).reshape(-1).float().cpu()
            if d.numel() != x.shape[0]:
                raise ValueError(f"the distance{'' if name is None else f' {name!r}'} returned {d.numel()} values "
                                 f"for {x.shape[0]} pairs; it must return one distance per pair, shape (B,)")
            dists[name].append(d)
    results = {}
    for name, parts in dists.items():
        all_d = torch.cat(parts).view(n, int(n_pairs))  # (N, P)
        results[name] = DiversityResult(float(all_d.mean()), float(all_d.std()) if all_d.numel() > 1 else 0.0,
                                        all_d.mean(1).tolist(), n, int(n_pairs))
    return results if isinstance(distance, Mapping) else results[None]


def pixel_l1_distance(y1: torch.Tensor, y2: torch.Tensor) -> torch.Tensor:
    """Mean absolute pixel difference per pair, (B,): a distance with no network at all."""
    return (y1 - y2).abs().flatten(1).mean(1)


class FeatureDistance(nn.Module):
    """The LPIPS formula on any backbone: for feature maps ``f_l`` (B, C_l, H_l, W_l) of layer l,

        d(x, y) = sum_l 1 / (H_l W_l) * sum_{h,w} || w_l * (f^_l(x)_{hw} - f^_l(y)_{hw}) ||^2,
        f^_l = f_l / (||f_l||_channels + eps)      (each position's feature vector to unit length)

    ``backbone(x)`` returns the list of maps; ``weights`` (one non-negative vector (C_l,) per layer,
    LPIPS's learned "lin" layers) default to ones: the L2 variant. ``spatial_average=False``
    sums over positions instead of averaging (another variant that inflates the number).
    """

    def __init__(self, backbone: Callable[[torch.Tensor], Sequence[torch.Tensor]],
                 weights: Optional[Sequence[torch.Tensor]] = None, spatial_average: bool = True,
                 eps: float = 1e-10) -> None:
        super().__init__()
        self.backbone = backbone
        self.weights = None if weights is None else [torch.as_tensor(w).float() for w in weights]
        self.spatial_average, self.eps = spatial_average, eps

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if x.shape != y.shape:
            raise ValueError(f"the two image batches differ in shape: {tuple(x.shape)} vs {tuple(y.shape)}")
        fx, fy = self.backbone(x), self.backbone(y)
        if self.weights is not None and len(self.weights) != len(fx):
            raise ValueError(f"got {len(self.weights)} weight vectors for {len(fx)} feature layers")
        total = torch.zeros(x.shape[0], device=x.device)
        for l, (a, b) in enumerate(zip(fx, fy)):
            a = a / (a.norm(dim=1, keepdim=True) + self.eps)  # (B, C, H, W), unit vectors per position
            b = b / (b.norm(dim=1, keepdim=True) + self.eps)
            sq = (a - b) ** 2  # (B, C, H, W)
            if self.weights is not None:
                sq = sq * self.weights[l].to(sq.device).view(1, -1, 1, 1)
            per_pos = sq.sum(1)  # (B, H, W)
            total = total + (per_pos.flatten(1).mean(1) if self.spatial_average else per_pos.flatten(1).sum(1))
        return total


def lpips_distance(net: str = "alex", linear: bool = True, device: Optional[str] = None) -> Distance:
    """The real LPIPS as a distance ``d(y1, y2) -> (B,)`` on images in [-1, 1].

    Needs the optional ``lpips`` package (``pip install "munit_lib[metrics]"``), imported only here.
    ``linear=True`` is LPIPS as the paper reports it (learned weights, spatial average); ``False``
    is the uncalibrated L2 variant (see the module docstring). The first call may fetch torchvision's
    AlexNet weights into the user's cache (a network access the user makes once).
    """
    try:
        import lpips  # optional: heavy, and fetches ImageNet weights on first use
    except ImportError as error:
        raise ImportError("the real LPIPS needs the optional 'lpips' package: pip install \"munit_lib[metrics]\" "
                          "(or use FeatureDistance / classifier_feature_distance, which need nothing)") from error
    model = lpips.LPIPS(net=net, lpips=linear, verbose=False).eval()
    if device is not None:
        model = model.to(device)

    @torch.no_grad()
    def distance(y1: torch.Tensor, y2: torch.Tensor) -> torch.Tensor:
        return model(y1, y2).reshape(-1)  # (B, 1, 1, 1) spatially averaged -> (B,)

    return distance
