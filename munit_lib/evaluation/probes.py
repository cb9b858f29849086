"""Linear probes: can a linear map read a property off a set of features?

Two questions, two probes:

* ``linear_probe_accuracy(train_features, train_labels, test_features, test_labels)``: how much of a
  factor (one of K labels) the features hold in a linearly readable form. Softmax regression on the
  split given, scored on the held-out part (chance: the commonest label's share).
  ``shapes_score.factor_probes`` asks it whether a painting's colour and texture live in its style
  code or in its content code.
* ``two_sample_probe(features_a, features_b)``: whether two samples can be told apart (a classifier
  two-sample test). Logistic regression on a random split of each sample; 0.5 on the held-out part
  means a linear map sees no difference, 1.0 that the samples are separable.
  ``propositions.content_probe`` asks it whether A's and B's content codes share one distribution
  (the paper's Proposition 2).

Both standardise the features with the training part's mean and standard deviation, penalise
``weight_decay * |W|^2`` and fit by full-batch L-BFGS from zero weights: the same call gives the
same answer. They differ as their questions do: labels given or two samples to split, K classes
or 2 (and the two-sample probe computes in float64).
"""
from __future__ import annotations

import torch
from torch.nn import functional as F

__all__ = ["linear_probe_accuracy", "two_sample_probe"]


def linear_probe_accuracy(train_features: torch.Tensor, train_labels: torch.Tensor, test_features: torch.Tensor,
                          test_labels: torch.Tensor, weight_decay: float = 1e-3, max_iter: int = 200) -> float:
    """Held-out accuracy of a linear classifier (softmax regression, L-BFGS) from features (N, F) to
    integer labels (N,): how much of a factor a code holds in a linearly readable form.

    Features are standardised with the training set's mean and standard deviation; the loss is
    cross-entropy plus ``weight_decay * |W|^2``. Deterministic (zero initialisation, full batch)."""
    if train_features.dim() != 2 or test_features.dim() != 2:
        raise ValueError(f"features must be (N, F), got {tuple(train_features.shape)} and {tuple(test_features.shape)}")
    if len(train_features) != len(train_labels) or len(test_features) != len(test_labels):
        raise ValueError("need one label per feature row")
    classes = int(max(train_labels.max(), test_labels.max())) + 1
    mean, std = train_features.mean(0), train_features.std(0).clamp(min=1e-6)
    f_train, f_test = (train_features - mean) / std, (test_features - mean) / std
    with torch.enable_grad():
        weight = torch.zeros(f_train.shape[1], classes, requires_grad=True)
        bias = torch.zeros(classes, requires_grad=True)
        opt = torch.optim.LBFGS([weight, bias], max_iter=max_iter, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = F.cross_entropy(f_train @ weight + bias, train_labels) + weight_decay * (weight ** 2).sum()
            loss.backward()
            return loss

        opt.step(closure)
    with torch.no_grad():
        return float(((f_test @ weight + bias).argmax(1) == test_labels).float().mean())


def two_sample_probe(features_a: torch.Tensor, features_b: torch.Tensor, test_fraction: float = 0.5,
                     weight_decay: float = 1e-2, steps: int = 200, seed: int = 0) -> dict:
    """Held-out accuracy of a logistic-regression probe that tells sample A (label 0) from B (1).

    Each sample is split at random into a training and a test part (``test_fraction``); the
    features are standardised with the training part's statistics; the probe
    ``p(B | f) = sigmoid(w . f + b)`` minimises the mean cross-entropy + ``weight_decay * |w|^2``
    (full batch, L-BFGS, ``steps`` iterations). 0.5 on the test part means the two samples are
    indistinguishable to a linear map (for content codes: a shared space); 1.0 separable.
    Returns ``{"train_accuracy", "test_accuracy", "n_train", "n_test"}``.
    """
    fa, fb = torch.as_tensor(features_a, dtype=torch.float64), torch.as_tensor(features_b, dtype=torch.float64)
    if fa.dim() != 2 or fb.dim() != 2 or fa.shape[1] != fb.shape[1]:
        raise ValueError(f"features must be (N_a, F) and (N_b, F), got {tuple(fa.shape)} and {tuple(fb.shape)}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    g = torch.Generator().manual_seed(int(seed))
    parts = []
    for f, label in ((fa, 0.0), (fb, 1.0)):
        n_test = int(round(f.shape[0] * test_fraction))
        if n_test < 1 or n_test >= f.shape[0]:
            raise ValueError(f"{f.shape[0]} samples cannot be split into training and test parts "
                             f"(test_fraction={test_fraction}); pass more samples")
        perm = torch.randperm(f.shape[0], generator=g)
        y = torch.full((f.shape[0],), label, dtype=torch.float64)
        parts.append((f[perm[n_test:]], y[n_test:], f[perm[:n_test]], y[:n_test]))
    f_train, y_train = torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])
    f_test, y_test = torch.cat([p[2] for p in parts]), torch.cat([p[3] for p in parts])
    mean, std = f_train.mean(0), f_train.std(0).clamp(min=1e-8)
    f_train, f_test = (f_train - mean) / std, (f_test - mean) / std  # standardised with training statistics
    w = torch.zeros(f_train.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=1.0, max_iter=int(steps), line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        logits = f_train @ w + b  # (N_train,)
        loss = F.binary_cross_entropy_with_logits(logits, y_train) + weight_decay * (w * w).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        opt.step(closure)
    with torch.no_grad():
        acc = lambda f, y: float(((f @ w + b > 0).double() == y).double().mean())  # noqa: E731
        return {"train_accuracy": acc(f_train, y_train), "test_accuracy": acc(f_test, y_test),
                "n_train": int(f_train.shape[0]), "n_test": int(f_test.shape[0])}
