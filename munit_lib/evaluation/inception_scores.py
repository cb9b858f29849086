"""Inception Score (IS) and Conditional Inception Score (CIS) as the MUNIT paper defines them.

A classifier gives class probabilities ``p(y | x)`` for each output ``x`` (the paper fine-tunes
Inception on the target domain's classes; on the shapes domains the classes are known and
``munit_lib.evaluation.classifier`` supplies them). With ``x_{1->2}`` the translations of inputs
``x_1``:

    IS  = E_{x_1} [ exp( E_{x_{1->2} | x_1} [ KL( p(y | x_{1->2}) || p(y) ) ] ) ],
          p(y) = E_{x_{1->2}} p(y | x_{1->2})              (all outputs of all inputs)

    CIS = E_{x_1} [ exp( E_{x_{1->2} | x_1} [ KL( p(y | x_{1->2}) || p(y | x_1) ) ] ) ],
          p(y | x_1) = E_{x_{1->2} | x_1} p(y | x_{1->2})   (the outputs of one input, over random styles)

The paper's IS takes the exponential per input, then the mean over inputs; Salimans et al.'s
original IS is ``exp`` of the mean over all outputs, which is what ``inception_score`` computes
for probabilities not grouped by input (shape (M, K)): the two agree when there is one group,
and by Jensen's inequality the paper's form is never the smaller.

IS rewards outputs that are each confidently one class and, together, spread over all classes.
CIS asks the same of the outputs *of one input*: a unimodal model, whose outputs for one input
are all the same image, has CIS = 1 (every KL is 0) however high its IS (different inputs may
still map to different classes). Both lie between 1 and the number of classes ``K``; IS = K when
each output is certain of its class and the classes are used equally, IS = 1 when the classifier
says the same thing for every output.
"""
from __future__ import annotations

import torch

__all__ = ["inception_score", "conditional_inception_score", "check_probabilities"]


def check_probabilities(probs: torch.Tensor, name: str = "probs", atol: float = 1e-3) -> torch.Tensor:
    """``probs`` as float64, after checking each row (last dim) is a distribution: >= 0 and sums to 1."""
    p = torch.as_tensor(probs).double()
    if p.dim() < 2 or p.shape[-1] < 1:
        raise ValueError(f"{name} must hold class probabilities in its last dimension, got shape {tuple(p.shape)}")
    if (p < 0).any() or not torch.allclose(p.sum(-1), torch.ones((), dtype=p.dtype), atol=atol):
        raise ValueError(f"each row of {name} must be a probability distribution (>= 0, summing to 1); "
                         "pass softmax outputs, not logits")
    return p


def _mean_kl_to_marginal(p: torch.Tensor) -> torch.Tensor:
    """``E_i KL(p_i || mean_j p_j)`` over the second-last dimension: (..., M, K) -> (...)."""
    marginal = p.mean(-2, keepdim=True)  # (..., 1, K)
    # 0 log 0 = 0: terms where p_i(y) = 0 contribute nothing
    terms = torch.where(p > 0, p * (p.clamp_min(1e-300).log() - marginal.clamp_min(1e-300).log()),
                        torch.zeros_like(p))
    return terms.sum(-1).mean(-1)


def inception_score(probs: torch.Tensor) -> float:
    """IS of outputs with class probabilities ``probs``.

    ``probs`` (M, K): Salimans et al.'s IS, ``exp(mean_i KL(p_i || p))`` with ``p`` the mean of all rows.
    ``probs`` (N, M, K), grouped by input: the paper's IS, ``mean_n exp(mean_m KL(p_nm || p))`` with
    ``p`` the mean over all N*M outputs.
    """
    p = check_probabilities(probs)
    if p.dim() == 2:
        return float(_mean_kl_to_marginal(p).exp())
    if p.dim() != 3:
        raise ValueError("inception_score takes probabilities shaped (outputs, classes) or "
                         f"(inputs, outputs per input, classes), got {tuple(p.shape)}")
    marginal = p.reshape(-1, p.shape[-1]).mean(0)  # (K,) over every output of every input
    terms = torch.where(p > 0, p * (p.clamp_min(1e-300).log() - marginal.clamp_min(1e-300).log()),
                        torch.zeros_like(p))  # (N, M, K)
    return float(terms.sum(-1).mean(-1).exp().mean())


def conditional_inception_score(probs: torch.Tensor) -> float:
    """CIS of outputs grouped by input: ``probs`` (N inputs, M outputs per input, K classes).

    For each input, the IS of its M outputs (KL to *that input's* marginal), then the mean over inputs.
    """
    p = check_probabilities(probs)
    if p.dim() != 3:
        raise ValueError("conditional_inception_score takes probabilities shaped (inputs, outputs per input, "
                         f"classes), got {tuple(p.shape)}")
    return float(_mean_kl_to_marginal(p).exp().mean())
