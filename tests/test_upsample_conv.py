"""The decoder's "nearest x2, reflect pad, conv" computed at the low resolution
(munit_lib.upsample_conv) equals the definition, in values and in gradients, everywhere including
the border, and the decoders give the same images either way."""
from __future__ import annotations

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from munit_lib import MUNIT
from munit_lib.upsample_conv import phase_kernels, upsample_conv2d, upsample_conv2d_plain
from munit_test_helpers import random_images


def _inputs(h: int, w: int, padding: int, seed: int, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    k = 2 * padding + 1
    x = torch.randn(2, 3, h, w, generator=g, dtype=dtype).requires_grad_()
    weight = torch.randn(4, 3, k, k, generator=g, dtype=dtype).requires_grad_()
    bias = torch.randn(4, generator=g, dtype=dtype).requires_grad_()
    return x, weight, bias


@pytest.mark.parametrize("h, w, padding", [(4, 4, 2), (5, 7, 2), (2, 2, 2), (3, 2, 2), (16, 9, 2),
                                           (6, 5, 1), (8, 9, 3), (3, 3, 3)])
def test_values_and_gradients_equal_the_definition(h, w, padding):
    """In float64, to 1e-10: every output pixel (border rows and columns included) and the gradients
    reaching the input, the weight and the bias."""
    x, weight, bias = _inputs(h, w, padding, seed=h * 10 + w)
    fused, plain = upsample_conv2d(x, weight, bias, padding), upsample_conv2d_plain(x, weight, bias, padding)
    assert fused.shape == plain.shape == (2, 4, 2 * h, 2 * w)
    torch.testing.assert_close(fused, plain, rtol=0, atol=1e-10)
    upstream = torch.randn_like(plain)
    grads_fused = torch.autograd.grad((fused * upstream).sum(), (x, weight, bias))
    grads_plain = torch.autograd.grad((plain * upstream).sum(), (x, weight, bias))
    for name, a, b in zip(("input", "weight", "bias"), grads_fused, grads_plain):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-9, msg=name)


def test_border_needs_its_own_computation():
    """Without the border fix-up the outermost rows and columns would be wrong (and only those):
    the phase kernels alone, on a replicate-padded input, reproduce the interior."""
    x, weight, bias = _inputs(6, 6, 2, seed=1)
    kernels, before, after = phase_kernels(weight, 2)
    assert kernels.shape == (16, 3, 3, 3) and (before, after) == (1, 1)
    small = torch.nn.functional.pad(x, (before, after, before, after), mode="replicate")
    phases = torch.nn.functional.pixel_shuffle(
        torch.nn.functional.conv2d(small, kernels, bias.repeat_interleave(4)), 2)
    plain = upsample_conv2d_plain(x, weight, bias, 2)
    torch.testing.assert_close(phases[..., 1:-1, 1:-1], plain[..., 1:-1, 1:-1], rtol=0, atol=1e-10)
    assert not torch.allclose(phases[..., 0, :], plain[..., 0, :])
    assert not torch.allclose(phases[..., :, -1], plain[..., :, -1])


def test_too_small_or_other_kernels_fall_back_to_the_definition():
    x, _, bias = _inputs(1, 5, 1, seed=2)  # a single row: no interior
    weight = torch.randn(4, 3, 3, 3, dtype=torch.float64)
    torch.testing.assert_close(upsample_conv2d(x, weight, bias, 1), upsample_conv2d_plain(x, weight, bias, 1))
    x, _, bias = _inputs(4, 4, 1, seed=3)
    even = torch.randn(4, 3, 4, 4, dtype=torch.float64)  # not 2 * padding + 1
    torch.testing.assert_close(upsample_conv2d(x, even, bias, 1), upsample_conv2d_plain(x, even, bias, 1))


def test_decoder_gives_the_same_images_and_gradients_either_way(ci_cfg):
    """Fused (the default) and layer-by-layer decoders agree in float32, on a non-square image."""
    torch.manual_seed(0)
    model = MUNIT(ci_cfg)
    decoder = model.gen_a.dec
    assert decoder.fused_upsampling
    decoder.fuse_min_side = decoder.fuse_min_channels = 0  # fuse even the ci model's small maps
    x = random_images((2, 3, 32, 48), 3)
    style = torch.randn(2, ci_cfg.style_dim, generator=torch.Generator().manual_seed(1))
    results = []
    for fused in (True, False):
        decoder.fused_upsampling = fused
        model.zero_grad(set_to_none=True)
        image = model.gen_a.decode(model.gen_a.encode_content(x), style)
        image.square().mean().backward()
        results.append((image.detach(), {n: p.grad.clone() for n, p in model.gen_a.named_parameters()
                                               if p.grad is not None}))
    (fused_image, fused_grads), (plain_image, plain_grads) = results
    torch.testing.assert_close(fused_image, plain_image)
    assert fused_grads.keys() == plain_grads.keys() and any(k.startswith("dec.") for k in plain_grads)
    for name in plain_grads:
        torch.testing.assert_close(fused_grads[name], plain_grads[name], rtol=1e-4, atol=1e-6, msg=name)


def test_fused_decoder_counts_fewer_flops(ci_cfg):
    torch.manual_seed(0)
    gen = MUNIT(ci_cfg).gen_a
    gen.dec.fuse_min_side = gen.dec.fuse_min_channels = 0
    content = gen.encode_content(random_images((1, 3, 32, 32), 4))
    counts = []
    for fused in (True, False):
        gen.dec.fused_upsampling = fused
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            gen.decode(content, torch.zeros(1, ci_cfg.style_dim))
        counts.append(counter.get_total_flops())
    assert counts[0] < counts[1]


def test_decoder_fuses_only_maps_large_enough_to_pay_off(ci_cfg):
    """At the ci widths (16 channels entering the upsampling) the decoder stays layer by layer by
    default: same FLOPs as the plain form; from 64 channels and 32 pixels a side it fuses."""
    torch.manual_seed(0)
    gen = MUNIT(ci_cfg).gen_a
    content = torch.zeros(1, gen.dec.model[2].conv.in_channels, 32, 32)  # model: res blocks, upsample, conv, ...

    def flops(**thresholds):
        for name, value in thresholds.items():
            setattr(gen.dec, name, value)
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            gen.decode(content, torch.zeros(1, ci_cfg.style_dim))
        return counter.get_total_flops()

    default = flops()
    gen.dec.fused_upsampling = False
    assert flops() == default
    gen.dec.fused_upsampling = True
    assert flops(fuse_min_channels=content.shape[1]) < default


def test_decoder_with_other_padding_runs_layer_by_layer(ci_cfg):
    """The low-resolution form reproduces reflect padding only: other paddings keep the plain path."""
    model = MUNIT(ci_cfg.replace(pad_type="zero"))
    assert not model.gen_a.dec.fused_upsampling


def test_fused_form_under_bf16_autocast_and_channels_last():
    """The trainer's GPU options reach this code: bf16 autocast and channels_last inputs give the
    plain form's result, to bf16 precision."""
    x, weight, bias = _inputs(8, 8, 2, seed=5, dtype=torch.float32)
    x = x.detach().to(memory_format=torch.channels_last)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        fused, plain = upsample_conv2d(x, weight, bias, 2), upsample_conv2d_plain(x, weight, bias, 2)
    assert fused.dtype == plain.dtype == torch.bfloat16
    torch.testing.assert_close(fused.float(), plain.float(), rtol=0.05, atol=0.15)
