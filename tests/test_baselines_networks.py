"""The baselines' networks against the original implementations' layouts (tests/data/baselines_keys.json,
a copy of the course's reference file): exact parameter counts, ordered keys and shapes at each
headline configuration, a round trip of an original-layout state dict, and the CPU variants at 64x64."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch import nn

from munit_lib.baselines import (BicycleGAN, CycleGAN, MultiPatchGAN, PatchGAN, ResNetEncoder, ResnetGenerator, UNIT,
                                 UnetGenerator, UNITGenerator, cpu_config, headline_config, unit_discriminator)
from munit_lib.baselines.bicyclegan import unet_levels
from munit_lib.baselines.cyclegan import (CycleGANConfig, PersistentDropout, dropout_at_test, dropout_layers,
                                          with_persistent_dropout)
from munit_lib.networks import count_parameters
from munit_test_helpers import random_images

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def reference() -> dict:
    with open(DATA / "baselines_keys.json", encoding="utf-8") as handle:
        return json.load(handle)


# network builders at the headline configuration, with where its layout sits in the reference file
HEADLINE = {
    "unit_generator": (lambda: UNITGenerator(3, 64), ("UNIT", "generator"), 11_140_483),
    "unit_discriminator": (lambda: unit_discriminator(3, 64), ("UNIT", "discriminator"), 8_271_171),
    "cyclegan_generator": (lambda: ResnetGenerator(3, 3, 64, 9), ("CycleGAN", "netG"), 11_378_179),
    "cyclegan_discriminator": (lambda: PatchGAN(3, 64), ("CycleGAN", "netD"), 2_764_737),
    "bicyclegan_generator": (lambda: UnetGenerator(1, 3, 8, 8, 64, "all"), ("BicycleGAN", "netG"), 54_792_579),
    "bicyclegan_encoder": (lambda: ResNetEncoder(3, 8, 64), ("BicycleGAN", "netE"), 2_590_032),
    "bicyclegan_discriminator": (lambda: MultiPatchGAN(3, 64), ("BicycleGAN", "netD"), 3_458_978),
}


def _reference_entries(reference: dict, where: tuple[str, str]) -> list[dict]:
    model, net = where
    return reference[model][net]["state_dict"]


@pytest.mark.parametrize("name", list(HEADLINE))
def test_headline_parameter_count_and_exact_layout(name, reference):
    """Same count as the original, and the same state-dict entries in the same order with the same shapes."""
    build, where, count = HEADLINE[name]
    net = build()
    assert count_parameters(net) == count == reference[where[0]][where[1]]["parameter_count"]
    ours = [(k, list(v.shape)) for k, v in net.state_dict().items()]
    theirs = [(e["key"], e["shape"]) for e in _reference_entries(reference, where)]
    assert ours == theirs
    params = dict(net.named_parameters())
    assert all(e["kind"] == "parameter" and e["key"] in params for e in _reference_entries(reference, where))


def test_bicyclegan_discriminator2_has_the_same_layout_as_d(reference):
    assert reference["BicycleGAN"]["netD2"]["state_dict"] == reference["BicycleGAN"]["netD"]["state_dict"]
    model = BicycleGAN(headline_config("bicyclegan"))
    assert list(model.dis2.state_dict()) == list(model.dis.state_dict())
    assert count_parameters(model.gen) == 54_792_579 and count_parameters(model.enc) == 2_590_032


@pytest.mark.parametrize("build, count", [
    (lambda: UNITGenerator(3, 16), 700_771),
    (lambda: unit_discriminator(3, 16), 519_507),
    (lambda: ResnetGenerator(3, 3, 16, 9), 715_651),
    (lambda: ResnetGenerator(3, 3, 64, 6), 7_837_699),
    (lambda: PatchGAN(3, 16), 175_089),
    (lambda: UnetGenerator(1, 3, 8, 8, 16), 3_499_107),
    (lambda: UnetGenerator(1, 3, 8, 8, 64, "input"), 54_415_747),
    (lambda: UnetGenerator(1, 3, 8, 6, 64), 29_493_635),
    (lambda: UnetGenerator(1, 3, 8, 6, 16), 1_892_963),
    (lambda: ResNetEncoder(3, 8, 16), 163_680),
    (lambda: MultiPatchGAN(3, 16), 219_626),
])
def test_variant_parameter_counts_match_the_reference_notes(build, count):
    """The counts the reference notes give for narrow, 6-block and 64x64 variants."""
    assert count_parameters(build()) == count


def test_unit_encoder_and_decoder_split_as_the_release():
    gen = UNITGenerator(3, 64)
    assert count_parameters(gen.enc) == 5_385_856 and count_parameters(gen.dec) == 5_754_627


def test_unet_dropout_sits_in_the_middle_8ngf_levels():
    """Three dropout layers at 8 levels (the three middle 8 ngf blocks), one at 6, none when switched off."""
    def dropouts(net):
        return sum(isinstance(m, nn.Dropout) for m in net.modules())

    assert dropouts(UnetGenerator(1, 3, 8, 8, 16)) == 3
    assert dropouts(UnetGenerator(3, 3, 8, 6, 16)) == 1
    assert dropouts(UnetGenerator(3, 3, 8, 6, 16, use_dropout=False)) == 0
    assert unet_levels(256) == 8 and unet_levels(64) == 6
    with pytest.raises(ValueError, match="power-of-two"):
        unet_levels(48)


@pytest.mark.parametrize("name", ["unit_generator", "cyclegan_discriminator", "bicyclegan_encoder",
                                  "bicyclegan_discriminator", "bicyclegan_generator"])
def test_original_layout_state_dict_round_trips(name, reference, tmp_path):
    """A state dict written in the original layout (random values, shapes from the reference) saves,
    reads back with weights_only=True and loads strictly, every value landing where it was."""
    build, where, _ = HEADLINE[name]
    g = torch.Generator().manual_seed(0)
    original = {e["key"]: torch.randn(e["shape"], generator=g) for e in _reference_entries(reference, where)}
    path = tmp_path / "net.pth"
    torch.save(original, path)
    net = build()
    net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True), strict=True)
    loaded = net.state_dict()
    assert list(loaded) == list(original)
    for key, value in original.items():
        assert torch.equal(loaded[key], value), key


def test_unit_checkpoint_in_the_release_format_round_trips(tmp_path):
    """gen_XXXXXXXX.pt = {"a": gen_a, "b": gen_b}: saved from one model, loaded into another, same translations."""
    torch.manual_seed(0)
    source = UNIT(cpu_config("unit")).eval()
    path = tmp_path / "gen_00000001.pt"
    torch.save({"a": source.gen_a.state_dict(), "b": source.gen_b.state_dict()}, path)
    torch.manual_seed(1)
    target = UNIT(cpu_config("unit")).eval()
    x = random_images((1, 3, 64, 64), 3)
    assert not torch.allclose(source.translate(x), target.translate(x))
    state = torch.load(path, map_location="cpu", weights_only=True)
    target.gen_a.load_state_dict(state["a"])
    target.gen_b.load_state_dict(state["b"])
    torch.testing.assert_close(source.translate(x, "a2b"), target.translate(x, "a2b"), rtol=0, atol=0)
    torch.testing.assert_close(source.translate(x, "b2a"), target.translate(x, "b2a"), rtol=0, atol=0)


# ----------------------------------------------------------------------------- CPU variants at 64x64
def test_unit_shapes_at_64():
    torch.manual_seed(0)
    model = UNIT(cpu_config("unit")).eval()
    x = random_images((2, 3, 64, 64), 1)
    h, noise = model.gen_a.encode(x)
    assert h.shape == noise.shape == (2, 64, 16, 16)
    assert model.gen_a.decode(h).shape == (2, 3, 64, 64)
    assert [tuple(s.shape) for s in model.dis_a(x)] == [(2, 1, 4, 4), (2, 1, 2, 2), (2, 1, 1, 1)]
    # the test-time translation decodes the mean alone: deterministic
    torch.testing.assert_close(model.translate(x), model.translate(x), rtol=0, atol=0)


def test_cyclegan_shapes_at_64_and_noise_channels():
    torch.manual_seed(0)
    plain = CycleGAN(cpu_config("cyclegan")).eval()
    noisy = CycleGAN(cpu_config("cyclegan_noise")).eval()
    x = random_images((2, 3, 64, 64), 1)
    assert plain.translate(x).shape == (2, 3, 64, 64)
    assert plain.dis_b(x).shape == (2, 1, 6, 6)
    # CycleGAN*: the first conv takes 3 + 8 channels; the noise changes the output
    assert noisy.gen_b.model[1].weight.shape[1] == 3 + 8
    z1, z2 = torch.randn(2, 8, generator=torch.Generator().manual_seed(1)), torch.zeros(2, 8)
    assert not torch.allclose(noisy.translate(x, z=z1), noisy.translate(x, z=z2))
    with pytest.raises(ValueError, match="needs noise z shaped"):
        noisy.gen_b(x)
    with pytest.raises(ValueError, match="takes no noise"):
        plain.gen_b(x, z1)


@pytest.mark.parametrize("width, count", [(4, 115_483), (16, 1_832_035)])
def test_cyclegan_unet_is_the_papers_cyclegan_star(width, count):
    """MUNIT's CycleGAN*: both generators pix2pix's U-Net (6 levels at 64 px) with z at the input only,
    the layout of a plain UnetGenerator, and its one dropout layer kept on in eval mode."""
    model = CycleGAN(cpu_config("cyclegan_unet", width=width))
    assert model.cfg.generator == "unet" and model.nz == 8
    for gen in (model.gen_a, model.gen_b):
        assert isinstance(gen, UnetGenerator) and gen.levels == 6
        assert count_parameters(gen) == count
        assert gen.model.down[0].weight.shape[1] == 3 + 8  # the noise enters with the image ...
        assert gen.model.submodule.down[1].weight.shape[1] == width  # ... and nowhere else
        assert [type(m) for m in gen.modules() if isinstance(m, nn.Dropout)] == [PersistentDropout]
    plain = UnetGenerator(3, 3, 8, 6, width, "input")
    assert [(k, v.shape) for k, v in model.gen_b.state_dict().items()] == \
           [(k, v.shape) for k, v in plain.state_dict().items()]
    assert count_parameters(model.dis_a) == count_parameters(CycleGAN(cpu_config("cyclegan", width=width)).dis_a)
    assert count_parameters(CycleGAN(headline_config("cyclegan_unet")).gen_b) == 54_417_795  # 8 levels at 256
    assert model.eval().test_dropout  # eval() leaves it on
    with pytest.raises(ValueError, match="give it noise"):
        CycleGAN(CycleGANConfig(nz=0, generator="unet", image_size=64))
    with pytest.raises(ValueError, match="generator must be one of"):
        CycleGAN(CycleGANConfig(generator="unet_256"))


def test_cyclegan_unet_is_random_through_noise_and_dropout():
    """Eval mode: with dropout off the noise alone changes the output; at a fixed noise dropout does;
    a torch.Generator makes a translation repeatable; the layers' settings come back after each call."""
    torch.manual_seed(0)
    model = CycleGAN(cpu_config("cyclegan_unet", width=8)).eval()
    x = random_images((2, 3, 64, 64), 1)
    z1, z2 = (torch.randn(2, 8, generator=torch.Generator().manual_seed(s)) for s in (1, 2))
    for direction in ("a2b", "b2a"):
        off = model.translate(x, direction, z=z1, dropout=False)
        torch.testing.assert_close(off, model.translate(x, direction, z=z1, dropout=False), rtol=0, atol=0)
        assert (off - model.translate(x, direction, z=z2, dropout=False)).abs().max() > 1e-4  # z reaches the output
        on1, on2 = model.translate(x, direction, z=z1), model.translate(x, direction, z=z1)
        assert (on1 - on2).abs().max() > 1e-4 and (on1 - off).abs().max() > 1e-4  # dropout at test time
    seeded = [model.translate(x, generator=torch.Generator().manual_seed(3)) for _ in range(2)]
    torch.testing.assert_close(seeded[0], seeded[1], rtol=0, atol=0)  # z, then the masks, from the generator
    assert (seeded[0] - model.translate(x, generator=torch.Generator().manual_seed(4))).abs().max() > 1e-4
    assert model.test_dropout and all(m.generator is None for m in dropout_layers(model))
    with dropout_at_test(model, on=False):
        assert not model.test_dropout
        torch.testing.assert_close(model.gen_b(x, z1), model.translate(x, z=z1, dropout=False), rtol=0, atol=0)
    assert model.test_dropout


def test_persistent_dropout_ignores_the_mode_and_loads_plain_dropout_weights():
    layer = PersistentDropout(0.5).eval()
    x = torch.ones(4000)
    y = layer(x)
    assert set(y.unique().tolist()) == {0.0, 2.0} and 0.45 < float((y == 0).float().mean()) < 0.55
    layer.active = False
    assert layer(x) is x
    net = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.25))
    state = net.state_dict()
    with_persistent_dropout(net)
    assert isinstance(net[1], PersistentDropout) and net[1].p == 0.25
    net.load_state_dict(state, strict=True)


def test_bicyclegan_shapes_at_64():
    torch.manual_seed(0)
    model = BicycleGAN(cpu_config("bicyclegan")).eval()
    assert model.gen.levels == 6
    a, b = random_images((2, 3, 64, 64), 1), random_images((2, 3, 64, 64), 2)
    mu, logvar = model.enc(b)
    assert mu.shape == logvar.shape == (2, 8)
    assert model.translate(a).shape == (2, 3, 64, 64)
    assert [tuple(s.shape) for s in model.dis(b)] == [(2, 1, 6, 6), (2, 1, 2, 2)]
    # example-guided: the reference's mu is the code
    torch.testing.assert_close(model.translate(a, reference=b), model.gen(a, mu), rtol=0, atol=0)


def test_bicyclegan_8_level_unet_refuses_64x64_with_a_clear_message():
    net = UnetGenerator(3, 3, 8, 8, 16)
    with pytest.raises(ValueError, match="at least 256"):
        net(random_images((1, 3, 64, 64), 1), torch.zeros(1, 8))


@pytest.mark.parametrize("net, shape, message", [
    (lambda: UNITGenerator(3, 16).encode, (1, 1, 64, 64), "expects 3 channels"),
    (lambda: PatchGAN(3, 16), (1, 3, 16, 16), "at least 32"),
    (lambda: ResNetEncoder(3, 8, 16), (3, 64, 64), r"\(B, C, H, W\)"),
])
def test_bad_inputs_are_named(net, shape, message):
    with pytest.raises(ValueError, match=message):
        net()(torch.zeros(shape))
