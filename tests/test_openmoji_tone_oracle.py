"""``benchmarks/openmoji_tone_oracle.py``'s measures on hand-made tone tables and a stub decoder whose
answer is known: which code paints which drawing in which tone, and what the ceiling and the
consistency of a table are."""
from __future__ import annotations

import pytest
import torch

from munit_lib.evaluation.openmoji import TONE_COLOURS
from munit_test_helpers import load_repo_file


oracle = load_repo_file("benchmarks/openmoji_tone_oracle.py")


class ToneStub:
    """A decoder that paints drawing i with code k in tone (k + i) % 5: the code's first number holds
    k, the content's every value holds i."""

    def decode(self, content: torch.Tensor, styles: torch.Tensor) -> torch.Tensor:
        tone = (styles[:, 0].round().long() + content.flatten(1)[:, 0].round().long()) % 5  # (B,)
        rgb = TONE_COLOURS[tone] * 2 - 1  # (B, 3) in [-1, 1]
        return rgb.view(-1, 3, 1, 1).expand(-1, 3, 8, 8).clone()


@pytest.mark.parametrize("per_batch", [1, 3, 8])
def test_decoded_tones_pairs_every_code_with_every_drawing(per_batch):
    n, k = 4, 7
    content = torch.arange(n, dtype=torch.float).view(n, 1, 1, 1).expand(n, 2, 2, 2)  # drawing i holds i
    codes = torch.zeros(k, 3)
    codes[:, 0] = torch.arange(k, dtype=torch.float)  # code k holds k
    masks = torch.ones(n, 8, 8, dtype=torch.bool)
    tones = oracle.decoded_tones(ToneStub(), content, masks, codes, per_batch=per_batch)
    expected = (torch.arange(k).view(k, 1) + torch.arange(n).view(1, n)) % 5
    assert torch.equal(tones, expected)


def test_best_code_per_tone_is_chosen_on_one_half_and_scored_on_the_other():
    half = torch.tensor([0, 0, 1, 1])
    # code t paints every drawing in tone t: a perfect code for each tone
    perfect = torch.arange(5).view(5, 1).expand(5, 4)
    assert oracle.best_code_per_tone(perfect, half) == pytest.approx(1.0)
    # each code paints one half in tone 0 and the other in tone 1: the code chosen for a tone on one
    # half paints the other half in the other tone, so a choice that fits one half only scores 0
    split = torch.tensor([[0, 0, 1, 1], [1, 1, 0, 0]])
    assert oracle.best_code_per_tone(split, half) == pytest.approx(0.0)
    # one code painting tone 2 everywhere: 1 for tone 2, 0 for the other four
    assert oracle.best_code_per_tone(torch.full((1, 4), 2), half) == pytest.approx(0.2)


def test_consistency_is_the_mean_share_of_each_codes_most_frequent_tone():
    tones = torch.tensor([[1, 1, 1, 1],    # one tone: 1.0
                          [0, 1, 2, 5],    # four different: 0.25
                          [3, 3, 4, 3]])   # 0.75
    assert oracle.consistency(tones) == pytest.approx((1.0 + 0.25 + 0.75) / 3)
