"""The baselines' objectives: each term on inputs with known values, the weights of the totals,
and which networks each loss reaches (for example BicycleGAN's latent regression never moves E)."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from munit_lib.baselines import UNIT, BicycleGAN, CycleGAN, ImagePool, cpu_config
from munit_lib.baselines.bicyclegan import (bicyclegan_dis_losses, bicyclegan_gen_losses, bicyclegan_kl_loss, frozen,
                                            latent_regression_loss)
from munit_lib import MUNITConfig
from munit_lib.baselines.common import lsgan_d_loss, lsgan_g_loss
from munit_lib.baselines.cyclegan import CycleGANConfig, cyclegan_dis_losses, cyclegan_gen_losses
from munit_lib.baselines.steps import baseline_train_step
from munit_lib.baselines.unit import unit_dis_losses, unit_gen_losses, unit_kl_loss
from munit_lib.losses import NonFiniteLossError
from munit_lib.training.optim import linear_decay_factor, make_optimizers
from munit_test_helpers import random_images

SIZE = 64


def _reached(loss: torch.Tensor, nets: dict[str, nn.Module]) -> set[str]:
    """Names of the networks in which ``loss`` puts a non-zero gradient on some parameter."""
    for net in nets.values():
        net.zero_grad(set_to_none=True)
    loss.backward(retain_graph=True)
    reached = {name for name, net in nets.items()
               if any(p.grad is not None and bool(p.grad.abs().sum() > 0) for p in net.parameters())}
    for net in nets.values():
        net.zero_grad(set_to_none=True)
    return reached


@pytest.fixture(scope="module")
def images():
    return random_images((2, 3, SIZE, SIZE), 1), random_images((2, 3, SIZE, SIZE), 2)


# ----------------------------------------------------------------------------- shared pieces
def test_lsgan_losses_on_known_scores():
    fake, real = torch.full((1, 1, 2, 2), 0.5), torch.full((1, 1, 2, 2), 2.0)
    # D: mean(0.5^2) + mean((2 - 1)^2) = 1.25; CycleGAN halves it; two scales add up
    assert float(lsgan_d_loss(fake, real)) == pytest.approx(1.25)
    assert float(lsgan_d_loss(fake, real, scale=0.5)) == pytest.approx(0.625)
    assert float(lsgan_d_loss([fake, fake], [real, real])) == pytest.approx(2.5)
    assert float(lsgan_g_loss(fake)) == pytest.approx(0.25)  # mean((0.5 - 1)^2)


def test_linear_decay_schedule_values():
    assert [linear_decay_factor(t, 100, 100) for t in (0, 50, 100)] == [1.0, 1.0, 1.0]
    assert linear_decay_factor(101, 100, 100) == pytest.approx(1 - 1 / 101)
    assert linear_decay_factor(200, 100, 100) == pytest.approx(1 / 101)
    assert linear_decay_factor(500, 100, 100) == 0.0
    with pytest.raises(ValueError, match="cannot be negative"):
        linear_decay_factor(0, -1, 10)


# ----------------------------------------------------------------------------- UNIT
def test_unit_kl_is_the_mean_square_and_a_scaled_gaussian_kl():
    h = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])  # (1, 1, 2, 2)
    assert float(unit_kl_loss(h)) == pytest.approx(30 / 4)
    # KL(N(h, I) || N(0, I)) = 0.5 * sum(h^2) = 15 per image; mean(h^2) = KL * 2 / (C H W)
    assert float(unit_kl_loss(h)) == pytest.approx(15 * 2 / 4)


def test_unit_noise_is_standard_normal_and_absent_at_test_time():
    torch.manual_seed(0)
    model = UNIT(cpu_config("unit"))
    h, noise = model.gen_a.encode(random_images((4, 3, SIZE, SIZE), 3))
    assert noise.shape == h.shape
    assert abs(float(noise.mean())) < 0.05 and abs(float(noise.std()) - 1) < 0.05  # 65,536 draws
    x = random_images((1, 3, SIZE, SIZE), 4)
    model.eval()
    torch.testing.assert_close(model.translate(x), model.gen_b.decode(model.gen_a.encode(x)[0]), rtol=0, atol=0)


def test_unit_total_weights_the_release_defaults(images):
    torch.manual_seed(0)
    model = UNIT(cpu_config("unit"))
    t = unit_gen_losses(model, *images, rng=torch.Generator().manual_seed(0))
    expected = (t["adv_a"] + t["adv_b"] + 10 * (t["recon_x_a"] + t["recon_x_b"]) + 0.01 * (t["kl_a"] + t["kl_b"])
                + 10 * (t["cyc_x_a"] + t["cyc_x_b"]) + 0.01 * (t["kl_cyc_a"] + t["kl_cyc_b"]))
    torch.testing.assert_close(t["total"], expected)
    d = unit_dis_losses(model, *images)
    torch.testing.assert_close(d["total"], d["dis_a"] + d["dis_b"])


def test_unit_losses_reach_the_right_networks(images):
    torch.manual_seed(0)
    model = UNIT(cpu_config("unit"))
    nets = {"enc_a": model.gen_a.enc, "dec_a": model.gen_a.dec, "enc_b": model.gen_b.enc, "dec_b": model.gen_b.dec,
            "dis_a": model.dis_a, "dis_b": model.dis_b}
    t = unit_gen_losses(model, *images)
    assert _reached(t["kl_a"], nets) == {"enc_a"}
    assert _reached(t["recon_x_a"], nets) == {"enc_a", "dec_a"}
    assert _reached(t["kl_cyc_a"], nets) == {"enc_a", "dec_b", "enc_b"}  # KL of E_b(G_b(h_a + n))
    assert _reached(t["cyc_x_a"], nets) == {"enc_a", "dec_b", "enc_b", "dec_a"}
    assert _reached(t["adv_b"], nets) == {"enc_a", "dec_b", "dis_b"}  # D gets none once frozen by the step
    assert _reached(unit_dis_losses(model, *images)["total"], nets) == {"dis_a", "dis_b"}


# ----------------------------------------------------------------------------- CycleGAN
def test_cyclegan_total_and_when_identity_applies(images):
    torch.manual_seed(0)
    model = CycleGAN(cpu_config("cyclegan"))
    t = cyclegan_gen_losses(model, *images)
    expected = t["adv_a"] + t["adv_b"] + 10 * (t["cyc_a"] + t["cyc_b"]) + 10 * 0.5 * (t["idt_a"] + t["idt_b"])
    torch.testing.assert_close(t["total"], expected)
    # grey sketches -> colour: G_ab cannot take B images, so no identity term
    mixed = CycleGAN(CycleGANConfig(ngf=8, ndf=8, input_nc_a=1, input_nc_b=3))
    assert not mixed.identity_applies
    terms = cyclegan_gen_losses(mixed, images[0][:, :1], images[1])
    assert "idt_a" not in terms and "idt_b" not in terms
    no_idt = CycleGAN(CycleGANConfig(ngf=8, ndf=8, lambda_identity=0.0))
    assert "idt_a" not in cyclegan_gen_losses(no_idt, *images)


def test_cyclegan_discriminator_loss_is_halved_and_pooled(images):
    torch.manual_seed(0)
    model = CycleGAN(cpu_config("cyclegan"))
    x_a, x_b = images
    fake_a, fake_b = -x_a, -x_b
    d = cyclegan_dis_losses(model, x_a, x_b, fake_a, fake_b, use_pool=False)
    expected_a = 0.5 * (torch.mean(model.dis_a(fake_a) ** 2) + torch.mean((model.dis_a(x_a) - 1) ** 2))
    torch.testing.assert_close(d["dis_a"], expected_a)
    assert len(model.pool_a.stored()) == 0
    cyclegan_dis_losses(model, x_a, x_b, fake_a, fake_b)  # through the pools: both store the fakes
    assert len(model.pool_a.stored()) == len(model.pool_b.stored()) == 2


def test_cyclegan_losses_reach_the_right_networks(images):
    torch.manual_seed(0)
    model = CycleGAN(cpu_config("cyclegan_noise"))  # CycleGAN*: the same reach with noise inputs
    nets = {"gen_a": model.gen_a, "gen_b": model.gen_b, "dis_a": model.dis_a, "dis_b": model.dis_b}
    t = cyclegan_gen_losses(model, *images)
    assert _reached(t["cyc_a"], nets) == {"gen_a", "gen_b"}
    assert _reached(t["idt_a"], nets) == {"gen_a"}
    assert _reached(t["adv_b"], nets) == {"gen_b", "dis_b"}
    d = cyclegan_dis_losses(model, *images, t["fake_a"], t["fake_b"])
    assert _reached(d["total"], nets) == {"dis_a", "dis_b"}


def test_image_pool_stores_then_swaps_half_the_time():
    pool = ImagePool(size=3, image_shape=(1, 1, 1), seed=0)
    first = torch.arange(3, dtype=torch.float32).view(3, 1, 1, 1)
    torch.testing.assert_close(pool.query(first), first)  # not full: returned as given, and stored
    returned_old = 0
    for step in range(200):
        new = torch.full((1, 1, 1, 1), 100.0 + step)
        stored_before = {float(i) for i in pool.stored()}
        out = float(pool.query(new))
        assert out == 100.0 + step or out in stored_before
        if out != 100.0 + step:
            returned_old += 1
            assert 100.0 + step in {float(i) for i in pool.stored()}  # the new fake took the old one's place
        assert len(pool.stored()) == 3
    assert 70 < returned_old < 130  # probability 1/2 (200 draws)
    assert torch.equal(ImagePool(0, (1, 1, 1)).query(first), first)  # size 0: no history
    with pytest.raises(ValueError, match="stores images shaped"):
        pool.query(torch.zeros(1, 3, 2, 2))


def test_image_pool_state_round_trip_draws_the_same():
    pool = ImagePool(size=2, image_shape=(1, 1, 1), seed=5)
    for i in range(4):
        pool.query(torch.full((1, 1, 1, 1), float(i)))
    copy = ImagePool(size=2, image_shape=(1, 1, 1), seed=5)
    copy.load_state_dict(pool.state_dict())
    for i in range(10):
        x = torch.full((1, 1, 1, 1), 10.0 + i)
        assert torch.equal(pool.query(x), copy.query(x))


# ----------------------------------------------------------------------------- BicycleGAN
def test_bicyclegan_kl_on_known_values():
    zero = torch.zeros(2, 8)
    assert float(bicyclegan_kl_loss(zero, zero)) == 0.0  # the posterior is the prior
    mu = torch.tensor([[1.0, 2.0], [0.0, 3.0]])
    assert float(bicyclegan_kl_loss(mu, torch.zeros(2, 2))) == pytest.approx(0.5 * (1 + 4 + 0 + 9))  # a SUM
    logvar = torch.full((1, 1), math.log(4.0))  # sigma^2 = 4, mu = 0: -0.5 (1 + log 4 - 4)
    assert float(bicyclegan_kl_loss(torch.zeros(1, 1), logvar)) == pytest.approx(-0.5 * (1 + math.log(4) - 4))
    assert float(latent_regression_loss(torch.tensor([[1.0, -1.0]]), torch.tensor([[0.0, 1.0]]))) == 1.5


def test_bicyclegan_total_weights_and_batch_split(images):
    torch.manual_seed(0)
    model = BicycleGAN(cpu_config("bicyclegan"))
    x_a, x_b = images
    t = bicyclegan_gen_losses(model, x_a, x_b)
    expected = t["gan_vae"] + t["gan_lr"] + 10 * t["l1"] + 0.01 * t["kl"] + 0.5 * t["z_l1"]
    torch.testing.assert_close(t["total"], expected)
    assert torch.equal(t["real_encoded"], x_b[:1]) and torch.equal(t["real_random"], x_b[1:])
    with pytest.raises(ValueError, match="batch size of at least 2"):
        bicyclegan_gen_losses(model, x_a[:1], x_b[:1])
    with pytest.raises(ValueError, match="trains on pairs"):
        bicyclegan_gen_losses(model, x_a, x_b[:1])


def test_bicyclegan_losses_reach_the_right_networks(images):
    torch.manual_seed(0)
    model = BicycleGAN(cpu_config("bicyclegan"))
    nets = {"G": model.gen, "E": model.enc, "D": model.dis, "D2": model.dis2}
    t = bicyclegan_gen_losses(model, *images)
    assert _reached(t["z_l1"], nets) == {"G"}  # the latent regression never moves E
    assert _reached(t["kl"], nets) == {"E"}
    assert _reached(t["l1"], nets) == {"G", "E"}
    assert _reached(t["gan_lr"], nets) == {"G", "D2"}
    assert _reached(t["gan_vae"], nets) == {"G", "E", "D"}
    d = bicyclegan_dis_losses(model, t["fake_encoded"], t["fake_random"], t["real_encoded"], t["real_random"])
    assert _reached(d["dis"], nets) == {"D"} and _reached(d["dis2"], nets) == {"D2"}
    assert all(p.requires_grad for p in model.enc.parameters())  # frozen only while computing z_l1


def test_frozen_restores_and_passes_gradients_through():
    net = nn.Linear(2, 2)
    x = torch.ones(1, 2, requires_grad=True)
    with frozen(net):
        assert not any(p.requires_grad for p in net.parameters())
        y = net(x).sum()
    y.backward()
    assert net.weight.grad is None and x.grad is not None and bool(x.grad.abs().sum() > 0)
    assert all(p.requires_grad for p in net.parameters())


# ----------------------------------------------------------------------------- one step each
@pytest.mark.parametrize("name", ["unit", "cyclegan", "cyclegan_noise", "cyclegan_unet", "bicyclegan"])
def test_one_training_step_updates_every_network_and_logs_floats(name, images):
    torch.manual_seed(0)
    model = {"unit": UNIT, "cyclegan": CycleGAN, "cyclegan_noise": CycleGAN, "cyclegan_unet": CycleGAN,
             "bicyclegan": BicycleGAN}[name](
        cpu_config(name))
    opt_gen, opt_dis = make_optimizers(model, MUNITConfig(lr=2e-4, weight_decay=0.0))
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    losses = baseline_train_step(model, opt_gen, opt_dis, *images, rng=torch.Generator().manual_seed(0), iteration=1)
    assert "gen_total" in losses and "dis_total" in losses
    assert all(isinstance(v, float) and math.isfinite(v) for v in losses.values())
    changed = {k.split(".")[0] for k, v in model.named_parameters() if not torch.equal(v, before[k])}
    expected = {"gen", "enc", "dis", "dis2"} if name == "bicyclegan" else {"gen_a", "gen_b", "dis_a", "dis_b"}
    assert changed == expected


def test_a_nan_loss_stops_before_any_update(images):
    torch.manual_seed(0)
    model = UNIT(cpu_config("unit"))
    opt_gen, opt_dis = make_optimizers(model, MUNITConfig(lr=1e-4, weight_decay=0.0))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x_a = images[0].clone()
    x_a[0, 0, 0, 0] = float("nan")
    with pytest.raises(NonFiniteLossError, match="at iteration 7"):
        baseline_train_step(model, opt_gen, opt_dis, x_a, images[1], iteration=7)
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
