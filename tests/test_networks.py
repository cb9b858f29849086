"""Networks: exact parameter counts and state-dict layout of the original, shapes, the decoder's
AdaIN wiring, the multi-scale discriminator, initialisation and input checks."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from munit_lib import Generator, MultiScaleDiscriminator, count_parameters
from munit_lib.nn import AdaptiveInstanceNorm2d, LayerNorm
from munit_test_helpers import random_images


# --------------------------------------------------------------------------- exact sizes
@pytest.mark.parametrize("part, expected", [
    ("enc_style", 2_764_936), ("enc_content", 5_385_856), ("dec", 5_754_627), ("mlp", 1_120_768),
])
def test_generator_part_parameter_counts_at_paper_config(paper_generator, part, expected):
    """Each generator part has the original implementation's parameter count."""
    assert count_parameters(getattr(paper_generator, part)) == expected


def test_generator_parameter_count_at_paper_config(paper_generator, official_keys):
    """One paper generator has 15,026,187 parameters, as the original."""
    assert count_parameters(paper_generator) == 15_026_187 == official_keys["generator_parameter_count"]


def test_discriminator_parameter_count_at_paper_config(paper_discriminator, official_keys):
    """One 3-scale paper discriminator has 8,271,171 parameters, as the original."""
    assert count_parameters(paper_discriminator) == 8_271_171 == official_keys["discriminator_parameter_count"]


def _layout_difference(module: nn.Module, reference: list[dict]) -> list[str]:
    """Human-readable differences between a module's state dict and a reference layout."""
    ours = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    theirs = {e["key"]: tuple(e["shape"]) for e in reference}
    problems = [f"missing {k}" for k in theirs if k not in ours]
    problems += [f"extra {k}" for k in ours if k not in theirs]
    problems += [f"shape {k}: ours {ours[k]} vs official {theirs[k]}" for k in ours
                 if k in theirs and ours[k] != theirs[k]]
    params = {name for name, _ in module.named_parameters()}
    buffers = {name for name, _ in module.named_buffers()}
    for e in reference:
        kind = "parameter" if e["key"] in params else "buffer" if e["key"] in buffers else None
        if kind is not None and kind != e["kind"]:
            problems.append(f"kind {e['key']}: ours {kind} vs official {e['kind']}")
    return problems


def test_generator_state_dict_matches_official_layout(paper_generator, official_keys):
    """Generator state-dict keys, shapes and kinds equal the original's exactly."""
    assert _layout_difference(paper_generator, official_keys["generator"]) == []


def test_discriminator_state_dict_matches_official_layout(paper_discriminator, official_keys):
    """Discriminator state-dict keys, shapes and kinds equal the original's exactly."""
    assert _layout_difference(paper_discriminator, official_keys["discriminator"]) == []


# --------------------------------------------------------------------------- generator shapes
def test_encode_decode_shapes_at_paper_config(paper_generator):
    """At 64x64 the paper generator gives content (B, 256, 16, 16), style (B, 8) and a 64x64 image in [-1, 1]."""
    x = random_images((1, 3, 64, 64), 0)
    with torch.no_grad():
        content, style = paper_generator.encode(x)
        y = paper_generator.decode(content, style)
    assert content.shape == (1, 256, 16, 16)
    assert style.shape == (1, 8)
    assert y.shape == (1, 3, 64, 64)
    assert float(y.abs().max()) <= 1.0  # tanh output


def test_encode_decode_non_square_ci(ci_model):
    """Non-square inputs whose sides are multiples of 4 come back at the same size."""
    x = random_images((2, 3, 32, 48), 1)
    with torch.no_grad():
        content, style = ci_model.gen_a.encode(x)
        y = ci_model.gen_a.decode(content, style)
    assert content.shape == (2, 32, 8, 12)  # ci: gen_dim 8 * 2**2 channels, a quarter of H and W
    assert style.shape == (2, 8)
    assert y.shape == x.shape


def test_decode_accepts_flat_and_4d_style_identically(ci_model):
    """decode gives the same image for a style shaped (B, 8) and (B, 8, 1, 1)."""
    gen = ci_model.gen_a
    with torch.no_grad():
        content, _ = gen.encode(random_images((2, 3, 32, 32), 2))
        style = torch.randn(2, 8, generator=torch.Generator().manual_seed(0))
        flat = gen.decode(content, style)
        four_d = gen.decode(content, style.view(2, 8, 1, 1))
    torch.testing.assert_close(flat, four_d, rtol=0, atol=0)


def test_decode_broadcasts_one_style_over_the_batch(ci_model):
    """A single style code (1, 8) is used for every content code of the batch."""
    gen = ci_model.gen_b
    with torch.no_grad():
        content, _ = gen.encode(random_images((3, 3, 32, 32), 3))
        style = torch.randn(1, 8, generator=torch.Generator().manual_seed(1))
        torch.testing.assert_close(gen.decode(content, style), gen.decode(content, style.expand(3, 8)))


def test_different_styles_give_different_images(ci_model):
    """Two different style codes give two different images from the same content code."""
    gen = ci_model.gen_a
    with torch.no_grad():
        content, _ = gen.encode(random_images((1, 3, 32, 32), 4))
        g = torch.Generator().manual_seed(2)
        y1, y2 = gen.decode(content, torch.randn(1, 8, generator=g)), gen.decode(content, torch.randn(1, 8, generator=g))
    assert float((y1 - y2).abs().max()) > 1e-4


def test_a_flat_content_code_decodes_to_a_flat_image_whatever_the_style(ci_model, ci_cfg, paper_generator):
    """Reflection padding, nearest upsampling, convolutions, AdaIN and LayerNorm all keep a spatially
    constant map constant: a style colours the picture but lays nothing out (notebook 07, 5.3). At
    the paper's widths the fused upsampling path does too. With zero padding the border shows."""
    g = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for gen, channels in ((ci_model.gen_b, ci_cfg.gen_dim * 4), (paper_generator, 256)):
            flat = torch.randn(2, channels, 1, 1, generator=g).expand(2, channels, 16, 16)  # (2, C, 16, 16)
            out = gen.decode(flat, torch.randn(2, gen.style_dim, generator=g))           # (2, 3, 64, 64)
            assert float(out.flatten(2).std(-1).max()) < 1e-5
            assert float((out[0] - out[1]).abs().max()) > 1e-3  # two styles, two colours
        torch.manual_seed(0)
        zero_padded = Generator(ci_cfg.replace(pad_type="zero"))
        flat = torch.randn(2, ci_cfg.gen_dim * 4, 1, 1, generator=g).expand(2, ci_cfg.gen_dim * 4, 16, 16)
        out = zero_padded.decode(flat, torch.randn(2, zero_padded.style_dim, generator=g))
        assert float(out.flatten(2).std(-1).max()) > 1e-4


# --------------------------------------------------------------------------- decoder structure
def test_decoder_uses_nearest_upsampling_and_reflect_padding(paper_generator):
    """The decoder upsamples with nearest x2 (twice at the paper config) and pads by reflection."""
    ups = [m for m in paper_generator.dec.modules() if isinstance(m, nn.Upsample)]
    assert len(ups) == 2
    assert all(m.mode == "nearest" and float(m.scale_factor) == 2.0 for m in ups)
    pads = [m for m in paper_generator.modules() if isinstance(m, (nn.ZeroPad2d, nn.ReplicationPad2d,
                                                                   nn.ReflectionPad2d))]
    assert pads and all(isinstance(m, nn.ReflectionPad2d) for m in pads)
    convs = [m for m in paper_generator.modules() if isinstance(m, nn.Conv2d)]
    assert all(c.padding == (0, 0) for c in convs)  # all padding is done by the reflect pads


def test_decoder_norms_adain_in_res_blocks_layernorm_when_upsampling(paper_generator):
    """The decoder has 8 AdaIN layers (4 res blocks x 2) and 2 LayerNorms; the MLP emits 4096 values."""
    dec = paper_generator.dec
    assert len([m for m in dec.modules() if isinstance(m, AdaptiveInstanceNorm2d)]) == 8
    assert [m.num_features for m in dec.modules() if isinstance(m, LayerNorm)] == [128, 64]
    assert dec.num_adain_params == 2 * 8 * 256 == 4096
    assert paper_generator.mlp.model[-1].fc.out_features == 4096


def test_content_encoder_uses_instance_norm_style_encoder_none(paper_generator):
    """The content encoder normalises with IN everywhere; the style encoder has no normalisation."""
    norm_types = (nn.InstanceNorm2d, nn.BatchNorm2d, LayerNorm, AdaptiveInstanceNorm2d)
    content_norms = [m for m in paper_generator.enc_content.modules() if isinstance(m, norm_types)]
    assert len(content_norms) == 3 + 2 * 4 and all(isinstance(m, nn.InstanceNorm2d) for m in content_norms)
    assert not any(isinstance(m, norm_types) for m in paper_generator.enc_style.modules())


class _FixedParams(nn.Module):
    """Stands in for the style MLP: returns the same AdaIN parameters whatever the style."""

    def __init__(self, params: torch.Tensor) -> None:
        super().__init__()
        self.params = params

    def forward(self, style: torch.Tensor) -> torch.Tensor:
        return self.params


def test_mlp_output_is_split_beta_then_gamma_per_adain_layer(ci_cfg):
    """Per AdaIN layer in module order the MLP's first C outputs are beta and the next C gamma."""
    torch.manual_seed(0)
    gen = Generator(ci_cfg).eval()
    layers = [m for m in gen.dec.modules() if isinstance(m, AdaptiveInstanceNorm2d)]
    c = layers[0].num_features
    assert len(layers) == 2 * ci_cfg.n_res and all(m.num_features == c for m in layers)
    chans = torch.arange(c, dtype=torch.float32)
    rows = []
    for sample in range(2):
        row = []
        for i in range(len(layers)):
            beta = 10.0 * (i + 1) + 0.1 * chans - 3.0 * sample
            gamma = 1.0 + 0.5 * i + 0.02 * chans + sample
            row += [beta, gamma]
        rows.append(torch.cat(row))
    params = torch.stack(rows)  # (2, 2 * C * layers)
    gen.mlp = _FixedParams(params)
    outputs, assigned = {}, {}
    for i, layer in enumerate(layers):
        layer.register_forward_hook(lambda m, inp, out, i=i: outputs.__setitem__(i, out.detach()))
        # decode clears the AdaIN parameters afterwards, so record them while the layer runs
        layer.register_forward_pre_hook(lambda m, inp, i=i: assigned.__setitem__(i, (m.bias, m.weight)))
    with torch.no_grad():
        content, _ = gen.encode(random_images((2, 3, 32, 32), 5))
        gen.decode(content, torch.zeros(2, 8))
    for i, layer in enumerate(layers):
        beta = params[:, 2 * c * i:2 * c * i + c]
        gamma = params[:, 2 * c * i + c:2 * c * (i + 1)]
        torch.testing.assert_close(assigned[i][0].view(2, c), beta)
        torch.testing.assert_close(assigned[i][1].view(2, c), gamma)
        out = outputs[i]
        torch.testing.assert_close(out.mean(dim=(2, 3)), beta, atol=1e-3, rtol=0)
        torch.testing.assert_close(out.var(dim=(2, 3), unbiased=False).sqrt(), gamma, atol=0, rtol=1e-3)


# --------------------------------------------------------------------------- discriminator
def test_discriminator_per_scale_output_shapes(paper_discriminator, ci_cfg):
    """One score map per scale, each a 16th of its scale's side (paper) or an 8th (ci, 3 layers)."""
    with torch.no_grad():
        paper = paper_discriminator(random_images((2, 3, 64, 64), 6))
        ci = MultiScaleDiscriminator(ci_cfg)(random_images((2, 3, 32, 32), 7))
    assert [tuple(o.shape) for o in paper] == [(2, 1, 4, 4), (2, 1, 2, 2), (2, 1, 1, 1)]
    assert [tuple(o.shape) for o in ci] == [(2, 1, 4, 4), (2, 1, 2, 2)]


def test_discriminator_downsampling_between_scales(ci_cfg):
    """Scales are separated by AvgPool2d(3, stride 2, padding 1, count_include_pad=False)."""
    torch.manual_seed(0)
    dis = MultiScaleDiscriminator(ci_cfg)
    pool = dis.downsample
    assert isinstance(pool, nn.AvgPool2d)
    assert (pool.kernel_size, pool.stride, pool.padding, pool.count_include_pad) == (3, 2, 1, False)
    seen = {}
    dis.cnns[1].register_forward_pre_hook(lambda m, inp: seen.setdefault("x", inp[0].detach()))
    x = random_images((1, 3, 32, 32), 8) + 2.0  # all positive: zero padding counted would darken borders
    with torch.no_grad():
        dis(x)
    torch.testing.assert_close(seen["x"], F.avg_pool2d(x, 3, 2, 1, count_include_pad=False))
    assert not torch.allclose(seen["x"], F.avg_pool2d(x, 3, 2, 1, count_include_pad=True))


def test_discriminator_layers_at_paper_config(paper_discriminator):
    """Per scale: 4x4 stride-2 convs to 64, 128, 256, 512 with LeakyReLU 0.2, no norm, then 1x1 conv to 1."""
    assert len(paper_discriminator.cnns) == 3
    for net in paper_discriminator.cnns:
        convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
        assert [c.out_channels for c in convs] == [64, 128, 256, 512, 1]
        assert [c.kernel_size for c in convs] == [(4, 4)] * 4 + [(1, 1)]
        assert [c.stride for c in convs] == [(2, 2)] * 4 + [(1, 1)]
        acts = [m for m in net.modules() if isinstance(m, nn.LeakyReLU)]
        assert len(acts) == 4 and all(a.negative_slope == pytest.approx(0.2) for a in acts)
        assert not any(isinstance(m, (nn.InstanceNorm2d, nn.BatchNorm2d, LayerNorm)) for m in net.modules())


# --------------------------------------------------------------------------- initialisation
def test_generator_init_zero_biases_and_kaiming_weights(ci_model):
    """MUNIT initialises generator Conv/Linear biases to 0 and weights He-normal (std sqrt(2 / fan_in))."""
    for gen in (ci_model.gen_a, ci_model.gen_b):
        layers = [m for m in gen.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
        assert layers and all(torch.equal(m.bias, torch.zeros_like(m.bias)) for m in layers)
        big = max(layers, key=lambda m: m.weight.numel())
        fan_in = big.weight[0].numel()
        assert float(big.weight.detach().std()) == pytest.approx(math.sqrt(2.0 / fan_in), rel=0.1)


def test_discriminator_init_normal_0_02(ci_model):
    """MUNIT initialises discriminator weights N(0, 0.02) and their biases to 0."""
    for dis in (ci_model.dis_a, ci_model.dis_b):
        layers = [m for m in dis.modules() if isinstance(m, nn.Conv2d)]
        weights = torch.cat([m.weight.detach().flatten() for m in layers])
        assert float(weights.std()) == pytest.approx(0.02, rel=0.05)
        assert abs(float(weights.mean())) < 0.002
        assert all(torch.equal(m.bias, torch.zeros_like(m.bias)) for m in layers)


def test_munit_holds_two_generators_and_two_discriminators(ci_model):
    """MUNIT has gen_a, gen_b, dis_a, dis_b, four separate networks sharing no parameter."""
    parts = [ci_model.gen_a, ci_model.gen_b, ci_model.dis_a, ci_model.dis_b]
    assert [type(p) for p in parts] == [Generator, Generator, MultiScaleDiscriminator, MultiScaleDiscriminator]
    ids = [{id(p) for p in part.parameters()} for part in parts]
    assert sum(len(s) for s in ids) == len(set().union(*ids))
    assert count_parameters(ci_model) == sum(count_parameters(p) for p in parts)


# --------------------------------------------------------------------------- input checks
@pytest.mark.parametrize("shape, message", [
    ((1, 1, 32, 32), "channels"),
    ((1, 3, 30, 32), "multiples of 4"),
    ((1, 3, 32, 30), "multiples of 4"),
    ((1, 3, 8, 8), "at least 16"),
    ((3, 32, 32), r"\(B, C, H, W\)"),
])
def test_generator_rejects_bad_images_with_clear_message(ci_model, shape, message):
    """Generator.encode raises ValueError saying what is wrong with the image batch."""
    with pytest.raises(ValueError, match=message):
        ci_model.gen_a.encode(torch.zeros(shape))


def test_smallest_accepted_size_runs(ci_model, ci_cfg):
    """The smallest sizes the input checks accept really run through the networks (ci: 16x16)."""
    g, d = ci_cfg.generator_min_size, ci_cfg.discriminator_min_size
    assert (g, d) == (16, 16)
    with torch.no_grad():
        x = random_images((1, 3, g, g), 10)
        assert ci_model.gen_a.decode(*ci_model.gen_a.encode(x)).shape == x.shape
        scores = ci_model.dis_a(random_images((1, 3, d, d), 11))
    assert [tuple(o.shape) for o in scores] == [(1, 1, 2, 2), (1, 1, 1, 1)]


def test_decode_rejects_wrong_style_length(ci_model):
    """A style code of the wrong length raises ValueError naming the expected shape."""
    content = torch.zeros(2, 32, 8, 8)
    with pytest.raises(ValueError, match=r"style code must be shaped \(B, 8\)"):
        ci_model.gen_a.decode(content, torch.zeros(2, 7))


def test_decode_rejects_style_batch_mismatch(ci_model):
    """Two style codes for three content codes raise ValueError naming both counts."""
    content = torch.zeros(3, 32, 8, 8)
    with pytest.raises(ValueError, match="2 style codes for 3 content codes"):
        ci_model.gen_a.decode(content, torch.zeros(2, 8))


def test_discriminator_rejects_bad_images(ci_model):
    """The discriminator raises ValueError for a wrong channel count and a too small image."""
    with pytest.raises(ValueError, match="channels"):
        ci_model.dis_a(torch.zeros(1, 1, 32, 32))
    with pytest.raises(ValueError, match="at least 16"):
        ci_model.dis_a(torch.zeros(1, 3, 8, 8))


def test_translate_shapes_and_direction_check(ci_model):
    """translate returns an image of the input's shape and rejects an unknown direction."""
    x = random_images((2, 3, 32, 32), 9)
    g = torch.Generator().manual_seed(0)
    y = ci_model.translate(x, "a2b", generator=g)
    assert y.shape == x.shape and not y.requires_grad
    with pytest.raises(ValueError, match="direction"):
        ci_model.translate(x, "a2c")


def test_decode_leaves_no_graph_behind_so_the_model_can_be_deep_copied():
    """After decode the AdaIN layers hold no tensors: a deepcopy (as EMA needs) works mid-training."""
    import copy

    from munit_lib import Generator, MUNITConfig

    cfg = MUNITConfig.profile_named("ci")
    gen = Generator(cfg)
    x = torch.randn(2, 3, cfg.image_size, cfg.image_size)
    out = gen(x)
    assert all(layer.weight is None and layer.bias is None for layer in gen.dec.adain_layers())
    twin = copy.deepcopy(gen)
    torch.testing.assert_close(twin(x), out)


def test_encode_content_and_encode_style_equal_the_two_halves_of_encode(ci_cfg):
    torch.manual_seed(0)
    gen = Generator(ci_cfg).eval()
    x = random_images((2, 3, 32, 32), 9)
    with torch.no_grad():
        content, style = gen.encode(x)
        torch.testing.assert_close(gen.encode_content(x), content)
        torch.testing.assert_close(gen.encode_style(x), style)
    with pytest.raises(ValueError, match="channel"):
        gen.encode_content(random_images((1, 1, 32, 32), 1))
