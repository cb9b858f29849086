"""MUNIT's networks: content and style encoders, the AdaIN decoder with its MLP, the generator,
and the multi-scale PatchGAN discriminator.

At the paper configuration (``MUNITConfig()``) one ``Generator`` has 15,026,187 parameters
(style encoder 2,764,936; content encoder 5,385,856; decoder 5,754,627; MLP 1,120,768) and one
``MultiScaleDiscriminator`` 8,271,171, the same as the original implementation, whose state-dict
keys these modules reproduce (see ``munit_lib.official``).
"""
from __future__ import annotations

import torch
from torch import nn

from .config import MUNITConfig
from .nn import MLP, AdaptiveInstanceNorm2d, Conv2dBlock, ResBlocks
from .upsample_conv import upsample_conv2d

__all__ = ["ContentEncoder", "StyleEncoder", "Decoder", "Generator",
           "MultiScaleDiscriminator", "MUNIT", "init_weights", "count_parameters", "random_styles",
           "DIRECTIONS", "check_direction"]

DIRECTIONS = ("a2b", "b2a")


def count_parameters(module: nn.Module) -> int:
    """Number of trainable values in ``module``."""
    return sum(p.numel() for p in module.parameters())


def random_styles(n: int, style_dim: int, seed: int = 0, device: torch.device | str | None = None,
                  dtype: torch.dtype = torch.float32, generator: torch.Generator | None = None) -> torch.Tensor:
    """``n`` style codes from the prior ``s ~ N(0, I)``, shaped ``(n, style_dim)``: the one place that
    draws them (``MUNIT.random_style``, training and ``munit_lib.translate`` call it).

    Drawn on the CPU from a ``torch.Generator`` seeded with ``seed`` (the global RNG is left
    alone), then moved to ``device``: the same seed gives the same codes on every device. With
    ``generator`` (a running stream, as training uses), drawn from it on ``device`` (default: the
    generator's own device) instead, and ``seed`` is not used.
    """
    if int(n) < 1 or int(style_dim) < 1:
        raise ValueError(f"need n >= 1 and style_dim >= 1, got n={n}, style_dim={style_dim}")
    if generator is not None:
        device = device if device is not None else generator.device
        return torch.randn(int(n), int(style_dim), generator=generator, device=device, dtype=dtype)
    generator = torch.Generator(device="cpu").manual_seed(int(seed))
    styles = torch.randn(int(n), int(style_dim), generator=generator, dtype=torch.float32)  # (n, d)
    return styles.to(device=device or "cpu", dtype=dtype)


def check_direction(direction: str) -> str:
    """``"a2b"`` or ``"b2a"`` (any letter case); anything else raises ``ValueError`` listing both."""
    if isinstance(direction, str) and direction.strip().lower() in DIRECTIONS:
        return direction.strip().lower()
    raise ValueError(f"unknown direction {direction!r}: use one of {', '.join(repr(d) for d in DIRECTIONS)} "
                     "('a2b' encodes content with gen_a and decodes with gen_b)")


def check_image(x: torch.Tensor, channels: int, multiple: int, min_size: int, who: str,
                channels_hint: str = "check input_dim_a / input_dim_b in the config") -> None:
    """Raise ``ValueError`` naming what is wrong with an image batch a network cannot take (every
    network of munit_lib checks its input here; ``channels_hint`` ends the wrong-channels message)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{who} expects a torch.Tensor, got {type(x).__name__}")
    if x.dim() != 4:
        raise ValueError(f"{who} expects images shaped (B, C, H, W); got {tuple(x.shape)} "
                         "(add a batch dimension with x.unsqueeze(0))")
    if x.shape[1] != channels:
        raise ValueError(f"{who} expects {channels} channels, got {x.shape[1]} (input shape {tuple(x.shape)})"
                         + (f"; {channels_hint}" if channels_hint else ""))
    h, w = x.shape[2:]
    if h < min_size or w < min_size or h % multiple or w % multiple:
        raise ValueError(f"{who} cannot take {h}x{w} images: height and width must be at least {min_size}"
                         + (f" and multiples of {multiple}" if multiple > 1 else "") + "; resize or crop the input")


# ----------------------------------------------------------------------------- encoders
class ContentEncoder(nn.Module):
    """Image -> content code: 7x7 conv, ``n_downsample`` stride-2 4x4 convs doubling the width,
    then ``n_res`` residual blocks, all with instance normalisation (which removes each channel's
    mean and variance: the image's global style statistics).

    (B, C_in, H, W) -> (B, dim * 2**n_downsample, H / 2**n_downsample, W / 2**n_downsample)
    """

    def __init__(self, n_downsample: int, n_res: int, input_dim: int, dim: int, activ: str = "relu",
                 pad_type: str = "reflect") -> None:
        super().__init__()
        layers = [Conv2dBlock(input_dim, dim, 7, 1, 3, norm="in", activation=activ, pad_type=pad_type)]
        for _ in range(n_downsample):
            layers.append(Conv2dBlock(dim, 2 * dim, 4, 2, 1, norm="in", activation=activ, pad_type=pad_type))
            dim *= 2
        layers.append(ResBlocks(n_res, dim, norm="in", activation=activ, pad_type=pad_type))
        self.model = nn.Sequential(*layers)
        self.output_dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class StyleEncoder(nn.Module):
    """Image -> style code: 7x7 conv, stride-2 4x4 convs doubling the width up to 4 * dim, more
    stride-2 convs at that width (``n_downsample`` = 4 in all, whatever the content encoder
    does), global average pooling and a 1x1 conv. No normalisation anywhere: IN would erase the
    very statistics that carry style.

    (B, C_in, H, W) -> (B, style_dim, 1, 1)
    """

    def __init__(self, n_downsample: int, input_dim: int, dim: int, style_dim: int, activ: str = "relu",
                 pad_type: str = "reflect") -> None:
        super().__init__()
        layers = [Conv2dBlock(input_dim, dim, 7, 1, 3, norm="none", activation=activ, pad_type=pad_type)]
        for _ in range(min(2, n_downsample)):  # widen 64 -> 128 -> 256
            layers.append(Conv2dBlock(dim, 2 * dim, 4, 2, 1, norm="none", activation=activ, pad_type=pad_type))
            dim *= 2
        for _ in range(n_downsample - 2):  # keep the width
            layers.append(Conv2dBlock(dim, dim, 4, 2, 1, norm="none", activation=activ, pad_type=pad_type))
        layers.append(nn.AdaptiveAvgPool2d(1))  # global average pool: (B, dim, 1, 1)
        layers.append(nn.Conv2d(dim, style_dim, 1, 1, 0))
        self.model = nn.Sequential(*layers)
        self.output_dim = style_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


# ----------------------------------------------------------------------------- decoder
class Decoder(nn.Module):
    """Content code (+ AdaIN parameters from the style) -> image.

    ``n_res`` residual blocks whose normalisation is AdaIN, then per upsampling: nearest x2,
    5x5 conv halving the width, LayerNorm, ReLU; finally a 7x7 conv to ``output_dim`` and tanh.

    ``fused_upsampling`` (default on): each "nearest x2, reflect pad, 5x5 conv" is computed at the
    low resolution (:mod:`munit_lib.upsample_conv`): the same values to float rounding, 2.8 times
    fewer FLOPs for those layers. Set it to False to run the layers one after another as listed.
    The fused form has a fixed overhead (its exact border), so it is used only where it pays off:
    an input of at least ``fuse_min_side`` pixels a side and ``fuse_min_channels`` channels (on
    the 2-core CPU of benchmarks/results.md it is 1.1-2.1 times faster from there on, and up to
    2.7 times slower on small, narrow maps: ``benchmarks/upsample_conv.py``).
    """

    fuse_min_side = 32
    fuse_min_channels = 64

    def __init__(self, n_upsample: int, n_res: int, dim: int, output_dim: int, activ: str = "relu",
                 pad_type: str = "reflect") -> None:
        super().__init__()
        layers: list[nn.Module] = [ResBlocks(n_res, dim, norm="adain", activation=activ, pad_type=pad_type)]
        for _ in range(n_upsample):
            layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
            layers.append(Conv2dBlock(dim, dim // 2, 5, 1, 2, norm="ln", activation=activ, pad_type=pad_type))
            dim //= 2
        layers.append(Conv2dBlock(dim, output_dim, 7, 1, 3, norm="none", activation="tanh", pad_type=pad_type))
        self.model = nn.Sequential(*layers)
        self.fused_upsampling = pad_type == "reflect"  # the low-resolution form reproduces reflect padding

    def adain_layers(self) -> list[AdaptiveInstanceNorm2d]:
        """The AdaIN layers in module order: the order in which they consume the MLP's output."""
        return [m for m in self.modules() if isinstance(m, AdaptiveInstanceNorm2d)]

    @property
    def num_adain_params(self) -> int:
        """How many values the MLP must emit: a beta and a gamma per channel of each AdaIN layer."""
        return sum(2 * m.num_features for m in self.adain_layers())

    def assign_adain_params(self, adain_params: torch.Tensor) -> None:
        """Split the MLP output (B, num_adain_params) over the AdaIN layers: for each layer in
        module order the first C values are its beta (bias), the next C its gamma (weight)."""
        if adain_params.dim() != 2 or adain_params.shape[1] != self.num_adain_params:
            raise ValueError(f"the decoder needs AdaIN parameters shaped (B, {self.num_adain_params}); "
                             f"got {tuple(adain_params.shape)}")
        offset = 0
        for layer in self.adain_layers():
            c = layer.num_features
            layer.bias = adain_params[:, offset:offset + c].reshape(-1)  # beta, (B * C,)
            layer.weight = adain_params[:, offset + c:offset + 2 * c].reshape(-1)  # gamma, (B * C,)
            offset += 2 * c

    def clear_adain_params(self) -> None:
        """Forget the per-sample AdaIN parameters, so no autograd graph outlives the forward pass
        (and ``copy.deepcopy`` / EMA copies of the model keep working)."""
        for layer in self.adain_layers():
            layer.weight = None
            layer.bias = None

    def forward(self, content: torch.Tensor) -> torch.Tensor:
        if not self.fused_upsampling:
            return self.model(content)
        x, layers, i = content, list(self.model), 0
        while i < len(layers):
            if isinstance(layers[i], nn.Upsample) and self._fuse_pays_off(x):
                block = layers[i + 1]  # nearest x2 + the Conv2dBlock after it, in one
                x = upsample_conv2d(x, block.conv.weight, block.conv.bias, block.pad.padding[0])
                x = block.norm_and_activate(x)
                i += 2
            else:
                x = layers[i](x)
                i += 1
        return x

    def _fuse_pays_off(self, x: torch.Tensor) -> bool:
        return min(x.shape[-2:]) >= self.fuse_min_side and x.shape[1] >= self.fuse_min_channels


# ----------------------------------------------------------------------------- generator
class Generator(nn.Module):
    """One domain's auto-encoder: ``encode(x) -> (content, style)``, ``decode(content, style) -> x``.

    Translation A -> B is ``gen_b.decode(gen_a.encode(x_a)[0], s_b)`` with ``s_b ~ N(0, I)``.
    Submodule names (``enc_style``, ``enc_content``, ``dec``, ``mlp``) match the original.
    """

    def __init__(self, cfg: MUNITConfig | None = None, input_dim: int | None = None) -> None:
        super().__init__()
        cfg = cfg or MUNITConfig()
        self.cfg = cfg
        self.input_dim = input_dim if input_dim is not None else cfg.input_dim_a
        self.style_dim = cfg.style_dim
        self.enc_style = StyleEncoder(cfg.style_downsample, self.input_dim, cfg.gen_dim, cfg.style_dim,
                                      cfg.activ, cfg.pad_type)
        self.enc_content = ContentEncoder(cfg.n_downsample, cfg.n_res, self.input_dim, cfg.gen_dim,
                                          cfg.activ, cfg.pad_type)
        self.dec = Decoder(cfg.n_downsample, cfg.n_res, self.enc_content.output_dim, self.input_dim,
                           cfg.activ, cfg.pad_type)
        self.mlp = MLP(cfg.style_dim, self.dec.num_adain_params, cfg.mlp_dim, cfg.mlp_layers, cfg.activ)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Image (B, C, H, W) in [-1, 1] -> (content (B, 4*dim, H/4, W/4), style (B, style_dim))."""
        check_image(x, self.input_dim, self.cfg.size_multiple, self.cfg.generator_min_size, "Generator.encode")
        style = self.enc_style(x).flatten(1)  # (B, style_dim, 1, 1) -> (B, style_dim)
        content = self.enc_content(x)
        return content, style

    def encode_content(self, x: torch.Tensor) -> torch.Tensor:
        """Only the content code (skips the style encoder: a translation with a given style needs no more)."""
        check_image(x, self.input_dim, self.cfg.size_multiple, self.cfg.generator_min_size, "Generator.encode_content")
        return self.enc_content(x)

    def encode_style(self, x: torch.Tensor) -> torch.Tensor:
        """Only the style code (B, style_dim) (skips the content encoder)."""
        check_image(x, self.input_dim, self.cfg.size_multiple, self.cfg.generator_min_size, "Generator.encode_style")
        return self.enc_style(x).flatten(1)

    def decode(self, content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        """(content, style) -> image in [-1, 1]; style shaped (B, style_dim) or (B, style_dim, 1, 1)."""
        style = self._check_style(style, content.shape[0])
        self.dec.assign_adain_params(self.mlp(style))
        try:
            return self.dec(content)
        finally:
            self.dec.clear_adain_params()  # the style only lives for this call

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Within-domain reconstruction ``decode(*encode(x))``."""
        return self.decode(*self.encode(x))

    def _check_style(self, style: torch.Tensor, batch: int) -> torch.Tensor:
        if style.dim() == 4 and style.shape[2:] == (1, 1):
            style = style.flatten(1)
        if style.dim() != 2 or style.shape[1] != self.style_dim:
            raise ValueError(f"a style code must be shaped (B, {self.style_dim}) or (B, {self.style_dim}, 1, 1); "
                             f"got {tuple(style.shape)}")
        if style.shape[0] != batch:
            if style.shape[0] == 1:
                style = style.expand(batch, -1)  # one style for the whole batch
            else:
                raise ValueError(f"{style.shape[0]} style codes for {batch} content codes; give one or {batch}")
        return style


# ----------------------------------------------------------------------------- discriminator
class MultiScaleDiscriminator(nn.Module):
    """PatchGAN discriminators at ``num_scales`` resolutions; returns one score map per scale.

    Each scale: 4x4 stride-2 convs (64, 128, 256, 512 at the paper widths) with LeakyReLU 0.2 and
    no normalisation, then a 1x1 conv to one channel. Between scales the image is average-pooled
    (3x3, stride 2, padding 1, padding not counted), so coarser scales judge larger patches.
    """

    def __init__(self, cfg: MUNITConfig | None = None, input_dim: int | None = None) -> None:
        super().__init__()
        cfg = cfg or MUNITConfig()
        self.cfg = cfg
        self.input_dim = input_dim if input_dim is not None else cfg.input_dim_a
        self.gan_type = cfg.gan_type
        self.downsample = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)
        self.cnns = nn.ModuleList([self._make_net(cfg) for _ in range(cfg.dis_num_scales)])

    def _make_net(self, cfg: MUNITConfig) -> nn.Sequential:
        dim = cfg.dis_dim
        layers = [Conv2dBlock(self.input_dim, dim, 4, 2, 1, norm="none", activation=cfg.dis_activ,
                              pad_type=cfg.dis_pad_type)]
        for _ in range(cfg.dis_n_layer - 1):
            layers.append(Conv2dBlock(dim, 2 * dim, 4, 2, 1, norm=cfg.dis_norm, activation=cfg.dis_activ,
                                      pad_type=cfg.dis_pad_type))
            dim *= 2
        layers.append(nn.Conv2d(dim, 1, 1, 1, 0))  # one real/fake score per patch
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        """(B, C, H, W) -> [(B, 1, H/16, W/16), (B, 1, H/32, W/32), ...] at the paper settings."""
        check_image(x, self.input_dim, 1, self.cfg.discriminator_min_size, "MultiScaleDiscriminator")
        outputs = []
        for net in self.cnns:
            outputs.append(net(x))
            x = self.downsample(x)
        return outputs

    # (the adversarial losses live in munit_lib.losses: discriminator_loss, generator_adversarial_loss)


# ----------------------------------------------------------------------------- initialisation
def init_weights(module: nn.Module, kind: str = "kaiming") -> nn.Module:
    """Initialise every Conv2d and Linear weight in ``module`` and zero their biases.

    ``kaiming``: He normal (fan in, gain for ReLU), the generators' default; ``gaussian``: N(0, 0.02),
    always used for the discriminators. MUNIT's LayerNorm keeps its own U(0, 1) gamma.
    """
    for m in module.modules():
        if not isinstance(m, (nn.Conv2d, nn.Linear)):
            continue
        if kind == "kaiming":
            nn.init.kaiming_normal_(m.weight, a=0, mode="fan_in")
        elif kind == "gaussian":
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif kind == "xavier":
            nn.init.xavier_normal_(m.weight, gain=2 ** 0.5)
        elif kind == "orthogonal":
            nn.init.orthogonal_(m.weight, gain=2 ** 0.5)
        elif kind == "default":
            continue
        else:
            raise ValueError(f"unknown init {kind!r}; choose kaiming, gaussian, xavier, orthogonal or default")
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    return module


class MUNIT(nn.Module):
    """The whole model: two generators and two discriminators, initialised as the original
    (generators with ``cfg.init``, discriminators with N(0, 0.02))."""

    def __init__(self, cfg: MUNITConfig | None = None) -> None:
        super().__init__()
        cfg = cfg or MUNITConfig()
        self.cfg = cfg
        self.gen_a = init_weights(Generator(cfg, cfg.input_dim_a), cfg.init)
        self.gen_b = init_weights(Generator(cfg, cfg.input_dim_b), cfg.init)
        self.dis_a = init_weights(MultiScaleDiscriminator(cfg, cfg.input_dim_a), "gaussian")
        self.dis_b = init_weights(MultiScaleDiscriminator(cfg, cfg.input_dim_b), "gaussian")

    def random_style(self, batch: int, generator: torch.Generator | None = None,
                     device: torch.device | str | None = None) -> torch.Tensor:
        """Style codes drawn from the prior N(0, I), shaped (batch, style_dim) (:func:`random_styles`)."""
        device = device if device is not None else next(self.parameters()).device
        if generator is None:  # the global RNG, as torch.randn without a generator
            return torch.randn(batch, self.cfg.style_dim, device=device)
        return random_styles(batch, self.cfg.style_dim, device=device, generator=generator)

    @torch.no_grad()
    def translate(self, x: torch.Tensor, direction: str = "a2b", style: torch.Tensor | None = None,
                  generator: torch.Generator | None = None) -> torch.Tensor:
        """Translate a batch ``a2b`` or ``b2a``, image ``b`` with style ``b`` (given, or drawn from
        N(0, I)): ``x_ab = G_b(E_a^c(x_a), s_b)``, shaped ``(B, C, H, W)``. The generators run in eval
        mode and their train/eval modes are restored after.

        ``x`` is a batch the generators take (``(B, C, H, W)`` in [-1, 1], sides multiples of
        ``cfg.size_multiple``); :class:`munit_lib.translate.Translator` also takes files, folders and
        other sizes (it fits them), and every input with every style.
        """
        source, target = (self.gen_a, self.gen_b) if check_direction(direction) == "a2b" else (self.gen_b, self.gen_a)
        if style is None:
            style = self.random_style(x.shape[0], generator, x.device)
        style = style.reshape(x.shape[0], -1)  # (B, style_dim): one code per image
        if style.shape[1] != self.cfg.style_dim:
            raise ValueError(f"style codes must have length {self.cfg.style_dim} for this model, one per image; "
                             f"got {style.shape[1]}")
        modes = (source.training, target.training)
        try:
            source.eval(), target.eval()
            return target.decode(source.encode_content(x), style)
        finally:
            source.train(modes[0])
            target.train(modes[1])
