"""munit_lib.evaluation.propositions (the paper's propositions measured) on inputs whose answers are known."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch.testing import assert_close

from munit_lib import Generator, MUNITConfig
from munit_lib.evaluation.propositions import (content_features, content_probe, cycle_errors, dependence,
                                               encode_styles, energy_distance, kind_colour_dependence, plain_cycle,
                                               prior_match, reconstruction_errors, style_augmented_cycle,
                                               style_round_trip)
from munit_lib.data import ShapesDomain
from munit_lib.data.shapes import PALETTE
from munit_lib.evaluation.shapes import sketch_mask
from munit_test_helpers import random_images

D = 4  # style length of the toy generators


class PixelStyleGenerator(nn.Module):
    """A toy generator that inverts itself exactly: the style is written in (and read from) the
    first D pixels of the image's first row; the content is the image with those pixels zeroed.
    Images (N, 1, 8, 8)."""

    style_dim = D

    def __init__(self) -> None:
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(()))  # a parameter, so the analysis finds a device

    def encode_content(self, x):
        c = x.clone()
        c[:, 0, 0, :D] = 0
        return c

    def encode_style(self, x):
        return x[:, 0, 0, :D].clone()

    def encode(self, x):
        return self.encode_content(x), self.encode_style(x)

    def decode(self, c, s):
        x = c.clone()
        x[:, 0, 0, :D] = s
        return x


class ConstantStyleGenerator(PixelStyleGenerator):
    """Content = the whole image, style encoder constant, decoder ignores the style."""

    def __init__(self, value: torch.Tensor) -> None:
        super().__init__()
        self.value = value

    def encode_content(self, x):
        return x.clone()

    def encode_style(self, x):
        return self.value.expand(x.shape[0], -1).clone()

    def decode(self, c, s):
        return c.clone()


def _prior(n, d=D, seed=0):
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed))


# ----------------------------------------------------------------------------- inversion
def test_exact_inverse_has_zero_reconstruction_errors():
    gen_a, gen_b = PixelStyleGenerator(), PixelStyleGenerator()
    x_a, x_b = random_images((10, 1, 8, 8), 1), random_images((7, 1, 8, 8), 2)
    errors = reconstruction_errors(gen_a, gen_b, x_a, x_b, batch=3)
    assert set(errors) == {"image_a", "image_b", "content_a", "content_b", "style_a", "style_b"}
    assert all(v == pytest.approx(0.0, abs=1e-7) for v in errors.values())


def test_constant_style_encoder_style_error_is_distance_to_the_constant():
    value = torch.tensor([[0.5, -1.0, 2.0, 0.0]])
    gen = ConstantStyleGenerator(value)
    x_a, x_b = random_images((12, 1, 8, 8), 3), random_images((9, 1, 8, 8), 4)
    errors = reconstruction_errors(gen, gen, x_a, x_b, seed=5)
    s_a, s_b = _prior(9, seed=6), _prior(12, seed=5)  # the styles reconstruction_errors draws
    assert errors["style_b"] == pytest.approx(float((value - s_b).abs().mean()), rel=1e-6)
    assert errors["style_a"] == pytest.approx(float((value - s_a).abs().mean()), rel=1e-6)
    assert errors["image_a"] == pytest.approx(0.0) and errors["content_b"] == pytest.approx(0.0)


def test_style_round_trip_exact_and_constant():
    x = random_images((20, 1, 8, 8), 7)
    exact = style_round_trip(PixelStyleGenerator(), PixelStyleGenerator(), x, seed=1, batch=6)
    assert exact["true"].shape == exact["recovered"].shape == (20, D)
    assert torch.equal(exact["true"], _prior(20, seed=1))
    assert exact["error"] == pytest.approx(0.0) and torch.allclose(exact["corr_per_dim"], torch.ones(D))

    value = torch.tensor([[1.0, 2.0, 3.0, 4.0]])
    const = style_round_trip(ConstantStyleGenerator(value), ConstantStyleGenerator(value), x, seed=1)
    assert torch.equal(const["recovered"], value.expand(20, -1))
    assert torch.allclose(const["error_per_dim"], (value - const["true"]).abs().mean(0))
    assert torch.equal(const["corr_per_dim"], torch.zeros(D))  # a constant code tells nothing


def test_style_round_trip_rejects_wrong_styles():
    with pytest.raises(ValueError, match=r"styles must be shaped \(5, 4\)"):
        style_round_trip(PixelStyleGenerator(), PixelStyleGenerator(), random_images((5, 1, 8, 8), 0),
                         styles=torch.zeros(5, 3))
    with pytest.raises(ValueError, match="x must be an image batch"):
        style_round_trip(PixelStyleGenerator(), PixelStyleGenerator(), torch.zeros(1, 8, 8))


def test_real_generator_with_constant_style_encoder():
    """A munit_lib Generator whose style encoder's last conv is zero with a bias: every image
    encodes to that bias, and the prior test says so."""
    cfg = MUNITConfig.profile_named("ci")
    torch.manual_seed(0)
    gen = Generator(cfg).eval()
    head = gen.enc_style.model[-1]  # the final 1x1 conv
    with torch.no_grad():
        head.weight.zero_()
        head.bias.copy_(torch.linspace(-1, 1, cfg.style_dim))
    x = random_images((16, 3, 32, 32), 8)
    styles = encode_styles(gen, x, batch=5)
    assert torch.allclose(styles, torch.linspace(-1, 1, cfg.style_dim).expand(16, -1))
    match = prior_match(styles, n_permutations=50)
    assert torch.allclose(match["std"], torch.zeros(cfg.style_dim))
    assert match["energy"] > 0.5 and match["p_value"] < 0.05
    trip = style_round_trip(gen, gen, x, seed=2)
    assert trip["error"] == pytest.approx(float((styles - trip["true"]).abs().mean()), rel=1e-5)


# ----------------------------------------------------------------------------- latent matching
def test_energy_distance_known_values():
    x = torch.zeros(2, 1)
    y = torch.ones(3, 1)
    assert energy_distance(x, y) == pytest.approx(2.0)  # 2 * 1 - 0 - 0
    assert energy_distance(x, x) == pytest.approx(0.0)
    with pytest.raises(ValueError, match=r"\(n, d\) and \(m, d\)"):
        energy_distance(torch.zeros(4, 2), torch.zeros(4, 3))


def test_prior_samples_match_the_prior_and_shifted_ones_do_not():
    s = _prior(400, 8, seed=11)
    match = prior_match(s, seed=3, n_permutations=100)
    assert abs(match["energy"]) < 0.05 and match["p_value"] > 0.05
    assert match["cov_error"] < 0.2 and match["mean_norm"] < 0.3
    assert match["cov"].shape == (8, 8) and match["mean"].shape == match["std"].shape == (8,)
    shifted = prior_match(s + 0.5, seed=3, n_permutations=100)
    assert shifted["energy"] > 0.3 and shifted["p_value"] < 0.05
    assert shifted["mean_norm"] == pytest.approx(match["mean_norm"] + 0.5 * math.sqrt(8), abs=0.35)


def test_content_probe_on_generators():
    gen = ConstantStyleGenerator(torch.zeros(1, D))  # content = the image itself
    x_a = random_images((60, 1, 8, 8), 1)
    assert content_features(gen, x_a).shape == (60, 2)  # mean and std of the one channel
    assert content_features(gen, x_a, pooled=False).shape == (60, 64)
    same = content_probe(gen, gen, x_a, random_images((60, 1, 8, 8), 2))
    brighter = content_probe(gen, gen, x_a, random_images((60, 1, 8, 8), 2) * 0.5 + 0.5)
    assert abs(same["test_accuracy"] - 0.5) < 0.2
    assert brighter["test_accuracy"] > 0.95


# ----------------------------------------------------------------------------- joint matching
def test_dependence_independent_and_determined():
    xs = ["circle", "star", "cross"] * 8
    ys = [c for c in ("red", "blue", "green", "pink") for _ in range(6)]  # every (x, y) pair twice
    indep = dependence(xs, ys)
    assert indep["chi2"] == pytest.approx(0.0) and indep["mutual_information"] == pytest.approx(0.0, abs=1e-12)
    assert indep["p_value"] == pytest.approx(1.0) and indep["cramers_v"] == pytest.approx(0.0)
    assert indep["table"].sum() == 24 and indep["dof"] == 6

    ys_same = [{"circle": "red", "star": "blue", "cross": "green"}[x] for x in xs] + [None]
    det = dependence(xs + ["star"], ys_same)
    assert det["n_dropped"] == 1 and det["n"] == 24
    assert det["mutual_information"] == pytest.approx(math.log2(3))
    assert det["chi2"] == pytest.approx(24 * 2) and det["cramers_v"] == pytest.approx(1.0)
    assert det["p_value"] < 1e-6
    with pytest.raises(ValueError, match="one of each per item"):
        dependence(["a"], ["b", "c"])


class Painter(PixelStyleGenerator):
    """Paints a sketch's shape region (``sketch_mask``) in red or blue by the sign of s[0]."""

    style_dim = 8

    def encode_content(self, x):
        return x

    def decode(self, c, s):
        s = s.expand(c.shape[0], -1)
        mask = sketch_mask(c).unsqueeze(1)  # (B, 1, H, W)
        red, blue = [torch.tensor(PALETTE[k], dtype=torch.float32).view(1, 3, 1, 1) / 127.5 - 1 for k in ("red", "blue")]
        colour = torch.where(s[:, :1, None, None] > 0, red, blue)  # (B, 3, 1, 1)
        return torch.where(mask, colour, torch.ones_like(c))


class KindPainter(Painter):
    """Like :class:`Painter`, but the kind moves the threshold: red when s[0] > -0.8 for circles,
    squares and triangles, when s[0] > 0.2 for the other kinds (it looks each sketch's kind up)."""

    def __init__(self, sketches, n):
        super().__init__()
        self.kinds = {sketches[i].numpy().tobytes(): sketches.ground_truth(i).kind for i in range(n)}

    def decode(self, c, s):
        s = s.expand(c.shape[0], -1)
        low = torch.tensor([self.kinds[x.numpy().tobytes()] in ("circle", "square", "triangle") for x in c])
        shifted = s.clone()
        shifted[:, 0] = torch.where(low, s[:, 0] + 0.8, s[:, 0] - 0.2)  # Painter's rule is red iff > 0
        return super().decode(c, shifted)


class StyleRecorder(Painter):
    """A Painter that keeps every style it is given."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def decode(self, c, s):
        self.seen.append(s.clone())
        return super().decode(c, s)


def test_kind_colour_dependence_gives_each_translation_its_own_style():
    sketches = ShapesDomain("a", "test", 32, 24)
    gen = StyleRecorder()
    result = kind_colour_dependence(gen, gen, sketches, n=10, num_styles=3, seed=5, batch=7)
    seen = torch.cat(gen.seen)
    assert seen.shape == (30, 8)  # 10 sketches x 3 draws, in batches of about 7 translations
    assert_close(seen, _prior(30, 8, seed=5))  # row i * 3 + k: draw k of sketch i, from the seed alone
    assert result["n"] == 30 and sum(result["colour_counts"].values()) == 30
    again = kind_colour_dependence(Painter(), Painter(), sketches, n=10, num_styles=3, seed=5, batch=64)
    assert again["table"].tolist() == result["table"].tolist()  # the batch size changes nothing
    with pytest.raises(ValueError, match="num_styles must be at least 1"):
        kind_colour_dependence(gen, gen, sketches, n=4, num_styles=0)


def test_kind_colour_dependence_style_only_colours_are_independent_of_kind():
    """Colour from the style alone: the chi-square behaves as under independence (about its
    degrees of freedom on average, rarely significant), neither zero nor large."""
    sketches = ShapesDomain("a", "test", 32, 24)
    gen = Painter()
    result = kind_colour_dependence(gen, gen, sketches, n=24, num_styles=4, seed=0, batch=10)
    assert result["n"] == 96 and result["n_dropped"] == 0
    assert set(result["colour_counts"]) == {"red", "blue"}
    assert result["content_iou"] > 0.95  # the painter keeps the region exactly (up to the reader)
    assert "kind_kept" not in result
    runs = [kind_colour_dependence(gen, gen, sketches, n=24, num_styles=4, seed=seed) for seed in range(10)]
    chi2 = [r["chi2"] for r in runs]
    assert min(chi2) > 0  # the same styles for every kind would give exactly 0
    assert 0.4 * runs[0]["dof"] < sum(chi2) / len(chi2) < 2 * runs[0]["dof"]
    assert sum(r["p_value"] < 0.05 for r in runs) <= 3
    # a kind reader that always answers "circle" is right exactly for the circles
    circles = sum(sketches.ground_truth(i).kind == "circle" for i in range(24)) / 24
    read = kind_colour_dependence(gen, gen, sketches, n=24, num_styles=4, read_kind=lambda x: ["circle"] * len(x))
    assert read["kind_kept"] == pytest.approx(circles) and 0 < circles < 1
    with pytest.raises(ValueError, match="one kind name per image"):
        kind_colour_dependence(gen, gen, sketches, n=4, num_styles=1, read_kind=lambda x: ["circle"])


def test_kind_colour_dependence_detects_colours_that_depend_on_the_kind():
    """The kind moves where the style turns red: about 79% red for three kinds, 42% for the
    others. No code of the 4 that seed 0 draws lies between the two thresholds, so giving every
    sketch those same 4 codes would show no dependence at all; independent draws do."""
    sketches = ShapesDomain("a", "test", 32, 60)
    shared = _prior(4, 8, seed=0)[:, 0]
    assert not ((shared > -0.8) & (shared < 0.2)).any()
    gen = KindPainter(sketches, 60)
    result = kind_colour_dependence(gen, gen, sketches, n=60, num_styles=4, seed=0)
    assert result["n"] == 240
    assert result["p_value"] < 1e-4 and result["mutual_information"] > 0.05
    style_only = kind_colour_dependence(Painter(), Painter(), sketches, n=60, num_styles=4, seed=0)
    assert style_only["p_value"] > 0.01


# ----------------------------------------------------------------------------- cycles
def test_cycles_of_an_exact_inverse():
    gen_a, gen_b = PixelStyleGenerator(), PixelStyleGenerator()
    x1 = random_images((9, 1, 8, 8), 5)
    s2 = _prior(9, seed=1)
    aug = style_augmented_cycle(gen_a, gen_b, x1, s2, batch=4)
    assert aug["image"].shape == aug["style"].shape == (9,)
    assert aug["image_mean"] == pytest.approx(0.0) and aug["style_mean"] == pytest.approx(0.0)
    # the plain cycle goes back with another style: only the D style pixels differ
    s1 = _prior(9, seed=2)
    plain = plain_cycle(gen_a, gen_b, x1, s2, s1)
    expected = (s1 - x1[:, 0, 0, :D]).abs().sum(1) / 64
    assert torch.allclose(plain["image"], expected, atol=1e-6)
    with pytest.raises(ValueError, match=r"s1 must be shaped \(9, 4\)"):
        plain_cycle(gen_a, gen_b, x1, s2, s1[:3])


def test_cycle_errors_with_constant_style_encoders():
    value = torch.full((1, D), 0.25)
    gen = ConstantStyleGenerator(value)
    x_a, x_b = random_images((6, 1, 8, 8), 1), random_images((5, 1, 8, 8), 2)
    errors = cycle_errors(gen, gen, x_a, x_b, seed=4)
    assert errors["aba_image"] == errors["bab_image"] == errors["aba_plain"] == errors["bab_plain"] == 0.0
    assert errors["aba_style"] == pytest.approx(float((_prior(6, seed=4) - value).abs().mean()), rel=1e-6)
    assert errors["bab_style"] == pytest.approx(float((_prior(5, seed=5) - value).abs().mean()), rel=1e-6)
