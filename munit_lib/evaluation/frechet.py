"""The Fréchet distance between two sets of features, FID's formula with any feature network.

Fit a Gaussian to each set (mean ``mu``, covariance ``S``); their Fréchet (2-Wasserstein)
distance, squared, is

    d^2 = || mu_1 - mu_2 ||^2 + tr( S_1 + S_2 - 2 (S_1^{1/2} S_2 S_1^{1/2})^{1/2} ).

FID (Heusel et al. 2017) is this number on the 2048-d pool features of ImageNet Inception-v3.
The matrix square root is computed stably in float64: ``S_1^{1/2}`` from the eigendecomposition
of the symmetric ``S_1``, then ``tr (S_1^{1/2} S_2 S_1^{1/2})^{1/2}`` as the sum of the square
roots of the eigenvalues of that symmetric positive semi-definite product (tiny negative
eigenvalues from rounding are clipped to 0). No complex numbers, no ``scipy.linalg.sqrtm``.

**Why not Inception here.** On the shapes domains (64x64 flat-coloured polygons) ImageNet features
measure mostly how unlike ImageNet an image is; a classifier trained on the domain's own factors
(``munit_lib.evaluation.classifier``, shipped with the course, no download) has features that
move with colour, texture and shape, which is what a translation should get right. The number is
then a *domain* Fréchet distance: comparable between models scored with the same network and the
same sample sizes, not with published FIDs. On real data, plug Inception in by computing features
yourself and calling ``frechet_distance``, or use a maintained tool on two image folders:
``python -m pytorch_fid real/ fake/`` (package ``pytorch-fid``) or
``torch_fidelity.calculate_metrics(input1="real/", input2="fake/", fid=True)`` (``torch-fidelity``).
Both fetch Inception's weights on first use. Like FID, the estimate is biased upwards for small
sets: compare models at the same number of samples.
"""
from __future__ import annotations

from typing import Tuple

import torch

__all__ = ["feature_statistics", "frechet_distance_from_statistics", "frechet_distance", "sqrtm_psd"]


def feature_statistics(features: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Mean (D,) and unbiased covariance (D, D) of ``features`` (N, D), in float64."""
    f = torch.as_tensor(features).double()
    if f.dim() != 2 or f.shape[0] < 2:
        raise ValueError(f"features must be (N, D) with N >= 2 samples, got shape {tuple(f.shape)}")
    mu = f.mean(0)
    centred = f - mu  # (N, D)
    return mu, centred.T @ centred / (f.shape[0] - 1)


def sqrtm_psd(matrix: torch.Tensor) -> torch.Tensor:
    """Square root of a symmetric positive semi-definite matrix: ``V diag(sqrt(max(l, 0))) V^T``."""
    m = torch.as_tensor(matrix).double()
    m = (m + m.T) / 2  # remove rounding asymmetry before eigh
    values, vectors = torch.linalg.eigh(m)
    return (vectors * values.clamp_min(0).sqrt()) @ vectors.T


def frechet_distance_from_statistics(mu1, sigma1, mu2, sigma2) -> float:
    """``||mu1 - mu2||^2 + tr(S1 + S2 - 2 (S1^{1/2} S2 S1^{1/2})^{1/2})`` in float64."""
    mu1, mu2 = torch.as_tensor(mu1).double(), torch.as_tensor(mu2).double()
    s1, s2 = torch.as_tensor(sigma1).double(), torch.as_tensor(sigma2).double()
    d = mu1.shape[-1]
    if mu1.shape != (d,) or mu2.shape != (d,) or s1.shape != (d, d) or s2.shape != (d, d):
        raise ValueError(f"statistics do not match: means {tuple(mu1.shape)}, {tuple(mu2.shape)}; "
                         f"covariances {tuple(s1.shape)}, {tuple(s2.shape)} (expected (D,) and (D, D))")
    root1 = sqrtm_psd(s1)
    middle = root1 @ s2 @ root1  # symmetric PSD, same eigenvalues as S1 S2
    middle = (middle + middle.T) / 2
    tr_cross = torch.linalg.eigvalsh(middle).clamp_min(0).sqrt().sum()  # tr (S1^1/2 S2 S1^1/2)^1/2
    value = (mu1 - mu2).pow(2).sum() + torch.trace(s1) + torch.trace(s2) - 2 * tr_cross
    return float(value.clamp_min(0))  # >= 0 in exact arithmetic; clip rounding noise


def frechet_distance(features1: torch.Tensor, features2: torch.Tensor) -> float:
    """Fréchet distance (squared, as FID reports it) between Gaussians fitted to two feature sets (N, D)."""
    f1, f2 = torch.as_tensor(features1), torch.as_tensor(features2)
    if f1.dim() != 2 or f2.dim() != 2 or f1.shape[1] != f2.shape[1]:
        raise ValueError(f"feature sets must be (N1, D) and (N2, D), got {tuple(f1.shape)} and {tuple(f2.shape)}")
    return frechet_distance_from_statistics(*feature_statistics(f1), *feature_statistics(f2))
