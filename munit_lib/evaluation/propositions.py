"""The paper's propositions, measured on a trained MUNIT (notebook 09).

MUNIT (Huang et al., 2018, section 3.2-3.3) proves that at the optimum of its objective:

1. the encoders and decoders invert each other (``E1 = G1^-1``, ``E2 = G2^-1``) and
   translations match the target distribution;
2. latent distributions match: ``p(c1) = p(c2)`` and ``p(s1) = p(s2) = N(0, I)``;
3. joint distributions match: ``(x1, x1->2)`` is distributed as ``(x2->1, x2)``;
4. style-augmented cycle consistency: with ``F_1->2(x1, s2) = (G2(E1c(x1), s2), E1s(x1))``,
   ``F_2->1 = F_1->2^-1``.

Each function here measures one of them on images and generators (anything with ``encode``,
``encode_content``, ``encode_style`` and ``decode``, i.e. :class:`munit_lib.Generator`); the
statistics are plain functions of tensors, tested on inputs with known answers
(``tests/test_propositions.py``). Images are float tensors (N, C, H, W) in [-1, 1]; every model
function runs without gradients, in chunks of ``batch`` images, and returns floats or CPU
tensors.

* inversion: :func:`reconstruction_errors`, :func:`style_round_trip`;
* latent matching: :func:`encode_styles`, :func:`prior_match` (mean, std, covariance and the
  :func:`energy_distance` to prior samples), :func:`content_features` and :func:`content_probe`
  (can a linear probe, ``probes.two_sample_probe``, tell A's content codes from B's?);
* joint matching on the shapes ground truth: :func:`dependence` (chi-square, mutual
  information, Cramer's V of two label lists) and :func:`kind_colour_dependence`;
* cycles: :func:`style_augmented_cycle`, :func:`plain_cycle`, :func:`cycle_errors`.
"""
from __future__ import annotations

import math
from typing import Callable, Optional, Sequence

import torch
from torch import nn

from .probes import two_sample_probe
from .shapes import classify_colour, content_iou

__all__ = ["reconstruction_errors", "style_round_trip", "encode_styles", "energy_distance", "prior_match",
           "content_features", "content_probe", "dependence", "kind_colour_dependence",
           "style_augmented_cycle", "plain_cycle", "cycle_errors"]


# ----------------------------------------------------------------------------- helpers
def _check_images(x: torch.Tensor, name: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor) or x.dim() != 4:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"{name} must be an image batch shaped (N, C, H, W), got {shape}; "
                         "stack single images with torch.stack")
    return x


def _device(gen: nn.Module) -> torch.device:
    return next(gen.parameters()).device


def _chunks(n: int, batch: int):
    if int(batch) < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")
    for start in range(0, n, batch):
        yield slice(start, min(start + batch, n))


def _prior_styles(n: int, style_dim: int, seed: int) -> torch.Tensor:
    """``n`` style codes from N(0, I), shaped (n, style_dim), from their own seeded generator."""
    return torch.randn(n, style_dim, generator=torch.Generator().manual_seed(int(seed)))


def _l1_per_sample(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference of each sample: (N, ...) x (N, ...) -> (N,)."""
    return (a - b).abs().flatten(1).mean(1)


# ----------------------------------------------------------------------------- 1. inversion
@torch.no_grad()
def reconstruction_errors(gen_a: nn.Module, gen_b: nn.Module, x_a: torch.Tensor, x_b: torch.Tensor,
                          seed: int = 0, batch: int = 64) -> dict:
    """The bidirectional reconstruction errors of the paper (eq. 1-3), on held-out images:

    * image: ``|G1(E1c(x1), E1s(x1)) - x1|_1`` for each domain (``image_a``, ``image_b``);
    * content: ``|E2c(G2(E1c(x1), s2)) - E1c(x1)|_1`` with ``s2 ~ N(0, I)`` (``content_a``: the
      content of x_a after a -> b, ``content_b`` alike);
    * style: ``|E2s(G2(E1c(x1), s2)) - s2|_1`` (``style_b``: a random B style after a -> b,
      ``style_a``: a random A style after b -> a).

    Each is the mean absolute error per element, averaged over images (the losses' L1).
    Random styles: B's from ``torch.Generator().manual_seed(seed)``, A's from ``seed + 1``.
    """
    _check_images(x_a, "x_a"), _check_images(x_b, "x_b")
    dev = _device(gen_a)
    s_b = _prior_styles(x_a.shape[0], gen_b.style_dim, seed)  # styles for a -> b
    s_a = _prior_styles(x_b.shape[0], gen_a.style_dim, seed + 1)  # styles for b -> a
    out = {}
    for src, tgt, x, s, name, other in ((gen_a, gen_b, x_a, s_b, "a", "b"), (gen_b, gen_a, x_b, s_a, "b", "a")):
        image, content, style = [], [], []
        for part in _chunks(x.shape[0], batch):
            xi, si = x[part].to(dev), s[part].to(dev)
            c, s_own = src.encode(xi)
            image.append(_l1_per_sample(src.decode(c, s_own), xi))
            c_back, s_back = tgt.encode(tgt.decode(c, si))  # translate, then encode the translation
            content.append(_l1_per_sample(c_back, c))
            style.append(_l1_per_sample(s_back, si))
        out[f"image_{name}"] = float(torch.cat(image).mean())
        out[f"content_{name}"] = float(torch.cat(content).mean())
        out[f"style_{other}"] = float(torch.cat(style).mean())
    return dict(sorted(out.items()))


@torch.no_grad()
def style_round_trip(content_gen: nn.Module, style_gen: nn.Module, x: torch.Tensor,
                     styles: Optional[torch.Tensor] = None, seed: int = 0, batch: int = 64) -> dict:
    """The style code's round trip ``s -> G2(c, s) -> E2s``, with ``c = E1c(x)``.

    ``content_gen`` encodes the content of ``x`` (its domain's generator), ``style_gen`` decodes
    with ``styles`` (N, d) (default: N draws from N(0, I) with ``seed``) and encodes the result's
    style. Returns ``{"true": (N, d), "recovered": (N, d), "error_per_dim": (d,) mean |s - s_hat|,
    "corr_per_dim": (d,) Pearson correlation of true and recovered codes (0 where either does not
    vary), "error": the mean absolute error}``. A perfect inverse gives error 0, correlation 1.
    """
    _check_images(x, "x")
    n, d = x.shape[0], style_gen.style_dim
    if styles is None:
        styles = _prior_styles(n, d, seed)
    styles = torch.as_tensor(styles, dtype=torch.float32)
    if styles.shape != (n, d):
        raise ValueError(f"styles must be shaped ({n}, {d}): one code per image; got {tuple(styles.shape)}")
    dev = _device(style_gen)
    recovered = []
    for part in _chunks(n, batch):
        c = content_gen.encode_content(x[part].to(dev))
        recovered.append(style_gen.encode_style(style_gen.decode(c, styles[part].to(dev))).float().cpu())
    recovered = torch.cat(recovered)  # (N, d)
    return {"true": styles, "recovered": recovered, "error_per_dim": (recovered - styles).abs().mean(0),
            "corr_per_dim": _pearson_per_column(styles, recovered), "error": float((recovered - styles).abs().mean())}


def _pearson_per_column(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Correlation of column j of ``a`` (N, d) with column j of ``b`` (N, d) -> (d,); 0 where a
    column is constant (the correlation is undefined there; a constant code tells nothing)."""
    a, b = a - a.mean(0), b - b.mean(0)
    norm = a.norm(dim=0) * b.norm(dim=0)  # (d,)
    return torch.where(norm > 1e-12, (a * b).sum(0) / norm.clamp(min=1e-12), torch.zeros_like(norm))


# ----------------------------------------------------------------------------- 2. latent matching
@torch.no_grad()
def encode_styles(gen: nn.Module, x: torch.Tensor, batch: int = 64) -> torch.Tensor:
    """``E^s(x)`` for a batch of images: (N, C, H, W) -> (N, style_dim), float32 on the CPU."""
    _check_images(x, "x")
    dev = _device(gen)
    return torch.cat([gen.encode_style(x[part].to(dev)).float().cpu() for part in _chunks(x.shape[0], batch)])


def energy_distance(x: torch.Tensor, y: torch.Tensor) -> float:
    """Energy distance between two samples (n, d) and (m, d) (Szekely and Rizzo):

    ``D^2 = 2 E|X - Y| - E|X - X'| - E|Y - Y'|``, with the within-sample means taken over distinct
    pairs (unbiased), so that two samples of one distribution give about 0 (either sign), and
    different distributions a positive value. ``|.|`` is the Euclidean norm.
    """
    x, y = torch.as_tensor(x, dtype=torch.float64), torch.as_tensor(y, dtype=torch.float64)
    if x.dim() != 2 or y.dim() != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"energy_distance takes two samples (n, d) and (m, d), got {tuple(x.shape)} and {tuple(y.shape)}")
    if x.shape[0] < 2 or y.shape[0] < 2:
        raise ValueError("energy_distance needs at least 2 points in each sample")
    n, m = x.shape[0], y.shape[0]
    between = torch.cdist(x, y).mean()
    within_x = torch.cdist(x, x).sum() / (n * (n - 1))  # the diagonal is 0: distinct pairs only
    within_y = torch.cdist(y, y).sum() / (m * (m - 1))
    return float(2 * between - within_x - within_y)


def prior_match(styles: torch.Tensor, n_prior: Optional[int] = None, seed: int = 0,
                n_permutations: int = 200) -> dict:
    """How far encoded style codes (N, d) are from the prior N(0, I) (Proposition 2).

    Returns ``mean`` (d,), ``std`` (d,) (unbiased), ``cov`` (d, d), ``mean_norm`` = |mean|_2,
    ``cov_error`` = |cov - I|_F / sqrt(d) (0 for the prior), ``energy`` = :func:`energy_distance`
    to ``n_prior`` (default N) samples of N(0, I) drawn with ``seed``, and ``p_value``: the share
    of ``n_permutations`` random relabellings of the pooled samples whose energy distance is at
    least as large (the permutation test: small means "not the prior").
    """
    s = torch.as_tensor(styles, dtype=torch.float64)
    if s.dim() != 2 or s.shape[0] < 2:
        raise ValueError(f"styles must be shaped (N, d) with N >= 2, got {tuple(s.shape)}")
    n, d = s.shape
    g = torch.Generator().manual_seed(int(seed))
    prior = torch.randn(n_prior or n, d, generator=g, dtype=torch.float64)
    cov = torch.cov(s.T).reshape(d, d)  # (d, d)
    energy = energy_distance(s, prior)
    pooled, hits = torch.cat([s, prior]), 0
    for _ in range(int(n_permutations)):  # relabel the pooled points at random
        perm = torch.randperm(pooled.shape[0], generator=g)
        hits += energy_distance(pooled[perm[:n]], pooled[perm[n:]]) >= energy
    return {"mean": s.mean(0).float(), "std": s.std(0).float(), "cov": cov.float(),
            "mean_norm": float(s.mean(0).norm()), "cov_error": float((cov - torch.eye(d, dtype=cov.dtype)).norm() / d ** 0.5),
            "energy": energy, "p_value": (hits + 1) / (int(n_permutations) + 1), "n": n}


@torch.no_grad()
def content_features(gen: nn.Module, x: torch.Tensor, pooled: bool = True, batch: int = 64) -> torch.Tensor:
    """Content codes ``E^c(x)`` as feature vectors for a probe.

    ``pooled=True``: each channel's spatial mean and standard deviation, (N, C, h, w) -> (N, 2C)
    (what a domain signature would most likely live in: the statistics instance normalisation
    is meant to remove); ``pooled=False``: the flattened code (N, C * h * w).
    """
    _check_images(x, "x")
    dev, out = _device(gen), []
    for part in _chunks(x.shape[0], batch):
        c = gen.encode_content(x[part].to(dev)).float().cpu()  # (B, C, h, w)
        out.append(torch.cat([c.mean((2, 3)), c.std((2, 3))], 1) if pooled else c.flatten(1))
    return torch.cat(out)



def content_probe(gen_a: nn.Module, gen_b: nn.Module, x_a: torch.Tensor, x_b: torch.Tensor, pooled: bool = True,
                  seed: int = 0, **probe_options) -> dict:
    """:func:`~munit_lib.evaluation.probes.two_sample_probe` on the content codes ``E_a^c(x_a)`` against
    ``E_b^c(x_b)`` (:func:`content_features`): near 0.5 when the two domains share one content distribution."""
    return two_sample_probe(content_features(gen_a, x_a, pooled), content_features(gen_b, x_b, pooled),
                            seed=seed, **probe_options)


# ----------------------------------------------------------------------------- 3. joint matching
def dependence(labels_x: Sequence, labels_y: Sequence) -> dict:
    """How much two paired label lists depend on each other, from their contingency table.

    ``table[i, j]`` counts pairs with the i-th value of x and the j-th of y (values sorted by
    name); with expected counts ``E_ij = row_i col_j / n`` under independence:

    * ``chi2 = sum (O_ij - E_ij)^2 / E_ij``, ``dof = (r - 1)(c - 1)``, ``p_value`` = P(chi^2_dof >= chi2);
    * ``mutual_information = sum p_ij log2(p_ij / (p_i p_j))`` in bits (0 iff independent in the sample);
    * ``cramers_v = sqrt(chi2 / (n (min(r, c) - 1)))`` in [0, 1].

    Pairs where either label is ``None`` (unreadable) are dropped and counted in ``n_dropped``.
    """
    if len(labels_x) != len(labels_y):
        raise ValueError(f"got {len(labels_x)} x labels but {len(labels_y)} y labels; pass one of each per item")
    pairs = [(a, b) for a, b in zip(labels_x, labels_y) if a is not None and b is not None]
    if not pairs:
        raise ValueError("no pair with both labels readable")
    xs, ys = sorted({a for a, _ in pairs}), sorted({b for _, b in pairs})
    table = torch.zeros(len(xs), len(ys), dtype=torch.float64)
    for a, b in pairs:
        table[xs.index(a), ys.index(b)] += 1
    n = table.sum()
    expected = table.sum(1, keepdim=True) * table.sum(0, keepdim=True) / n  # (r, c)
    chi2 = float(((table - expected) ** 2 / expected).sum())
    dof = (len(xs) - 1) * (len(ys) - 1)
    p = table / n
    nz = p > 0
    mi = float((p[nz] * torch.log2(p[nz] / (expected / n)[nz])).sum())
    k = min(len(xs), len(ys)) - 1
    p_value = float(torch.special.gammaincc(torch.tensor(dof / 2, dtype=torch.float64),
                                            torch.tensor(chi2 / 2, dtype=torch.float64))) if dof > 0 else 1.0
    return {"table": table.long(), "x_values": xs, "y_values": ys, "chi2": chi2, "dof": dof, "p_value": p_value,
            "mutual_information": max(mi, 0.0), "cramers_v": math.sqrt(chi2 / (float(n) * k)) if k > 0 else 0.0,
            "n": int(n), "n_dropped": len(labels_x) - len(pairs)}


@torch.no_grad()
def kind_colour_dependence(gen_a: nn.Module, gen_b: nn.Module, sketches, n: int = 96, num_styles: int = 4,
                           seed: int = 0, batch: int = 64, read_kind: Optional[Callable] = None) -> dict:
    """Proposition 3 on the shapes ground truth: is the colour of a translation independent of
    the kind of its sketch, as a painting's colour is of its kind in the data?

    Translates each of the first ``n`` sketches of a :class:`~munit_lib.data.ShapesDomain`
    ``num_styles`` times, **each translation with its own random style**: the ``n * num_styles``
    codes are the rows of ``torch.randn(n * num_styles, d, generator=torch.Generator().manual_seed(seed))``,
    row ``i * num_styles + k`` for draw ``k`` of sketch ``i``. Each painting's colour is read with
    ``classify_colour``, and the result is :func:`dependence` between the sketch's true kind and
    that colour over the ``n * num_styles`` records (one record per translation, in that order),
    plus ``content_iou`` (mean IoU of the sketch's and the painting's shape regions) and
    ``colour_counts``.

    Why one style per translation: the records are then drawn as the data's are (a content, and
    a style independent of it), so the chi-square is a test of independence with the usual
    reference distribution, and its numbers can be set beside the same test on as many real
    paintings. An earlier version gave every sketch the same ``num_styles`` codes. Since the
    colour is nearly a function of the style, every kind then received nearly the same colours
    in the same proportions whatever the model did, the chi-square fell far below its degrees
    of freedom (p close to 1) by design, and a model whose colours depend on the kind could pass
    whenever none of the few shared codes fell where that dependence shows.

    ``read_kind`` (optional): a function from a batch of paintings (B, 3, H, W) in [-1, 1] to a list
    of B kind names (e.g. the shapes classifier's kind head); then ``kind_kept`` is the share of
    translations whose kind, read back, is the sketch's true kind.
    """
    n, draws = min(int(n), len(sketches)), int(num_styles)
    if draws < 1:
        raise ValueError(f"num_styles must be at least 1 (translations per sketch), got {num_styles}")
    styles = _prior_styles(n * draws, gen_b.style_dim, seed)  # (n * S, d): one code per translation
    dev = _device(gen_a)
    kinds, colours, ious, kinds_read = [], [], [], []
    for part in _chunks(n, max(1, int(batch) // draws)):  # about ``batch`` translations at a time
        idx = range(part.start, part.stop)
        x = torch.stack([sketches[i] for i in idx])  # (B, 3, H, W)
        c = gen_a.encode_content(x.to(dev)).repeat_interleave(draws, 0)  # (B * S, ...): sketch i, draws 0..S-1
        s = styles[part.start * draws:part.stop * draws].to(dev)  # (B * S, d), in the same order
        out = gen_b.decode(c, s).float().cpu()  # (B * S, 3, H, W)
        colours += classify_colour(out)
        kinds += [sketches.ground_truth(i).kind for i in idx for _ in range(draws)]
        ious += content_iou(x.repeat_interleave(draws, 0), "a", out, "b")["per_pair"]
        if read_kind is not None:
            kinds_read += list(read_kind(out))
    result = dependence(kinds, colours)
    counts = {}
    for colour in colours:
        counts[colour] = counts.get(colour, 0) + 1
    result.update(content_iou=sum(ious) / len(ious), colour_counts=counts)
    if read_kind is not None:
        if len(kinds_read) != len(kinds):
            raise ValueError(f"read_kind returned {len(kinds_read)} kinds for {len(kinds)} paintings; "
                             "it must return one kind name per image")
        result["kind_kept"] = sum(a == b for a, b in zip(kinds_read, kinds)) / len(kinds)
    return result


# ----------------------------------------------------------------------------- 4. cycles
@torch.no_grad()
def style_augmented_cycle(gen_1: nn.Module, gen_2: nn.Module, x1: torch.Tensor, s2: torch.Tensor,
                          batch: int = 64) -> dict:
    """``F_2->1(F_1->2(x1, s2))`` against ``(x1, s2)`` (Proposition 4).

    ``F_1->2(x1, s2) = (x12, s1)`` with ``c1, s1 = E1(x1)`` and ``x12 = G2(c1, s2)``; then
    ``F_2->1(x12, s1) = (G1(E2c(x12), s1), E2s(x12))``. Returns per-image errors (N,):
    ``image`` = mean |G1(E2c(x12), s1) - x1| (the explicit L_cc of the paper) and
    ``style`` = mean |E2s(x12) - s2|, and their means ``image_mean``, ``style_mean``.
    """
    _check_images(x1, "x1")
    s2 = torch.as_tensor(s2, dtype=torch.float32)
    if s2.shape != (x1.shape[0], gen_2.style_dim):
        raise ValueError(f"s2 must be shaped ({x1.shape[0]}, {gen_2.style_dim}); got {tuple(s2.shape)}")
    dev = _device(gen_1)
    image, style = [], []
    for part in _chunks(x1.shape[0], batch):
        x, s = x1[part].to(dev), s2[part].to(dev)
        c1, s1 = gen_1.encode(x)
        c12, s12 = gen_2.encode(gen_2.decode(c1, s))  # x12 = G2(c1, s2), encoded again
        image.append(_l1_per_sample(gen_1.decode(c12, s1), x).float().cpu())
        style.append(_l1_per_sample(s12, s).float().cpu())
    image, style = torch.cat(image), torch.cat(style)
    return {"image": image, "style": style, "image_mean": float(image.mean()), "style_mean": float(style.mean())}


@torch.no_grad()
def plain_cycle(gen_1: nn.Module, gen_2: nn.Module, x1: torch.Tensor, s2: torch.Tensor, s1: torch.Tensor,
                batch: int = 64) -> dict:
    """The plain (CycleGAN-like) cycle: go back with a style ``s1`` that is *not* x1's own.

    ``x121 = G1(E2c(G2(E1c(x1), s2)), s1)``; returns per-image ``image`` = mean |x121 - x1| (N,)
    and ``image_mean``. A model can only make this small for every ``s1`` by ignoring the style
    (a deterministic, unimodal mapping) or by hiding x1's style in the translation.
    """
    _check_images(x1, "x1")
    s1, s2 = torch.as_tensor(s1, dtype=torch.float32), torch.as_tensor(s2, dtype=torch.float32)
    for name, s, gen in (("s1", s1, gen_1), ("s2", s2, gen_2)):
        if s.shape != (x1.shape[0], gen.style_dim):
            raise ValueError(f"{name} must be shaped ({x1.shape[0]}, {gen.style_dim}); got {tuple(s.shape)}")
    dev = _device(gen_1)
    image = []
    for part in _chunks(x1.shape[0], batch):
        x = x1[part].to(dev)
        c12 = gen_2.encode_content(gen_2.decode(gen_1.encode_content(x), s2[part].to(dev)))
        image.append(_l1_per_sample(gen_1.decode(c12, s1[part].to(dev)), x).float().cpu())
    image = torch.cat(image)
    return {"image": image, "image_mean": float(image.mean())}


def cycle_errors(gen_a: nn.Module, gen_b: nn.Module, x_a: torch.Tensor, x_b: torch.Tensor, seed: int = 0,
                 batch: int = 64) -> dict:
    """Both cycles in both directions, with random styles drawn from ``seed``:

    ``aba_image`` / ``aba_style``: the style-augmented cycle from A (image error against x_a, style
    error against the B style used), ``bab_image`` / ``bab_style`` from B; ``aba_plain`` /
    ``bab_plain``: the plain cycle's image error (back with a fresh random style).
    """
    _check_images(x_a, "x_a"), _check_images(x_b, "x_b")
    d_a, d_b = gen_a.style_dim, gen_b.style_dim
    s_b, s_a = _prior_styles(x_a.shape[0], d_b, seed), _prior_styles(x_b.shape[0], d_a, seed + 1)
    back_a, back_b = _prior_styles(x_a.shape[0], d_a, seed + 2), _prior_styles(x_b.shape[0], d_b, seed + 3)
    aba = style_augmented_cycle(gen_a, gen_b, x_a, s_b, batch)
    bab = style_augmented_cycle(gen_b, gen_a, x_b, s_a, batch)
    return {"aba_image": aba["image_mean"], "aba_style": aba["style_mean"],
            "bab_image": bab["image_mean"], "bab_style": bab["style_mean"],
            "aba_plain": plain_cycle(gen_a, gen_b, x_a, s_b, back_a, batch)["image_mean"],
            "bab_plain": plain_cycle(gen_b, gen_a, x_b, s_a, back_b, batch)["image_mean"]}
