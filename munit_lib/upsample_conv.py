r"""Nearest x2 upsampling followed by a reflect-padded convolution, computed at the low resolution.

The decoder's upsampling step is ``conv_k(reflect_pad_p(upsample_x2(x)))`` with k = 5, p = 2. Nearest
upsampling repeats every pixel in a 2x2 block, so a k x k kernel sliding over the upsampled image
reads each input pixel more than once: its taps can be added together beforehand. Each of the four
output *phases* (even/odd row, even/odd column) is then an ordinary convolution of the small
input with a 3 x 3 kernel, and ``pixel_shuffle`` interleaves the four results:

.. math::  y[2m + i,\, 2n + j] = \sum_{a, b} W^{(ij)}_{ab}\, x[m + a - 1,\, n + b - 1],
           \qquad W^{(ij)} = A_i\, W\, A_j^\top

where :math:`A_i` (3 x k) adds up the kernel rows that land on the same input row for phase i.
For k = 5 this is 4 x 9 = 36 multiply-adds per output pixel group against 4 x 25 = 100: the same
result (to float rounding) for 2.8 times less arithmetic and without building the upsampled image.

Only the reflection at the image border does not factor this way: padding the *small* image by
replication reproduces the reflected upsampled image everywhere except on the outermost p - 1
output rows and columns, which are computed directly from thin slabs of the input.
``tests/test_upsample_conv.py`` checks values and gradients against the plain computation.
"""
from __future__ import annotations

import functools

import torch
from torch.nn import functional as F

__all__ = ["upsample_conv2d", "upsample_conv2d_plain", "phase_kernels"]


def upsample_conv2d_plain(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                          padding: int) -> torch.Tensor:
    """The definition: nearest x2 upsample, reflect-pad by ``padding``, convolve (stride 1).
    ``x`` (B, C, H, W) -> (B, C_out, 2H, 2W) for a kernel of size 2 * padding + 1."""
    up = F.interpolate(x, scale_factor=2, mode="nearest")  # (B, C, 2H, 2W)
    return F.conv2d(F.pad(up, (padding,) * 4, mode="reflect"), weight, bias)


def _tap_sums(k: int, padding: int, phase: int) -> tuple[torch.Tensor, int]:
    """A_phase, a (K', k) 0/1 matrix: row d - d_min adds up the kernel taps t that read input offset
    d = floor((phase + t - padding) / 2) for output rows of this phase (0: even, 1: odd); with d_min."""
    d_min, d_max = (-padding) // 2, (k - padding) // 2
    offsets = torch.div(phase + torch.arange(k) - padding, 2, rounding_mode="floor")  # (k,)
    return (torch.arange(d_min, d_max + 1).unsqueeze(1) == offsets).float(), d_min  # (K', k)


def phase_kernels(weight: torch.Tensor, padding: int) -> tuple[torch.Tensor, int, int]:
    """The four phase kernels W^(ij) = A_i W A_j^T of ``weight`` (C_out, C_in, k, k), stacked as
    (C_out * 4, C_in, K', K') in ``pixel_shuffle`` order (channel o * 4 + 2 * i + j is phase (i, j)
    of output channel o). Returns them with the input padding they need before and after."""
    c_out, c_in, k, _ = weight.shape
    mix, d_min, size = _phase_mix(k, padding, weight.device, weight.dtype)
    flat = weight.reshape(c_out * c_in, k * k) @ mix.t()  # (C_out * C_in, 4 K'^2)
    kernels = flat.view(c_out, c_in, 4, size, size).transpose(1, 2)  # (C_out, 4, C_in, K', K')
    return kernels.reshape(c_out * 4, c_in, size, size), -d_min, size - 1 + d_min


@functools.lru_cache(maxsize=16)
def _phase_mix(k: int, padding: int, device: torch.device, dtype: torch.dtype) -> tuple[torch.Tensor, int, int]:
    """vec(A_i W A_j^T) = (A_i kron A_j) vec(W): one (4 K'^2, k^2) 0/1 matrix maps a flattened kernel
    to its four phase kernels. Built once per kernel size, device and dtype."""
    sums = [_tap_sums(k, padding, phase) for phase in (0, 1)]
    mix = torch.cat([torch.kron(sums[i][0], sums[j][0]) for i in (0, 1) for j in (0, 1)])  # (4 K'^2, k^2)
    return mix.to(device=device, dtype=dtype), sums[0][1], sums[0][0].shape[0]


def upsample_conv2d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                    padding: int) -> torch.Tensor:
    """Equal to :func:`upsample_conv2d_plain` (to float rounding), computed at the input's resolution.

    ``x`` (B, C, H, W), ``weight`` (C_out, C, k, k) with k = 2 * padding + 1 -> (B, C_out, 2H, 2W).
    Falls back to the plain computation for other kernels and for images too small to have an
    interior (fewer than ``padding`` rows or columns).
    """
    k = weight.shape[-1]
    h, w = x.shape[-2:]
    if weight.shape[-2] != k or k != 2 * padding + 1 or padding < 1 or min(h, w) < padding:
        return upsample_conv2d_plain(x, weight, bias, padding)
    kernels, before, after = phase_kernels(weight, padding)
    phase_bias = bias.repeat_interleave(4) if bias is not None else None  # (C_out * 4,)
    small = F.pad(x, (before, after, before, after), mode="replicate")  # (B, C, H + K' - 1, W + K' - 1)
    y = F.pixel_shuffle(F.conv2d(small, kernels, phase_bias), 2)  # (B, C_out * 4, H, W) -> (B, C_out, 2H, 2W)
    border = padding - 1  # outermost rows/columns where replication and reflection differ
    if border == 0:
        return y
    reach = border + k - 1  # padded upsampled rows that the border rows read
    n = padding  # input rows/columns that cover them, reflection included

    def exact(slab: torch.Tensor, dim: int, first: bool) -> torch.Tensor:
        # the plain computation on a thin slab, cropped (before the conv) to what the border reads
        up = F.pad(F.interpolate(slab, scale_factor=2, mode="nearest"), (padding,) * 4, mode="reflect")
        up = up.narrow(dim, 0 if first else up.shape[dim] - reach, reach)
        return F.conv2d(up, weight, bias)  # `border` rows (dim 2) or columns (dim 3)

    left, right = exact(x[..., :n], 3, True), exact(x[..., w - n:], 3, False)  # (B, C_out, 2H, border)
    y = torch.cat([left, y[..., border:-border], right], dim=3)
    top, bottom = exact(x[..., :n, :], 2, True), exact(x[..., h - n:, :], 2, False)  # (B, C_out, border, 2W)
    return torch.cat([top, y[..., border:-border, :], bottom], dim=2)
