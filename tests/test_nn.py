"""Building blocks: instance norm, AdaIN, MUNIT's LayerNorm, conv / residual / linear blocks."""
from __future__ import annotations

import math
import statistics

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from munit_lib.nn import (MLP, AdaptiveInstanceNorm2d, Conv2dBlock, LayerNorm, ResBlock, adain, instance_norm,
                          make_activation, make_padding)

EPS = 1e-5


def varied_input(seed: int = 0, shape=(2, 3, 8, 8)) -> torch.Tensor:
    """A tensor whose (sample, channel) slices have very different means and spreads."""
    g = torch.Generator().manual_seed(seed)
    b, c = shape[:2]
    scale = torch.linspace(0.5, 20.0, b * c).view(b, c, 1, 1)
    shift = torch.linspace(-30.0, 50.0, b * c).view(b, c, 1, 1)
    return torch.randn(*shape, generator=g) * scale + shift


def by_hand_in(values: list[float], eps: float = EPS) -> list[float]:
    """Instance-normalise one (sample, channel) slice in float64: biased variance, eps inside sqrt."""
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / n
    return [(v - mean) / math.sqrt(var + eps) for v in values]


# --------------------------------------------------------------------------- instance norm
def test_instance_norm_gives_zero_mean_unit_std_per_sample_channel():
    """instance_norm removes each (sample, channel)'s mean and std, whatever they were."""
    x = varied_input()
    y = instance_norm(x)
    mean = y.mean(dim=(2, 3))
    std = y.var(dim=(2, 3), unbiased=False).sqrt()
    torch.testing.assert_close(mean, torch.zeros_like(mean), atol=1e-5, rtol=0)
    torch.testing.assert_close(std, torch.ones_like(std), atol=1e-4, rtol=0)


def test_instance_norm_equals_torch_functional():
    """instance_norm is exactly torch's F.instance_norm (biased variance, eps 1e-5 in the root)."""
    x = varied_input(1) * 1e-3  # small variances make eps matter
    torch.testing.assert_close(instance_norm(x), F.instance_norm(x, eps=1e-5))


# --------------------------------------------------------------------------- AdaIN
def test_adain_output_has_target_channel_mean_and_std():
    """AdaIN output has per-(sample, channel) mean beta and std gamma (up to eps)."""
    x = varied_input(2)
    g = torch.Generator().manual_seed(3)
    gamma = torch.rand(2, 3, generator=g) * 4 + 0.5
    beta = torch.randn(2, 3, generator=g) * 5
    y = adain(x, gamma, beta)
    var_x = x.var(dim=(2, 3), unbiased=False)
    torch.testing.assert_close(y.mean(dim=(2, 3)), beta, atol=1e-4, rtol=0)
    expected_std = gamma * torch.sqrt(var_x / (var_x + EPS))  # eps shrinks it by a hair
    torch.testing.assert_close(y.var(dim=(2, 3), unbiased=False).sqrt(), expected_std, atol=0, rtol=1e-4)
    torch.testing.assert_close(y.var(dim=(2, 3), unbiased=False).sqrt(), gamma, atol=0, rtol=1e-3)


def test_adain_uses_biased_variance_and_eps_inside_the_root():
    """AdaIN equals gamma * (x - mean) / sqrt(biased var + 1e-5) + beta, computed by hand."""
    # 2x2 slices: the biased and unbiased variances differ by 4/3; variances ~1e-5 make
    # eps-inside-the-root and eps-outside differ by tens of percent.
    g = torch.Generator().manual_seed(4)
    x = torch.randn(2, 2, 2, 2, generator=g, dtype=torch.float64) * 3e-3 + 1.0
    gamma = torch.tensor([[2.0, -1.0], [0.5, 3.0]], dtype=torch.float64)
    beta = torch.tensor([[0.1, 0.2], [-0.3, 4.0]], dtype=torch.float64)
    expected = torch.empty_like(x)
    for b in range(2):
        for c in range(2):
            normed = by_hand_in(x[b, c].flatten().tolist())
            expected[b, c] = torch.tensor([gamma[b, c].item() * v + beta[b, c].item() for v in normed]).view(2, 2)
    torch.testing.assert_close(adain(x, gamma, beta), expected)
    layer = AdaptiveInstanceNorm2d(2).double()
    layer.weight, layer.bias = gamma.reshape(-1), beta.reshape(-1)
    torch.testing.assert_close(layer(x), expected)


def test_adain_rejects_gamma_beta_of_wrong_shape():
    """adain raises ValueError when gamma/beta are not (B, C)."""
    x = torch.randn(2, 3, 4, 4)
    with pytest.raises(ValueError, match="gamma and beta"):
        adain(x, torch.ones(2, 4), torch.zeros(2, 4))


def test_adain_module_without_parameters_raises_runtime_error():
    """AdaptiveInstanceNorm2d refuses to run before its (gamma, beta) are assigned."""
    layer = AdaptiveInstanceNorm2d(3)
    with pytest.raises(RuntimeError, match="assign_adain_params"):
        layer(torch.randn(1, 3, 4, 4))


def test_adain_module_has_no_parameters_only_unused_buffers():
    """AdaIN's gamma/beta come from the MLP: the layer itself owns no trainable parameters."""
    layer = AdaptiveInstanceNorm2d(5)
    assert list(layer.parameters()) == []
    assert sorted(name for name, _ in layer.named_buffers()) == ["running_mean", "running_var"]


# --------------------------------------------------------------------------- LayerNorm
def test_layernorm_matches_unbiased_std_eps_outside_root_formula():
    """LayerNorm = gamma_c * (x - mean) / (unbiased std + 1e-5) + beta_c, per sample over C, H, W."""
    g = torch.Generator().manual_seed(5)
    x = torch.randn(2, 3, 2, 2, generator=g, dtype=torch.float64)
    x[0] = x[0] * 1e-3 + 7.0  # tiny std: eps outside vs inside the root differ a lot here
    x[1] = x[1] * 4.0 - 2.0  # the other sample has its own statistics
    layer = LayerNorm(3).double()
    with torch.no_grad():
        layer.gamma.copy_(torch.tensor([0.5, 2.0, -1.0]))
        layer.beta.copy_(torch.tensor([1.0, 0.0, 3.0]))
    expected = torch.empty_like(x)
    for b in range(2):
        values = x[b].flatten().tolist()
        mean, std = statistics.fmean(values), statistics.stdev(values)  # stdev: n - 1
        for c in range(3):
            normed = (x[b, c] - mean) / (std + EPS)
            expected[b, c] = layer.gamma[c].item() * normed + layer.beta[c].item()
    torch.testing.assert_close(layer(x), expected.detach())


def test_layernorm_normalises_each_sample_independently():
    """A sample's LayerNorm output does not depend on the other samples of the batch."""
    layer = LayerNorm(4)
    x = varied_input(6, (3, 4, 5, 5))
    batched = layer(x)
    for i in range(3):
        torch.testing.assert_close(batched[i:i + 1], layer(x[i:i + 1]))


def test_layernorm_initialisation():
    """LayerNorm's gamma starts U(0, 1) (in [0, 1), not constant) and beta starts at 0."""
    torch.manual_seed(0)
    layer = LayerNorm(256)
    assert isinstance(layer.gamma, nn.Parameter) and isinstance(layer.beta, nn.Parameter)
    assert layer.gamma.shape == (256,) and layer.beta.shape == (256,)
    gamma = layer.gamma.detach()
    assert float(gamma.min()) >= 0.0 and float(gamma.max()) < 1.0
    assert float(gamma.min()) < 0.1 and float(gamma.max()) > 0.9  # spread like U(0, 1), not a constant
    assert torch.equal(layer.beta, torch.zeros(256))


# --------------------------------------------------------------------------- Conv2dBlock
def test_conv2d_block_is_pad_conv_norm_activation():
    """Conv2dBlock computes act(norm(conv(pad(x)))) with the padding done by the pad module."""
    torch.manual_seed(0)
    block = Conv2dBlock(3, 4, 3, stride=1, padding=1, norm="in", activation="relu", pad_type="reflect")
    assert isinstance(block.pad, nn.ReflectionPad2d)
    assert block.conv.padding == (0, 0)  # the convolution itself does not pad
    x = varied_input(7, (2, 3, 6, 6))
    by_hand = F.relu(F.instance_norm(F.conv2d(F.pad(x, (1, 1, 1, 1), mode="reflect"),
                                              block.conv.weight, block.conv.bias), eps=1e-5))
    with torch.no_grad():
        y = block(x)
        torch.testing.assert_close(y, by_hand)
    assert y.shape == (2, 4, 6, 6)
    # the other order (activation before the norm) would leave negative values
    assert float(y.min()) >= 0.0


def test_conv2d_block_padding_types():
    """pad_type selects reflect, replicate or zero padding modules."""
    expected = {"reflect": nn.ReflectionPad2d, "replicate": nn.ReplicationPad2d, "zero": nn.ZeroPad2d}
    for name, cls in expected.items():
        assert isinstance(Conv2dBlock(1, 1, 3, 1, 1, pad_type=name).pad, cls)
        assert isinstance(make_padding(name, 2), cls)


def test_conv2d_block_lrelu_slope_is_0_2_and_none_means_no_activation():
    """'lrelu' is LeakyReLU(0.2); activation 'none' and norm 'none' add nothing."""
    act = make_activation("lrelu")
    assert isinstance(act, nn.LeakyReLU) and act.negative_slope == pytest.approx(0.2)
    block = Conv2dBlock(2, 2, 1, norm="none", activation="none")
    assert block.norm is None and block.activation is None
    x = torch.randn(1, 2, 3, 3)
    torch.testing.assert_close(block(x), block.conv(x))


@pytest.mark.parametrize("kwargs, bad", [
    ({"activation": "gelu"}, "gelu"),
    ({"pad_type": "circular"}, "circular"),
    ({"norm": "group"}, "group"),
])
def test_unknown_block_option_raises_value_error(kwargs, bad):
    """Unknown activation, padding or norm names raise ValueError naming the bad value."""
    with pytest.raises(ValueError, match=bad):
        Conv2dBlock(3, 3, 3, 1, 1, **kwargs)


def test_unknown_factory_names_raise_value_error():
    """make_activation / make_padding reject unknown names with ValueError."""
    with pytest.raises(ValueError, match="swish"):
        make_activation("swish")
    with pytest.raises(ValueError, match="mirror"):
        make_padding("mirror", 1)


# --------------------------------------------------------------------------- ResBlock
def test_resblock_has_identity_skip():
    """With its last conv zeroed, a residual block returns its input unchanged (identity skip)."""
    torch.manual_seed(0)
    block = ResBlock(4, norm="in")
    with torch.no_grad():
        block.model[1].conv.weight.zero_()
        block.model[1].conv.bias.zero_()
    x = varied_input(8, (2, 4, 6, 6))
    torch.testing.assert_close(block(x), x)


def test_resblock_activation_after_first_conv_only():
    """ReLU follows the first conv only: neither the branch nor the sum is rectified."""
    torch.manual_seed(0)
    block = ResBlock(4, norm="in", activation="relu")
    assert isinstance(block.model[0].activation, nn.ReLU)
    assert block.model[1].activation is None
    seen = {}
    block.model[0].register_forward_hook(lambda m, i, o: seen.setdefault("first", o.detach().clone()))
    x = varied_input(9, (2, 4, 6, 6))
    with torch.no_grad():
        y = block(x)
    assert float(seen["first"].min()) >= 0.0  # rectified after the first conv
    assert float((y - x).min()) < 0.0  # the branch output is not rectified
    assert float(y.min()) < 0.0  # nor is the sum


# --------------------------------------------------------------------------- MLP
def test_mlp_layer_shapes_and_parameter_count():
    """The paper's style MLP is 8 -> 256 -> 256 -> 4096 with 1,120,768 parameters."""
    mlp = MLP(8, 4096, 256, num_layers=3)
    linears = [m for m in mlp.modules() if isinstance(m, nn.Linear)]
    assert [tuple(m.weight.shape) for m in linears] == [(256, 8), (256, 256), (4096, 256)]
    by_hand = (8 * 256 + 256) + (256 * 256 + 256) + (256 * 4096 + 4096)
    assert sum(p.numel() for p in mlp.parameters()) == by_hand == 1_120_768


def test_mlp_output_shape_and_no_final_activation():
    """MLP maps (B, 8) or (B, 8, 1, 1) to (B, out); ReLU between layers, none at the end."""
    torch.manual_seed(0)
    mlp = MLP(8, 40, 16, num_layers=3)
    assert isinstance(mlp.model[0].activation, nn.ReLU) and isinstance(mlp.model[1].activation, nn.ReLU)
    assert mlp.model[2].activation is None
    s = torch.randn(5, 8)
    with torch.no_grad():
        out = mlp(s)
        assert out.shape == (5, 40)
        assert float(out.min()) < 0.0  # a final ReLU would make every output non-negative
        torch.testing.assert_close(mlp(s.view(5, 8, 1, 1)), out)
