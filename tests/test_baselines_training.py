"""The baselines through munit_lib's one training path (``model:`` in the config): a few CI-profile
iterations with the same Trainer, its checkpoints and exact resume, samples, exports, and
translation with the same Translator."""
from __future__ import annotations

import pytest
import torch

from munit_lib import MUNITConfig, Translator
from munit_lib.baselines import BicycleGAN, CycleGAN, UNIT
from munit_lib.registry import baseline_config, build_model, load_model
from munit_lib.data import ShapesPairs
from munit_lib.training import Trainer, build_datasets
from munit_lib.data.batches import batch_stream
from munit_test_helpers import random_images

MODELS = ["unit", "cyclegan", "cyclegan_noise", "cyclegan_unet", "bicyclegan"]


def _cfg(model: str, **changes) -> MUNITConfig:
    """The CI profile with ``model``; BicycleGAN at 64x64 (its 2-scale PatchGAN needs 64) and batch 2
    (one encoded pair, one random-z pair); CycleGAN*'s U-Net at 64x64 (6 levels: its first with dropout)."""
    extra = dict(image_size=64, new_size=64, batch_size=2) if model == "bicyclegan" else {}
    if model == "cyclegan_unet":
        extra = dict(image_size=64, new_size=64)
    return MUNITConfig.profile_named("ci", model=model, data_root="shapes:8", lr=2e-4, weight_decay=0.0,
                                     **{**extra, **changes})


def _params(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.named_parameters()}


def test_config_selects_the_model_and_refuses_what_baselines_lack():
    assert MUNITConfig().model == "munit"
    assert isinstance(build_model(_cfg("unit")), UNIT)
    assert isinstance(build_model(_cfg("cyclegan_noise")), CycleGAN) and build_model(_cfg("cyclegan_noise")).nz == 8
    assert isinstance(build_model(_cfg("bicyclegan")), BicycleGAN)
    with pytest.raises(ValueError, match="model='gan' is not one of"):
        MUNITConfig(model="gan")
    with pytest.raises(ValueError, match="ema_decay and vgg_w are MUNIT options"):
        _cfg("unit", ema_decay=0.99)
    # shared keys keep their meaning: widths, residual blocks, the code length
    cyc = baseline_config(_cfg("cyclegan", gen_dim=12, n_res=3))
    assert (cyc.ngf, cyc.n_blocks, cyc.nz) == (12, 3, 0)
    bic = baseline_config(_cfg("bicyclegan", style_dim=4))
    assert (bic.nz, bic.image_size, bic.input_nc) == (4, 64, 3)
    unet = baseline_config(_cfg("cyclegan_unet", style_dim=4))
    assert (unet.generator, unet.nz, unet.use_dropout, unet.image_size) == ("unet", 4, True, 64)
    assert (baseline_config(_cfg("cyclegan_noise")).generator, baseline_config(_cfg("cyclegan")).generator) == \
           ("resnet", "resnet")


def test_bicyclegan_batches_are_aligned_pairs():
    cfg = _cfg("bicyclegan")
    side_a, side_b = build_datasets(cfg)
    pairs = ShapesPairs("train", 64, 8, cfg.seed)
    stream = batch_stream((side_a, side_b), 2, cfg.seed, paired=True)
    for _ in range(5):  # more than one epoch of 8 pairs in batches of 2
        x_a, x_b = next(stream)
        for a, b in zip(x_a, x_b):
            match = [i for i in range(8) if torch.equal(pairs[i][0], a)]
            assert len(match) == 1 and torch.equal(pairs[match[0]][1], b)
    with pytest.raises(ValueError, match="equal length"):
        batch_stream((side_a, ShapesPairs("train", 64, 3).domain("b")), 2, 0, paired=True)


def test_linear_lr_policy_is_constant_then_decays():
    cfg = _cfg("cyclegan", lr_policy="linear", step_size=2, max_iter=6)
    trainer = Trainer(cfg, "unused", progress=False, tensorboard=False)
    rates = []
    for _ in range(6):
        rates.append(trainer.opt_gen.param_groups[0]["lr"])
        trainer.opt_gen.step()
        trainer.sched_gen.step()
    assert rates[:3] == [2e-4] * 3
    assert rates[3:] == pytest.approx([2e-4 * (1 - k / 5) for k in (1, 2, 3)])


@pytest.mark.parametrize("model", MODELS)
def test_train_resume_and_translate(model, tmp_path):
    """4 iterations straight = 2 + resume + 2 (same weights); samples and an export are written; the
    export and the checkpoint translate through the Translator."""
    cfg = _cfg(model)
    straight = Trainer(cfg, tmp_path / "straight", progress=False, tensorboard=False)
    losses = straight.fit(4)
    assert "gen_total" in losses and "dis_total" in losses and losses["lr"] == pytest.approx(2e-4)
    first = Trainer(cfg, tmp_path / "resumed", progress=False, tensorboard=False)
    first.fit(2)
    second = Trainer(cfg, tmp_path / "resumed", progress=False, tensorboard=False)
    second.fit(4, resume=True)
    assert second.iteration == 4
    ours, theirs = _params(straight.model), _params(second.model)
    assert ours.keys() == theirs.keys()
    for key in ours:
        torch.testing.assert_close(ours[key], theirs[key], rtol=0, atol=0, msg=key)
    start = build_model(cfg)
    assert any(not torch.equal(v, _params(start)[k]) for k, v in ours.items())  # training moved the weights

    out = tmp_path / "straight"
    assert (out / "samples" / "a2b_00000004.png").is_file()
    assert (out / "samples" / "b2a_00000004.png").is_file() == (model != "bicyclegan")
    assert (out / "losses.csv").read_text().count("\n") == 5  # header + one row per iteration (ci logs each)
    export = out / "gen_00000004.pt"
    loaded, loaded_cfg = load_model(export)
    assert loaded_cfg.model == model
    if model == "cyclegan_unet":  # loaded in eval mode, dropout still on; the export holds the trained weights
        assert not loaded.training and loaded.test_dropout
        x = random_images((2, 3, 64, 64), 4)
        torch.testing.assert_close(loaded.translate(x, generator=torch.Generator().manual_seed(0)),
                                   straight.model.translate(x, generator=torch.Generator().manual_seed(0)))
    for path in (export, out / "checkpoints" / "last.pt"):
        translator = Translator.from_checkpoint(path)
        x = random_images((2, 3, cfg.image_size, cfg.image_size), 5)
        y = translator.translate_random(x, "a2b", num_styles=3, seed=1)
        assert y.shape == (2, 3, 3, cfg.image_size, cfg.image_size)
        spread = float((y[:, 0] - y[:, 1]).abs().max())
        if model in ("unit", "cyclegan"):
            assert spread == 0.0  # unimodal: the code is ignored
        else:
            assert spread > 0.0  # CycleGAN*'s noise and BicycleGAN's z enter the generator
    if model == "bicyclegan":
        ref = random_images((1, 3, 64, 64), 6)
        guided = translator.translate_guided(x, ref)  # z = mu of the reference
        torch.testing.assert_close(guided[:, 0], loaded.gen(x, loaded.enc(ref)[0].expand(2, -1)))
        with pytest.raises(ValueError, match="translates A -> B only"):
            translator.translate_random(x, "b2a", num_styles=1)
    else:
        assert translator.translate_random(x, "b2a", num_styles=1).shape == (2, 1, 3, cfg.image_size,
                                                                             cfg.image_size)


def test_resume_refuses_another_model(tmp_path):
    Trainer(_cfg("cyclegan"), tmp_path, progress=False, tensorboard=False).fit(1)
    other = Trainer(_cfg("unit"), tmp_path, progress=False, tensorboard=False)
    with pytest.raises(ValueError, match="model: 'cyclegan' vs 'unit'|model: checkpoint 'cyclegan' vs config 'unit'"):
        other.fit(2, resume=True)


@pytest.mark.parametrize("model", MODELS)
def test_fast_shapes_recipes_mirror_munits(model, root):
    """configs/shapes_fast_<model>.yaml: the model it names, MUNIT's fast recipe's data, size, widths and
    iteration budget, and what the original optimises with."""
    cfg = MUNITConfig.from_yaml(root / "configs" / f"shapes_fast_{model}.yaml")
    munit = MUNITConfig.from_yaml(root / "configs" / "shapes_fast_canvas.yaml")  # the recipe they were compared with
    assert cfg.model == model and cfg.ema_decay == 0
    for key in ("data_root", "image_size", "gen_dim", "dis_dim", "max_iter", "seed"):
        assert getattr(cfg, key) == getattr(munit, key), key
    built = build_model(cfg)
    assert type(built).__name__ == {"unit": "UNIT", "cyclegan": "CycleGAN", "cyclegan_noise": "CycleGAN",
                                    "cyclegan_unet": "CycleGAN", "bicyclegan": "BicycleGAN"}[model]
    if model != "unit":  # CycleGAN and BicycleGAN: Adam 2e-4 without weight decay, constant then linear decay
        assert (cfg.lr, cfg.weight_decay, cfg.lr_policy) == (2e-4, 0.0, "linear")
    if model == "bicyclegan":
        assert cfg.batch_size == 2 and built.gen.levels == 6
    if model == "cyclegan_unet":  # the paper's CycleGAN*: the ResNet form's recipe with U-Net generators
        assert built.gen_b.levels == 6 and built.test_dropout
        noise = MUNITConfig.from_yaml(root / "configs" / "shapes_fast_cyclegan_noise.yaml")
        assert cfg.replace(model="cyclegan_noise", n_res=noise.n_res) == noise
