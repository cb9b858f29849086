"""The cycle's way back (``recon_x_cyc_style``): the paper's style-augmented cycle returns with the
image's own encoded style; the plain (CycleGAN-like) variant returns with a random style."""
from __future__ import annotations

import pytest
import torch

from munit_lib import MUNIT, MUNITConfig
from munit_lib.losses import cycle_recon_loss
from munit_lib.training import gen_losses
from munit_test_helpers import random_images


def _model_and_terms(style: str):
    cfg = MUNITConfig.profile_named("ci", recon_x_cyc_w=10.0, recon_x_cyc_style=style)
    torch.manual_seed(0)
    model = MUNIT(cfg)
    x_a, x_b = random_images((2, 3, 32, 32), 1), random_images((2, 3, 32, 32), 2)
    g = torch.Generator().manual_seed(4)
    s_a, s_b = torch.randn(2, cfg.style_dim, generator=g), torch.randn(2, cfg.style_dim, generator=g)
    return model, x_a, x_b, s_a, s_b, gen_losses(model, x_a, x_b, s_a, s_b)


@pytest.mark.parametrize("style", ["encoded", "random"])
def test_cycle_term_equals_the_hand_built_cycle(style):
    model, x_a, x_b, s_a, s_b, terms = _model_and_terms(style)
    with torch.no_grad():
        c_a, s_a_own = model.gen_a.encode(x_a)
        c_b, s_b_own = model.gen_b.encode(x_b)
        c_a_back = model.gen_b.encode_content(model.gen_b.decode(c_a, s_b))  # E_b^c(x_ab)
        c_b_back = model.gen_a.encode_content(model.gen_a.decode(c_b, s_a))  # E_a^c(x_ba)
        back_a, back_b = (s_a_own, s_b_own) if style == "encoded" else (s_a, s_b)
        expected_a = cycle_recon_loss(model.gen_a.decode(c_a_back, back_a), x_a)
        expected_b = cycle_recon_loss(model.gen_b.decode(c_b_back, back_b), x_b)
    torch.testing.assert_close(terms["cyc_x_a"].detach(), expected_a)
    torch.testing.assert_close(terms["cyc_x_b"].detach(), expected_b)


def test_plain_cycle_differs_and_leaves_the_own_style_encoder_out():
    """Going back with a random style, the A cycle no longer reaches A's style encoder."""
    enc = _model_and_terms("encoded")
    rnd = _model_and_terms("random")
    assert enc[-1]["cyc_x_a"].item() != pytest.approx(rnd[-1]["cyc_x_a"].item())
    for (model, *_, terms), reaches in ((enc, True), (rnd, False)):
        params = list(model.gen_a.enc_style.parameters())
        grads = torch.autograd.grad(terms["cyc_x_a"], params, retain_graph=True, allow_unused=True)
        assert all(g is not None for g in grads) == reaches
        assert all(g is None for g in grads) == (not reaches)


def test_unknown_cycle_style_is_refused_by_name():
    with pytest.raises(ValueError, match="recon_x_cyc_style"):
        MUNITConfig.profile_named("ci", recon_x_cyc_style="fresh")
    assert MUNITConfig().recon_x_cyc_style == "encoded"  # the paper's cycle by default
