"""Training: which parameters each loss term reaches, the optimisers and schedule of the paper, and
one full iteration (discriminators first, then generators, each with fresh styles)."""
from __future__ import annotations

import copy
import math

import pytest
import torch

from munit_lib import MUNIT
from munit_lib.training import (DisObjective, GenObjective, dis_losses, gen_losses, make_optimizers, make_schedulers,
                                train_step)
from munit_test_helpers import random_images

PARTS = ["gen_a.enc_style", "gen_a.enc_content", "gen_a.dec", "gen_a.mlp",
         "gen_b.enc_style", "gen_b.enc_content", "gen_b.dec", "gen_b.mlp", "dis_a", "dis_b"]


def part_params(model: MUNIT) -> dict[str, list[torch.nn.Parameter]]:
    return {name: list(model.get_submodule(name).parameters()) for name in PARTS}


def reached_parts(model: MUNIT, loss: torch.Tensor) -> set[str]:
    """The model parts whose parameters receive a gradient from ``loss``.

    A part is reached when every one of its parameters is in the graph and the gradient is not
    identically zero; a part is unreached when none of its parameters is in the graph. Anything
    in between is a wiring error and fails the test here."""
    groups = part_params(model)
    flat = [p for name in PARTS for p in groups[name]]
    grads = torch.autograd.grad(loss, flat, retain_graph=True, allow_unused=True)
    reached, i = set(), 0
    for name in PARTS:
        n = len(groups[name])
        part = grads[i:i + n]
        i += n
        present = [g is not None for g in part]
        if all(present):
            assert sum(float(g.abs().sum()) for g in part) > 0.0, f"{name}: gradient identically zero"
            reached.add(name)
        else:
            assert not any(present), f"{name}: only some parameters are in the graph"
    return reached


@pytest.fixture(scope="module")
def term_inputs(ci_cfg):
    """Fixed images and sampled styles (x_a, x_b, s_a, s_b) for the ci model."""
    s = ci_cfg.image_size
    g = torch.Generator().manual_seed(3)
    return (random_images((2, 3, s, s), 1), random_images((2, 3, s, s), 2),
            torch.randn(2, 8, generator=g), torch.randn(2, 8, generator=g))


@pytest.fixture(scope="module")
def terms(ci_model, term_inputs):
    """Every generator loss term of the ci model on fixed images and styles (graph kept)."""
    x_a, x_b, s_a, s_b = term_inputs
    return gen_losses(ci_model, x_a, x_b, s_a=s_a, s_b=s_b)


def test_generator_terms_equal_their_definitions(ci_model, terms, term_inputs):
    """Each term equals the paper's definition, written out here from the networks' encode/decode."""
    x_a, x_b, s_a, s_b = term_inputs
    gen_a, gen_b, dis_a, dis_b = ci_model.gen_a, ci_model.gen_b, ci_model.dis_a, ci_model.dis_b

    def l1(u, v):
        return (u - v).abs().mean()

    def lsgan_g(scores):
        return sum(((o - 1) ** 2).mean() for o in scores)

    c_a, s_a_own = gen_a.encode(x_a)
    c_b, s_b_own = gen_b.encode(x_b)
    x_ba, x_ab = gen_a.decode(c_b, s_a), gen_b.decode(c_a, s_b)  # cross-domain, sampled styles
    expected = {
        "recon_x_a": l1(gen_a.decode(c_a, s_a_own), x_a),
        "recon_x_b": l1(gen_b.decode(c_b, s_b_own), x_b),
        "recon_s_a": l1(gen_a.encode(x_ba)[1], s_a),
        "recon_s_b": l1(gen_b.encode(x_ab)[1], s_b),
        "recon_c_a": l1(gen_b.encode(x_ab)[0], c_a),
        "recon_c_b": l1(gen_a.encode(x_ba)[0], c_b),
        "adv_a": lsgan_g(dis_a(x_ba)),
        "adv_b": lsgan_g(dis_b(x_ab)),
    }
    for name, value in expected.items():
        torch.testing.assert_close(terms[name], value, msg=name)
    # the content target is not detached (as the original): gradients flow through both sides
    params = list(gen_a.enc_content.parameters())
    ours = torch.autograd.grad(terms["recon_c_a"], params, retain_graph=True)
    theirs = torch.autograd.grad(expected["recon_c_a"], params)
    for g_ours, g_theirs in zip(ours, theirs):
        torch.testing.assert_close(g_ours, g_theirs)


A_ALL = {"gen_a.enc_style", "gen_a.enc_content", "gen_a.dec", "gen_a.mlp"}
B_ALL = {"gen_b.enc_style", "gen_b.enc_content", "gen_b.dec", "gen_b.mlp"}

# Derivations (x_ab = gen_b.dec(c_a; gen_b.mlp(s_b)), c_a = gen_a.enc_content(x_a), and symmetrically):
EXPECTED_REACH = {
    # x_a_recon = gen_a.dec(gen_a.enc_content(x_a); gen_a.mlp(gen_a.enc_style(x_a)))
    "recon_x_a": A_ALL,
    "recon_x_b": B_ALL,
    # s_a_recon = gen_a.enc_style(x_ba), x_ba = gen_a.dec(gen_b.enc_content(x_b); gen_a.mlp(s_a)); s_a is sampled
    "recon_s_a": {"gen_a.enc_style", "gen_a.dec", "gen_a.mlp", "gen_b.enc_content"},
    "recon_s_b": {"gen_b.enc_style", "gen_b.dec", "gen_b.mlp", "gen_a.enc_content"},
    # c_a_recon = gen_b.enc_content(x_ab) against c_a = gen_a.enc_content(x_a)
    "recon_c_a": {"gen_b.enc_content", "gen_b.dec", "gen_b.mlp", "gen_a.enc_content"},
    "recon_c_b": {"gen_a.enc_content", "gen_a.dec", "gen_a.mlp", "gen_b.enc_content"},
    # dis_a(x_ba): the discriminator is in the graph (only the generator optimiser steps here)
    "adv_a": {"gen_a.dec", "gen_a.mlp", "gen_b.enc_content", "dis_a"},
    "adv_b": {"gen_b.dec", "gen_b.mlp", "gen_a.enc_content", "dis_b"},
    "total": set(PARTS),
}


@pytest.mark.parametrize("term", sorted(EXPECTED_REACH))
def test_each_generator_loss_term_reaches_exactly_the_right_parts(ci_model, terms, term):
    """Each generator loss term sends gradient to exactly the networks its definition involves."""
    assert reached_parts(ci_model, terms[term]) == EXPECTED_REACH[term]


def test_cycle_term_reaches_both_generators_but_not_gen_b_style_encoder(ci_cfg):
    """x_aba = gen_a.decode(gen_b.enc_content(x_ab), gen_a.enc_style(x_a)) reaches all but gen_b.enc_style."""
    cfg = ci_cfg.replace(recon_x_cyc_w=10.0)
    torch.manual_seed(0)
    model = MUNIT(cfg)
    out = gen_losses(model, random_images((1, 3, 32, 32), 1), random_images((1, 3, 32, 32), 2),
                     rng=torch.Generator().manual_seed(0))
    assert reached_parts(model, out["cyc_x_a"]) == (A_ALL | B_ALL) - {"gen_b.enc_style"}
    assert reached_parts(model, out["cyc_x_b"]) == (A_ALL | B_ALL) - {"gen_a.enc_style"}


def test_discriminator_loss_reaches_only_the_discriminators(ci_model, ci_images):
    """dis_losses translates under no_grad: its total reaches dis_a and dis_b and no generator."""
    out = dis_losses(ci_model, *ci_images, rng=torch.Generator().manual_seed(0))
    assert reached_parts(ci_model, out["total"]) == {"dis_a", "dis_b"}
    assert reached_parts(ci_model, out["dis_a"]) == {"dis_a"}
    assert reached_parts(ci_model, out["dis_b"]) == {"dis_b"}


# --------------------------------------------------------------------------- objective weights
def test_generator_total_weights_each_term_by_its_config_weight(ci_cfg):
    """total = gan_w*adv + recon_x_w*x + recon_s_w*s + recon_c_w*c + recon_x_cyc_w*cyc (paper eq. 5)."""
    cfg = ci_cfg.replace(gan_w=2.0, recon_x_w=3.0, recon_s_w=5.0, recon_c_w=7.0, recon_x_cyc_w=11.0)
    torch.manual_seed(0)
    model = MUNIT(cfg)
    with torch.no_grad():
        t = gen_losses(model, random_images((1, 3, 32, 32), 1), random_images((1, 3, 32, 32), 2),
                       rng=torch.Generator().manual_seed(0))
    expected = (2 * (t["adv_a"] + t["adv_b"]) + 3 * (t["recon_x_a"] + t["recon_x_b"])
                + 5 * (t["recon_s_a"] + t["recon_s_b"]) + 7 * (t["recon_c_a"] + t["recon_c_b"])
                + 11 * (t["cyc_x_a"] + t["cyc_x_b"]))
    torch.testing.assert_close(t["total"], expected)


def test_paper_objective_has_no_cycle_or_perceptual_term(ci_model, ci_images):
    """At the paper weights (cycle 0, vgg 0) the generator terms are adv, x, s and c recon only."""
    with torch.no_grad():
        t = gen_losses(ci_model, *ci_images, rng=torch.Generator().manual_seed(0))
    assert set(t) == {"adv_a", "adv_b", "recon_x_a", "recon_x_b", "recon_s_a", "recon_s_b",
                      "recon_c_a", "recon_c_b", "total"}


def test_discriminator_total_is_gan_weighted_sum(ci_cfg, ci_images):
    """dis total = gan_w * (L_D^a + L_D^b)."""
    torch.manual_seed(0)
    model = MUNIT(ci_cfg.replace(gan_w=3.0))
    with torch.no_grad():
        d = dis_losses(model, *ci_images, rng=torch.Generator().manual_seed(0))
    torch.testing.assert_close(d["total"], 3.0 * (d["dis_a"] + d["dis_b"]))


def test_vgg_weight_without_perceptual_loss_raises(ci_cfg, ci_images):
    """vgg_w > 0 without a PerceptualLoss raises ValueError."""
    torch.manual_seed(0)
    model = MUNIT(ci_cfg.replace(vgg_w=1.0))
    with pytest.raises(ValueError, match="perceptual"):
        gen_losses(model, *ci_images, rng=torch.Generator().manual_seed(0))


# --------------------------------------------------------------------------- optimisers
def test_optimisers_cover_exactly_their_networks_with_paper_settings(ci_model):
    """opt_gen holds exactly the generators' parameters, opt_dis the discriminators'; Adam(1e-4, (0.5, 0.999), wd 1e-4)."""
    opt_gen, opt_dis = make_optimizers(ci_model)
    gen_ids = {id(p) for p in list(ci_model.gen_a.parameters()) + list(ci_model.gen_b.parameters())}
    dis_ids = {id(p) for p in list(ci_model.dis_a.parameters()) + list(ci_model.dis_b.parameters())}
    for opt, ids in ((opt_gen, gen_ids), (opt_dis, dis_ids)):
        assert isinstance(opt, torch.optim.Adam)
        held = [id(p) for group in opt.param_groups for p in group["params"]]
        assert len(held) == len(set(held)) and set(held) == ids
        for group in opt.param_groups:
            assert group["lr"] == pytest.approx(1e-4)
            assert tuple(group["betas"]) == pytest.approx((0.5, 0.999))
            assert group["weight_decay"] == pytest.approx(1e-4)


def test_step_schedule_halves_the_learning_rate_every_step_size(ci_model, ci_cfg):
    """StepLR: lr 1e-4 until step_size iterations, then 5e-5, then 2.5e-5 (ci step_size 10)."""
    optimizers = make_optimizers(ci_model)
    schedulers = make_schedulers(optimizers, ci_cfg)
    seen = []
    for _ in range(2 * ci_cfg.step_size):
        for opt in optimizers:
            opt.step()  # no gradients: leaves the parameters alone
        for sched in schedulers:
            sched.step()
        seen.append([opt.param_groups[0]["lr"] for opt in optimizers])
    assert seen[ci_cfg.step_size - 2] == pytest.approx([1e-4, 1e-4])
    assert seen[ci_cfg.step_size - 1] == pytest.approx([5e-5, 5e-5])
    assert seen[2 * ci_cfg.step_size - 1] == pytest.approx([2.5e-5, 2.5e-5])


def test_constant_policy_keeps_the_learning_rate(ci_model, ci_cfg):
    """lr_policy 'constant' never changes the learning rate."""
    optimizers = make_optimizers(ci_model)
    schedulers = make_schedulers(optimizers, ci_cfg.replace(lr_policy="constant"))
    for _ in range(3 * ci_cfg.step_size):
        for opt in optimizers:
            opt.step()
        for sched in schedulers:
            sched.step()
    assert [opt.param_groups[0]["lr"] for opt in optimizers] == pytest.approx([1e-4, 1e-4])


# --------------------------------------------------------------------------- one iteration
def fresh_model(cfg, seed: int = 0) -> MUNIT:
    torch.manual_seed(seed)
    return MUNIT(cfg)


def snapshot(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def changed(before: dict[str, torch.Tensor], module: torch.nn.Module) -> bool:
    return any(not torch.equal(before[k], v) for k, v in module.state_dict().items())


EXPECTED_NAMES = {"dis_a", "dis_b", "dis_total", "gen_adv_a", "gen_adv_b", "gen_recon_x_a", "gen_recon_x_b",
                  "gen_recon_s_a", "gen_recon_s_b", "gen_recon_c_a", "gen_recon_c_b", "gen_total"}


def test_train_step_updates_all_networks_and_returns_named_finite_floats(ci_cfg, ci_images):
    """One train_step changes both discriminators and both generators and returns finite float losses."""
    model = fresh_model(ci_cfg)
    opt_gen, opt_dis = make_optimizers(model)
    before = {name: snapshot(getattr(model, name)) for name in ("gen_a", "gen_b", "dis_a", "dis_b")}
    out = train_step(model, opt_gen, opt_dis, *ci_images, rng=torch.Generator().manual_seed(0))
    assert set(out) == EXPECTED_NAMES
    assert all(type(v) is float and math.isfinite(v) for v in out.values())
    assert all(changed(before[name], getattr(model, name)) for name in before)


def test_train_step_is_reproducible_with_the_same_seeds(ci_cfg, ci_images):
    """Same model seed and same style generator seed: identical losses and parameters after two steps."""
    results = []
    for _ in range(2):
        model = fresh_model(ci_cfg)
        opt_gen, opt_dis = make_optimizers(model)
        rng = torch.Generator().manual_seed(7)
        losses = [train_step(model, opt_gen, opt_dis, *ci_images, rng=rng) for _ in range(2)]
        results.append((losses, snapshot(model)))
    (losses_1, state_1), (losses_2, state_2) = results
    assert losses_1 == losses_2
    assert all(torch.equal(state_1[k], state_2[k]) for k in state_1)


def test_train_step_styles_come_from_the_given_generator(ci_cfg, ci_images):
    """A different style-generator seed gives different losses from the same model and images."""
    outs = []
    for seed in (0, 1):
        model = fresh_model(ci_cfg)
        opt_gen, opt_dis = make_optimizers(model)
        outs.append(train_step(model, opt_gen, opt_dis, *ci_images, rng=torch.Generator().manual_seed(seed)))
    assert outs[0]["dis_total"] != outs[1]["dis_total"]
    assert outs[0]["gen_total"] != outs[1]["gen_total"]


def test_train_step_updates_discriminators_then_generators_with_fresh_styles(ci_cfg, ci_images):
    """train_step = D step with styles #1, #2 from the rng, then G step (after the D update) with fresh styles #3, #4."""
    x_a, x_b = ci_images
    model = fresh_model(ci_cfg)
    replica = copy.deepcopy(model)
    opt_gen, opt_dis = make_optimizers(model)
    out = train_step(model, opt_gen, opt_dis, x_a, x_b, rng=torch.Generator().manual_seed(5))

    draws = torch.Generator().manual_seed(5)
    s1, s2, s3, s4 = (torch.randn(2, 8, generator=draws) for _ in range(4))
    rep_gen, rep_dis = make_optimizers(replica)
    d = dis_losses(replica, x_a, x_b, s_a=s1, s_b=s2)
    d["total"].backward()
    rep_dis.step()
    rep_gen.zero_grad(set_to_none=True)
    g = gen_losses(replica, x_a, x_b, s_a=s3, s_b=s4)
    g["total"].backward()
    rep_gen.step()

    assert out["dis_total"] == pytest.approx(float(d["total"].detach()), rel=1e-6)
    assert out["gen_total"] == pytest.approx(float(g["total"].detach()), rel=1e-6)
    for name in ("gen_a", "gen_b", "dis_a", "dis_b"):
        ours, theirs = getattr(model, name).state_dict(), getattr(replica, name).state_dict()
        for k in ours:
            torch.testing.assert_close(ours[k], theirs[k], msg=f"{name}.{k}")


def test_the_generator_update_leaves_the_discriminators_weights_without_gradient_and_trainable(ci_cfg):
    """The G step freezes D's weights while it back-propagates through D (a saving, not a change):
    afterwards every D parameter is trainable again, and both updates left their gradients."""
    from munit_lib import MUNIT
    from munit_lib.training import make_optimizers, train_step
    from munit_test_helpers import random_images

    torch.manual_seed(0)
    model = MUNIT(ci_cfg)
    opt_gen, opt_dis = make_optimizers(model)
    train_step(model, opt_gen, opt_dis, random_images((1, 3, 32, 32), 1), random_images((1, 3, 32, 32), 2))
    dis = list(model.dis_a.parameters()) + list(model.dis_b.parameters())
    assert all(p.requires_grad for p in dis)
    assert all(p.grad is not None for p in dis)  # from the D step, which ran first
    gens = list(model.gen_a.parameters()) + list(model.gen_b.parameters())
    assert all(p.grad is not None for p in gens)


def test_train_step_options_are_named(ci_cfg, ci_images):
    """train_step(model, opt_gen, opt_dis, x_a, x_b) is the whole positional signature; the
    options (rng, perceptual, autocast_dtype, objectives, iteration) must be named."""
    model = MUNIT(ci_cfg)
    opt_gen, opt_dis = make_optimizers(model)
    with pytest.raises(TypeError):
        train_step(model, opt_gen, opt_dis, *ci_images, None, torch.Generator().manual_seed(0))
    out = train_step(model, opt_gen, opt_dis, *ci_images, rng=torch.Generator().manual_seed(0), iteration=1)
    assert math.isfinite(out["gen_total"]) and math.isfinite(out["dis_total"])


# ----------------------------------------------------------------------------- objectives (for DDP)
def test_objectives_register_exactly_the_networks_their_update_trains(ci_cfg):
    """DDP averages the gradients of every parameter its module registers: DisObjective must hold
    the discriminators only and GenObjective the generators only, each once. Holding the model as
    a plain attribute would register all four networks (and every weight twice in state_dict)."""
    model = fresh_model(ci_cfg)
    for objective, parts in ((DisObjective(model), ("dis_a", "dis_b")), (GenObjective(model), ("gen_a", "gen_b"))):
        expected = [p for name in parts for p in getattr(model, name).parameters()]
        registered = [p for _, p in objective.named_parameters(remove_duplicate=False)]
        assert len(registered) == len(expected) and {id(p) for p in registered} == {id(p) for p in expected}
        keys = set(objective.state_dict())
        assert keys == {f"{name}.{k}" for name in parts for k in getattr(model, name).state_dict()}
        assert [name for name, _ in objective.named_children()] == list(parts)


def test_objectives_take_the_model_per_call_and_refuse_another_model(ci_cfg, ci_images):
    model, other = fresh_model(ci_cfg), fresh_model(ci_cfg)
    s_a, s_b = torch.randn(2, 2, 8, generator=torch.Generator().manual_seed(0))
    d = DisObjective(model)(model, *ci_images, s_a, s_b)
    assert d["total"].item() == pytest.approx(dis_losses(model, *ci_images, s_a, s_b)["total"].item(), rel=1e-6)
    with pytest.raises(ValueError, match="built for another model: its dis_a"):
        DisObjective(model)(other, *ci_images, s_a, s_b)
    with pytest.raises(ValueError, match="built for another model: its gen_a"):
        GenObjective(model)(other, *ci_images, s_a, s_b)


def test_train_step_with_the_objective_modules_equals_the_plain_functions(ci_cfg, ci_images):
    """``objectives=(DisObjective(model), GenObjective(model))`` (what the trainer wraps in DDP)
    gives the same losses and weights as the default plain functions."""
    results = []
    for use_modules in (False, True):
        model = fresh_model(ci_cfg)
        opt_gen, opt_dis = make_optimizers(model)
        objectives = (DisObjective(model), GenObjective(model)) if use_modules else None
        losses = [train_step(model, opt_gen, opt_dis, *ci_images, rng=torch.Generator().manual_seed(3),
                             objectives=objectives) for _ in range(2)]
        results.append((losses, snapshot(model)))
    (plain_losses, plain_state), (module_losses, module_state) = results
    assert plain_losses == module_losses
    assert all(torch.equal(plain_state[k], module_state[k]) for k in plain_state)
