"""munit_lib.evaluation.probes: the linear probes, on features whose answer is known; and the one home of
each (no second function of either name anywhere in munit_lib)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch

from munit_lib.evaluation.probes import linear_probe_accuracy, two_sample_probe

PACKAGE = Path(__file__).resolve().parents[1] / "munit_lib"


def test_linear_probe_reads_a_linearly_coded_factor_and_not_noise():
    g = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 4, (400,), generator=g)
    coded = torch.nn.functional.one_hot(labels, 4).float() + 0.1 * torch.randn(400, 4, generator=g)
    noise = torch.randn(400, 6, generator=g)
    assert linear_probe_accuracy(coded[:300], labels[:300], coded[300:], labels[300:]) == 1.0
    assert linear_probe_accuracy(noise[:300], labels[:300], noise[300:], labels[300:]) < 0.45  # chance 0.25
    with pytest.raises(ValueError, match="one label per feature"):
        linear_probe_accuracy(coded, labels[:10], coded, labels)


def test_two_sample_probe_chance_on_identical_and_perfect_on_separable():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(200, 16, generator=g), torch.randn(200, 16, generator=g)
    same = two_sample_probe(a, b, seed=1)
    assert abs(same["test_accuracy"] - 0.5) < 0.1 and same["n_test"] == 200 and same["n_train"] == 200
    b_far = b.clone()
    b_far[:, 3] += 8.0  # one direction separates the two samples (Bayes accuracy Phi(4) > 0.9999)
    far = two_sample_probe(a, b_far, seed=1)
    assert far["test_accuracy"] > 0.97 and far["train_accuracy"] > 0.97
    with pytest.raises(ValueError, match="test_fraction"):
        two_sample_probe(a, b, test_fraction=1.5)


def test_each_probe_is_defined_once_and_used_by_the_measures():
    """One probe for each question: no module of munit_lib defines a second linear_probe_accuracy or
    two_sample_probe, and the measures that probe (factor_probes, content_probe) call these."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name in ("linear_probe_accuracy", "two_sample_probe"):
                found.setdefault(node.name, []).append(str(path.relative_to(PACKAGE)))
    assert found == {"linear_probe_accuracy": ["evaluation/probes.py"], "two_sample_probe": ["evaluation/probes.py"]}
    from munit_lib.evaluation import propositions, shapes_score

    assert shapes_score.linear_probe_accuracy is linear_probe_accuracy
    assert propositions.two_sample_probe is two_sample_probe
