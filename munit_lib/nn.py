"""Building blocks of MUNIT: AdaIN, MUNIT's LayerNorm, convolution, residual and linear blocks.

Attribute names (``conv``, ``norm``, ``fc``, ``model``) follow the original implementation's
state-dict layout, so that its checkpoints load into these modules key for key.
"""
from __future__ import annotations

import contextlib

import torch
from torch import nn
from torch.nn import functional as F

__all__ = [
    "AdaptiveInstanceNorm2d", "LayerNorm", "Conv2dBlock", "ResBlock", "ResBlocks", "LinearBlock", "MLP",
    "adain", "instance_norm", "make_activation", "make_padding", "frozen",
]

EPS = 1e-5  # the epsilon every MUNIT normalisation uses


# ----------------------------------------------------------------- functional forms
def instance_norm(x: torch.Tensor, eps: float = EPS) -> torch.Tensor:
    r"""Instance normalisation, per sample and channel:
    :math:`\hat x = (x - \mu_{nc}) / \sqrt{\sigma^2_{nc} + \epsilon}` with the biased variance
    over H and W. ``x``: (B, C, H, W)."""
    mean = x.mean(dim=(2, 3), keepdim=True)  # (B, C, 1, 1)
    var = x.var(dim=(2, 3), keepdim=True, unbiased=False)  # (B, C, 1, 1), biased
    return (x - mean) / torch.sqrt(var + eps)


def adain(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = EPS) -> torch.Tensor:
    r"""Adaptive instance normalisation: :math:`\mathrm{AdaIN}(x, \gamma, \beta) = \gamma\,\hat x + \beta`,
    with :math:`\hat x` the instance-normalised ``x`` (B, C, H, W) and ``gamma``, ``beta`` (B, C)
    produced from the style code by the MLP. Note: gamma, not 1 + gamma, as the original.

    Computed in one fused kernel: viewed as (1, B*C, H, W), batch normalisation in training
    mode takes exactly the per-sample, per-channel statistics that instance normalisation needs.
    """
    b, c = x.shape[:2]
    if gamma.shape != (b, c) or beta.shape != (b, c):
        raise ValueError(f"AdaIN needs gamma and beta shaped (B, C) = ({b}, {c}); "
                         f"got {tuple(gamma.shape)} and {tuple(beta.shape)}")
    folded = x.reshape(1, b * c, *x.shape[2:])  # (B, C, H, W) -> (1, B*C, H, W)
    out = F.batch_norm(folded, None, None, weight=gamma.reshape(-1), bias=beta.reshape(-1),
                       training=True, eps=eps)  # biased variance, eps inside the root
    return out.view_as(x)


# ----------------------------------------------------------------- normalisation layers
class AdaptiveInstanceNorm2d(nn.Module):
    """AdaIN whose (gamma, beta) are set per forward pass by the decoder from the style MLP.

    ``weight`` (gamma) and ``bias`` (beta) are plain attributes of shape (B * C,) assigned by
    :meth:`Decoder.assign_adain_params`; they are not parameters. The ``running_mean`` /
    ``running_var`` buffers exist only because the original state dicts carry them; they are
    never used (AdaIN always normalises with the statistics of the current sample).
    """

    def __init__(self, num_features: int, eps: float = EPS) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.weight: torch.Tensor | None = None
        self.bias: torch.Tensor | None = None
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.weight is None or self.bias is None:
            raise RuntimeError("AdaIN parameters are not set: call Decoder.assign_adain_params(mlp(style)) "
                               "before running the decoder (Generator.decode does this for you)")
        b, c = x.shape[:2]
        if self.weight.numel() != b * c:
            raise RuntimeError(f"AdaIN parameters were set for {self.weight.numel() // c} samples "
                               f"but the input has {b}")
        return adain(x, self.weight.view(b, c), self.bias.view(b, c), self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}"


class LayerNorm(nn.Module):
    r"""MUNIT's layer normalisation in the decoder's upsampling path:
    :math:`y = \gamma_c \, (x - \mu) / (\sigma + \epsilon) + \beta_c`, with :math:`\mu` and the
    *unbiased* standard deviation :math:`\sigma` taken per sample over C, H and W together, and
    :math:`\epsilon` outside the square root. ``gamma`` starts U(0, 1), ``beta`` at 0."""

    def __init__(self, num_features: int, eps: float = EPS, affine: bool = True) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.affine = affine
        if affine:
            self.gamma = nn.Parameter(torch.empty(num_features).uniform_())
            self.beta = nn.Parameter(torch.zeros(num_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(x.shape[0], -1)  # (B, C*H*W)
        shape = (-1,) + (1,) * (x.dim() - 1)  # (B, 1, 1, 1)
        mean = flat.mean(dim=1).view(shape)
        std = flat.std(dim=1).view(shape)  # unbiased, as the original
        x = (x - mean) / (std + self.eps)
        if self.affine:
            channel = (1, -1) + (1,) * (x.dim() - 2)  # (1, C, 1, 1)
            x = x * self.gamma.view(channel) + self.beta.view(channel)
        return x

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, affine={self.affine}"


# ----------------------------------------------------------------- factories
def make_activation(name: str) -> nn.Module | None:
    """``relu``, ``lrelu`` (slope 0.2), ``prelu``, ``selu``, ``tanh`` or ``none``."""
    table = {"relu": lambda: nn.ReLU(inplace=True), "lrelu": lambda: nn.LeakyReLU(0.2, inplace=True),
             "prelu": nn.PReLU, "selu": lambda: nn.SELU(inplace=True), "tanh": nn.Tanh, "none": lambda: None}
    if name not in table:
        raise ValueError(f"unknown activation {name!r}; choose from {sorted(table)}")
    return table[name]()


def make_padding(name: str, size: int) -> nn.Module:
    """``reflect`` (the paper), ``replicate`` or ``zero`` padding of ``size`` pixels."""
    table = {"reflect": nn.ReflectionPad2d, "replicate": nn.ReplicationPad2d, "zero": nn.ZeroPad2d}
    if name not in table:
        raise ValueError(f"unknown padding {name!r}; choose from {sorted(table)}")
    return table[name](size)


def _make_norm(name: str, channels: int) -> nn.Module | None:
    if name == "none":
        return None
    if name == "in":
        return nn.InstanceNorm2d(channels)  # affine=False: no parameters, as the original
    if name == "adain":
        return AdaptiveInstanceNorm2d(channels)
    if name == "ln":
        return LayerNorm(channels)
    if name == "bn":
        return nn.BatchNorm2d(channels)
    raise ValueError(f"unknown normalisation {name!r}; choose from ['adain', 'bn', 'in', 'ln', 'none']")


# ----------------------------------------------------------------- blocks
class Conv2dBlock(nn.Module):
    """pad -> conv -> norm -> activation, the unit every MUNIT network is made of."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int = 0, norm: str = "none", activation: str = "relu", pad_type: str = "reflect") -> None:
        super().__init__()
        self.pad = make_padding(pad_type, padding)
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, bias=True)
        self.norm = _make_norm(norm, out_channels)
        self.activation = make_activation(activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm_and_activate(self.conv(self.pad(x)))

    def norm_and_activate(self, x: torch.Tensor) -> torch.Tensor:
        """What follows the convolution: normalisation, then activation (each when present)."""
        if self.norm is not None:
            x = self.norm(x)
        if self.activation is not None:
            x = self.activation(x)
        return x


class ResBlock(nn.Module):
    """x + conv3x3(norm, act) -> conv3x3(norm): the activation follows the first conv only."""

    def __init__(self, channels: int, norm: str = "in", activation: str = "relu", pad_type: str = "reflect") -> None:
        super().__init__()
        self.model = nn.Sequential(
            Conv2dBlock(channels, channels, 3, 1, 1, norm=norm, activation=activation, pad_type=pad_type),
            Conv2dBlock(channels, channels, 3, 1, 1, norm=norm, activation="none", pad_type=pad_type),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.model(x)  # identity skip


class ResBlocks(nn.Module):
    """``num_blocks`` residual blocks in a row (``model.i`` in the original layout)."""

    def __init__(self, num_blocks: int, channels: int, norm: str = "in", activation: str = "relu",
                 pad_type: str = "reflect") -> None:
        super().__init__()
        self.model = nn.Sequential(*[ResBlock(channels, norm, activation, pad_type) for _ in range(num_blocks)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class LinearBlock(nn.Module):
    """fc -> activation (no normalisation in MUNIT's MLP)."""

    def __init__(self, in_features: int, out_features: int, activation: str = "relu") -> None:
        super().__init__()
        self.fc = nn.Linear(in_features, out_features, bias=True)
        self.activation = make_activation(activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.fc(x)
        return self.activation(x) if self.activation is not None else x


class MLP(nn.Module):
    """The style MLP: style_dim -> hidden -> ... -> out_features, ReLU between layers, none at the end.

    At the paper configuration 8 -> 256 -> 256 -> 4096 (1,120,768 parameters); the 4096 outputs
    are the (beta, gamma) pairs of the decoder's eight AdaIN layers.
    """

    def __init__(self, in_features: int, out_features: int, hidden: int, num_layers: int = 3,
                 activation: str = "relu") -> None:
        super().__init__()
        layers = [LinearBlock(in_features, hidden, activation)]
        layers += [LinearBlock(hidden, hidden, activation) for _ in range(num_layers - 2)]
        layers += [LinearBlock(hidden, out_features, activation="none")]
        self.model = nn.Sequential(*layers)

    def forward(self, style: torch.Tensor) -> torch.Tensor:
        return self.model(style.reshape(style.shape[0], -1))  # (B, style_dim, 1, 1) -> (B, style_dim)


@contextlib.contextmanager
def frozen(*modules: nn.Module):
    """``requires_grad=False`` on every parameter of ``modules`` inside the block (restored after).
    A forward pass run inside records no gradient for them, yet passes the gradient through to its
    input: how a generator step back-propagates through a discriminator without updating it."""
    params = [p for m in modules for p in m.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)
