"""Losses: each adversarial variant and reconstruction term against values worked out by hand,
and the perceptual loss's refusal to run without VGG weights."""
from __future__ import annotations

import math

import pytest
import torch

from munit_lib.losses import (PerceptualLoss, content_recon_loss, cycle_recon_loss, discriminator_loss,
                              generator_adversarial_loss, image_recon_loss, recon_loss, style_recon_loss)
from munit_test_helpers import random_images


def full(value: float, shape=(2, 1, 4, 4)) -> torch.Tensor:
    return torch.full(shape, float(value))


def two_scales(first: float, second: float) -> list[torch.Tensor]:
    """Score maps of a 2-scale discriminator, constant per scale (the second scale is coarser)."""
    return [full(first, (2, 1, 4, 4)), full(second, (2, 1, 2, 2))]


# --------------------------------------------------------------------------- LSGAN
def test_lsgan_discriminator_loss_by_hand():
    """LSGAN D loss with every score 0.5 over two scales is 2 * (0.5^2 + (0.5 - 1)^2) = 1."""
    assert float(discriminator_loss(two_scales(0.5, 0.5), two_scales(0.5, 0.5), "lsgan")) == pytest.approx(1.0)


def test_lsgan_discriminator_loss_sums_over_scales_with_own_targets():
    """LSGAN D loss = sum over scales of mean(fake^2) + mean((real - 1)^2), no 0.5 factor."""
    fake, real = two_scales(0.2, -0.4), two_scales(1.5, 0.0)
    expected = (0.2 ** 2 + 0.5 ** 2) + (0.4 ** 2 + 1.0 ** 2)
    assert float(discriminator_loss(fake, real, "lsgan")) == pytest.approx(expected)


def test_lsgan_generator_loss_by_hand():
    """LSGAN G loss = sum over scales of mean((fake - 1)^2): (0.5^2) + (3^2)."""
    assert float(generator_adversarial_loss(two_scales(0.5, -2.0), "lsgan")) == pytest.approx(0.25 + 9.0)


def test_perfect_lsgan_discriminator_scores_zero():
    """A discriminator answering 0 on fakes and 1 on reals has zero LSGAN loss; the generator then has 1 per scale."""
    assert float(discriminator_loss(two_scales(0, 0), two_scales(1, 1), "lsgan")) == 0.0
    assert float(generator_adversarial_loss(two_scales(0, 0), "lsgan")) == pytest.approx(2.0)


# --------------------------------------------------------------------------- non-saturating
def test_nsgan_losses_at_zero_logits():
    """With logits 0 (sigmoid 1/2) the nsgan D loss is 2 log 2 per scale and the G loss log 2 per scale."""
    zero = two_scales(0.0, 0.0)
    assert float(discriminator_loss(zero, zero, "nsgan")) == pytest.approx(2 * 2 * math.log(2), rel=1e-6)
    assert float(generator_adversarial_loss(zero, "nsgan")) == pytest.approx(2 * math.log(2), rel=1e-6)


def test_nsgan_losses_at_other_logits():
    """nsgan: D = -log(1 - sigmoid(f)) - log sigmoid(r), G = -log sigmoid(f), summed over scales."""
    def sig(v):
        return 1 / (1 + math.exp(-v))
    f, r = 1.5, -0.5
    expected_d = -math.log(1 - sig(f)) - math.log(sig(r))
    assert float(discriminator_loss([full(f)], [full(r)], "nsgan")) == pytest.approx(expected_d, rel=1e-6)
    assert float(generator_adversarial_loss([full(f), full(-f)], "nsgan")) == pytest.approx(
        -math.log(sig(f)) - math.log(sig(-f)), rel=1e-6)


# --------------------------------------------------------------------------- hinge
def test_hinge_losses_by_hand():
    """hinge: D = mean(relu(1 + fake)) + mean(relu(1 - real)); G = -mean(fake); summed over scales."""
    fake, real = two_scales(0.5, -3.0), two_scales(0.5, 2.0)
    assert float(discriminator_loss(fake, real, "hinge")) == pytest.approx((1.5 + 0.5) + (0.0 + 0.0))
    assert float(generator_adversarial_loss(fake, "hinge")) == pytest.approx(-0.5 + 3.0)


def test_single_tensor_counts_as_one_scale():
    """A bare score tensor is treated as a one-scale list."""
    assert float(discriminator_loss(full(0.5), full(0.5), "lsgan")) == pytest.approx(0.5)
    assert float(generator_adversarial_loss(full(0.5), "lsgan")) == pytest.approx(0.25)


@pytest.mark.parametrize("call", [
    lambda: discriminator_loss([full(0)], [full(0)], "wgan"),
    lambda: generator_adversarial_loss([full(0)], "wgan"),
])
def test_unknown_gan_type_raises(call):
    """An unknown gan_type raises ValueError naming it."""
    with pytest.raises(ValueError, match="wgan"):
        call()


def test_discriminator_loss_rejects_different_scale_counts():
    """Fake and real score lists of different lengths raise ValueError."""
    with pytest.raises(ValueError, match="score maps"):
        discriminator_loss(two_scales(0, 0), [full(1)], "lsgan")


# --------------------------------------------------------------------------- reconstruction
def test_l1_reconstruction_losses_by_hand():
    """Every reconstruction term is the mean absolute difference."""
    a = torch.tensor([[1.0, -2.0, 3.0, 0.0]])
    b = torch.tensor([[0.0, 0.0, 3.5, -1.0]])
    expected = (1 + 2 + 0.5 + 1) / 4
    for fn in (recon_loss, image_recon_loss, content_recon_loss, style_recon_loss, cycle_recon_loss):
        assert float(fn(a, b)) == pytest.approx(expected)


def test_style_recon_accepts_4d_and_flat_styles():
    """style_recon_loss compares (B, 8, 1, 1) encoder output with (B, 8) sampled codes."""
    s = torch.arange(16, dtype=torch.float32).view(2, 8)
    assert float(style_recon_loss(s.view(2, 8, 1, 1), s + 2.0)) == pytest.approx(2.0)


def test_reconstruction_shape_mismatch_raises():
    """Comparing tensors of different shapes raises ValueError instead of broadcasting."""
    with pytest.raises(ValueError, match="shapes"):
        recon_loss(torch.zeros(2, 3, 4, 4), torch.zeros(1, 3, 4, 4))
    with pytest.raises(ValueError, match="shapes"):
        image_recon_loss(torch.zeros(2, 3, 4, 4), torch.zeros(2, 3, 4, 1))


# --------------------------------------------------------------------------- perceptual
@pytest.fixture(scope="module")
def unloaded_perceptual():
    """A perceptual loss whose VGG16 has never been given weights (built by torchvision, randomly)."""
    torch.manual_seed(0)
    return PerceptualLoss("relu5_3")


@pytest.fixture(scope="module")
def random_vgg_state(unloaded_perceptual):
    """A torchvision-layout VGG16 state dict of random weights (nothing downloaded): the randomly
    initialised ``vgg16().features`` of another instance, under torchvision's key names."""
    return {f"features.{k}": v.clone() for k, v in unloaded_perceptual.features.state_dict().items()}


@pytest.fixture(scope="module")
def perceptual(random_vgg_state):
    torch.manual_seed(1)
    loss = PerceptualLoss("relu5_3")
    loss.load_vgg_weights(random_vgg_state)
    return loss


def test_perceptual_loss_refuses_to_run_without_weights(unloaded_perceptual):
    """Without VGG weights the perceptual loss raises RuntimeError instead of using random features."""
    x = random_images((1, 3, 32, 32), 0)
    with pytest.raises(RuntimeError, match="VGG16 weights"):
        unloaded_perceptual(x, x)


def test_perceptual_loss_rejects_state_dict_without_features(unloaded_perceptual):
    """load_vgg_weights rejects a state dict with no 'features.' keys and stays unloaded."""
    with pytest.raises(ValueError, match="features"):
        unloaded_perceptual.load_vgg_weights({"classifier.0.weight": torch.zeros(2, 2)})
    assert not unloaded_perceptual.weights_loaded


def test_perceptual_loss_loads_the_given_features(perceptual, random_vgg_state):
    """load_vgg_weights copies the features.* tensors of the given state dict."""
    ours = perceptual.features.state_dict()
    assert perceptual.weights_loaded
    assert len(ours) == 26  # 13 convolutions up to relu5_3, weight and bias each
    assert all(torch.equal(v, random_vgg_state[f"features.{k}"]) for k, v in ours.items())


def test_perceptual_loss_zero_for_identical_inputs_positive_otherwise(perceptual):
    """The loss is 0 for identical images and finite and positive for different ones."""
    x = random_images((2, 3, 64, 64), 1)
    y = random_images((2, 3, 64, 64), 2)
    with torch.no_grad():
        same = perceptual(x, x.clone())
        other = perceptual(x, y)
    assert float(same) == 0.0
    assert math.isfinite(float(other)) and float(other) > 0.0


def test_perceptual_loss_unknown_layer():
    """An unknown VGG layer name raises ValueError."""
    with pytest.raises(ValueError, match="relu3_3"):
        PerceptualLoss("relu3_3")


def test_perceptual_loss_ignores_per_channel_feature_scale(perceptual):
    """Instance-normalised features make the loss blind to a per-channel rescaling of the last VGG layer."""
    import copy

    def rescaled(factors: torch.Tensor) -> PerceptualLoss:
        """A copy whose last conv (weight and bias) is scaled per output channel: since
        ReLU(k z) = k ReLU(z) for k > 0, each feature channel is multiplied by its factor."""
        loss = copy.deepcopy(perceptual)
        last_conv = [m for m in loss.features if isinstance(m, torch.nn.Conv2d)][-1]
        with torch.no_grad():
            last_conv.weight.mul_(factors.view(-1, 1, 1, 1))
            last_conv.bias.mul_(factors)
        return loss

    channels = 512
    # a common factor of 100 makes every feature variance dwarf IN's eps (1e-5) in both copies
    base = rescaled(torch.full((channels,), 100.0))
    scaled = rescaled(100.0 * torch.linspace(0.5, 4.0, channels))
    x, y = random_images((2, 3, 64, 64), 3), random_images((2, 3, 64, 64), 4)
    with torch.no_grad():
        raw = (base.features(x) - base.features(y)).pow(2).mean()
        raw_scaled = (scaled.features(x) - scaled.features(y)).pow(2).mean()
        assert float(raw_scaled) > 1.5 * float(raw)  # the raw features do change
        assert float(scaled(x, y)) == pytest.approx(float(base(x, y)), rel=1e-2)


# The original network, as its description reads: 3x3 convolutions (each followed by a ReLU)
# with these output widths, "M" a 2x2 max-pool. relu4_3 goes straight to conv5_1.
ORIGINAL_VGG16_TO_RELU5_3 = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, 512, 512, 512]


def _layer_list(features: torch.nn.Sequential) -> list:
    """conv widths and "M" for max-pools, in order (ReLUs checked to follow every conv)."""
    out, modules = [], list(features)
    for i, m in enumerate(modules):
        if isinstance(m, torch.nn.Conv2d):
            assert m.kernel_size == (3, 3) and isinstance(modules[i + 1], torch.nn.ReLU)
            out.append(m.out_channels)
        elif isinstance(m, torch.nn.MaxPool2d):
            out.append("M")
    return out


def test_perceptual_relu5_3_has_the_original_layers_and_no_fourth_pool(unloaded_perceptual):
    """The relu5_3 trunk is the original's: three max-pools, conv5_1 right after relu4_3, ReLU last."""
    assert _layer_list(unloaded_perceptual.features) == ORIGINAL_VGG16_TO_RELU5_3
    assert isinstance(list(unloaded_perceptual.features)[-1], torch.nn.ReLU)
    relu4_3 = PerceptualLoss("relu4_3")
    assert _layer_list(relu4_3.features) == ORIGINAL_VGG16_TO_RELU5_3[:13]


@pytest.mark.parametrize("layer", ["relu4_3", "relu5_3"])
def test_perceptual_features_are_at_one_eighth_of_the_image(layer):
    """relu4_3 and relu5_3 features of a 64x48 image are (B, 512, 8, 6): 1/8 of the image."""
    from munit_lib.losses import vgg16_features

    with torch.no_grad():
        out = vgg16_features(layer)(torch.zeros(2, 3, 64, 48))
    assert tuple(out.shape) == (2, 512, 8, 6)


def test_perceptual_loads_the_originals_caffe_weights_and_preprocessing(perceptual, random_vgg_state):
    """The original's vgg16.weight (conv1_1.weight ... conv5_3.bias) loads into the same convs and
    switches to its input: BGR in [0, 255] minus the Caffe mean."""
    names = ["conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2", "conv3_3",
             "conv4_1", "conv4_2", "conv4_3", "conv5_1", "conv5_2", "conv5_3"]
    convs = [k[: -len(".weight")] for k in random_vgg_state if k.endswith(".weight")]
    caffe = {f"{n}.{kind}": random_vgg_state[f"{c}.{kind}"] for n, c in zip(names, convs) for kind in ("weight", "bias")}
    loss = PerceptualLoss("relu5_3")
    loss.load_vgg_weights(caffe)
    assert loss.caffe_input and not perceptual.caffe_input
    assert all(torch.equal(a, b) for a, b in zip(loss.features.state_dict().values(),
                                                  perceptual.features.state_dict().values()))
    x = torch.full((1, 3, 2, 2), -1.0)
    x[:, 0] = 1.0  # pure red, RGB in [-1, 1]
    bgr = loss.preprocess(x)[0, :, 0, 0]
    torch.testing.assert_close(bgr, torch.tensor([0.0 - 103.939, 0.0 - 116.779, 255.0 - 123.680]))


def test_vgg_weights_found_in_a_folder_and_missing_ones_named(tmp_path):
    """find_vgg16_weights takes the file or a folder holding it; a missing one names the URL and the place."""
    from munit_lib.losses import VGG16_URL, find_vgg16_weights

    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "vgg16.weight").write_bytes(b"x")
    assert find_vgg16_weights(tmp_path) == tmp_path / "models" / "vgg16.weight"
    assert find_vgg16_weights(tmp_path / "models" / "vgg16.weight") == tmp_path / "models" / "vgg16.weight"
    with pytest.raises(FileNotFoundError) as error:
        find_vgg16_weights(tmp_path / "nowhere.pth")
    message = str(error.value)
    assert VGG16_URL in message and "nowhere.pth" in message and "\n" not in message
