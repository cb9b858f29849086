"""The baselines inside munit_lib's one training and translation path.

A ``MUNITConfig`` with ``model: unit | cyclegan | cyclegan_noise | bicyclegan`` selects a baseline;
the shared keys keep their meaning (:func:`baseline_config`), the loss weights are each paper's
defaults (build the model from its own config class in Python to change them). Everything the
``Trainer``, ``Translator`` and CLI need from a model goes through the functions here:

* :func:`build_model`, :func:`make_model_optimizers`, :func:`train_step_for`;
* :func:`translation_sides`: each domain's side of a baseline with MUNIT ``Generator``'s interface
  (``encode_content``, ``encode_style``, ``decode``, ``style_dim``, ``cfg``, ``input_dim``), so the
  ``Translator``, the sample grids and the shapes scores run unchanged. For image-to-image
  networks the "content" is the image itself and the "style" is the noise / latent code:
  UNIT ignores it (one shared code, unimodal), CycleGAN ignores it, CycleGAN* feeds it as noise,
  BicycleGAN as z (and ``encode_style`` of a B image is its encoder's mu: example-guided);
* :func:`export_model` / :func:`load_model`: the trained networks in the originals' checkpoint
  names, with our config.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from ..config import MUNITConfig
from ..networks import MUNIT
from .bicyclegan import BicycleGAN, BicycleGANConfig
from .cyclegan import CycleGAN, CycleGANConfig
from .steps import baseline_train_step, make_baseline_optimizers
from .unit import UNIT, UNITConfig, UNITGenerator

__all__ = ["MODELS", "EXPORT_FORMAT", "model_name", "is_paired", "baseline_config", "build_model",
           "make_model_optimizers", "train_step_for", "TranslationSide", "translation_sides", "directions_of",
           "export_model", "load_model", "model_from_checkpoint"]

MODELS = ("munit", "unit", "cyclegan", "cyclegan_noise", "bicyclegan")
EXPORT_FORMAT = "munit_lib.baseline/1"


def model_name(cfg: MUNITConfig) -> str:
    """The ``model:`` of a config (``munit`` when the key is absent)."""
    name = getattr(cfg, "model", "munit")
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose from {list(MODELS)}")
    return name


def is_paired(cfg: MUNITConfig) -> bool:
    """Whether the model trains on aligned pairs (BicycleGAN): batches of A and B then hold pair i at
    the same position."""
    return model_name(cfg) == "bicyclegan"


def baseline_config(cfg: MUNITConfig):
    """The baseline's own config from the shared keys: ``gen_dim`` = base width of the generator
    (and of BicycleGAN's encoder), ``dis_dim`` = discriminator width, ``n_res`` = residual blocks
    (UNIT's 4; CycleGAN's 9), ``n_downsample`` (UNIT), ``dis_n_layer`` / ``dis_num_scales`` (UNIT's
    MUNIT-like discriminator), ``style_dim`` = noise length of CycleGAN* and BicycleGAN's nz,
    ``input_dim_a`` / ``input_dim_b`` = channels, ``image_size`` (BicycleGAN's U-Net depth)."""
    name = model_name(cfg)
    if name == "unit":
        return UNITConfig(dim=cfg.gen_dim, n_downsample=cfg.n_downsample, n_res=cfg.n_res, input_dim_a=cfg.input_dim_a,
                          input_dim_b=cfg.input_dim_b, dis_dim=cfg.dis_dim, dis_n_layer=cfg.dis_n_layer,
                          dis_num_scales=cfg.dis_num_scales)
    if name in ("cyclegan", "cyclegan_noise"):
        return CycleGANConfig(ngf=cfg.gen_dim, ndf=cfg.dis_dim, n_blocks=cfg.n_res, input_nc_a=cfg.input_dim_a,
                              input_nc_b=cfg.input_dim_b, nz=cfg.style_dim if name == "cyclegan_noise" else 0,
                              image_size=cfg.image_size, seed=cfg.seed)
    if name == "bicyclegan":
        return BicycleGANConfig(input_nc=cfg.input_dim_a, output_nc=cfg.input_dim_b, nz=cfg.style_dim, ngf=cfg.gen_dim,
                                nef=cfg.gen_dim, ndf=cfg.dis_dim, image_size=cfg.image_size)
    raise ValueError("MUNIT has no baseline config: build it with munit_lib.MUNIT(cfg)")


def build_model(cfg: MUNITConfig) -> nn.Module:
    """The model ``cfg`` names: ``MUNIT(cfg)`` or a baseline (which remembers ``cfg`` as ``run_cfg``)."""
    name = model_name(cfg)
    if name == "munit":
        return MUNIT(cfg)
    model = {"unit": UNIT, "cyclegan": CycleGAN, "cyclegan_noise": CycleGAN, "bicyclegan": BicycleGAN}[name](
        baseline_config(cfg))
    model.run_cfg = cfg
    return model


def make_model_optimizers(model: nn.Module, cfg: MUNITConfig) -> tuple[torch.optim.Adam, torch.optim.Adam]:
    """(generator-side Adam, discriminator Adam) with ``cfg.lr``, ``beta1``, ``beta2``, ``weight_decay``."""
    if isinstance(model, MUNIT):
        from ..training.optim import make_optimizers

        return make_optimizers(model, cfg)
    return make_baseline_optimizers(model, cfg.lr, (cfg.beta1, cfg.beta2), cfg.weight_decay)


def train_step_for(model: nn.Module) -> Callable[..., dict[str, float]]:
    """MUNIT's ``train_step`` or :func:`~munit_lib.baselines.steps.baseline_train_step` (same signature)."""
    if isinstance(model, MUNIT):
        from ..training.step import train_step

        return train_step
    return baseline_train_step


# ----------------------------------------------------------------------------- translation sides
class TranslationSide(nn.Module):
    """One domain of a baseline seen through MUNIT ``Generator``'s interface.

    ``encode_content(x)``: what the networks translate from (UNIT: the latent mean h; the others:
    the image itself). ``decode(content, style)``: the image of THIS domain made from another
    domain's content (``producer``), given the code ``style`` (B, style_dim) when the model uses
    one. ``encode_style(x)``: the code of an image of this domain (BicycleGAN: the encoder's mu;
    models without a code encoder: zeros).
    """

    def __init__(self, cfg: MUNITConfig, input_dim: int, producer: nn.Module | None, uses_code: bool,
                 content_encoder: nn.Module | None = None, code_encoder: nn.Module | None = None) -> None:
        super().__init__()
        self.cfg, self.input_dim, self.style_dim, self.uses_code = cfg, int(input_dim), int(cfg.style_dim), uses_code
        self.producer, self.content_encoder, self.code_encoder = producer, content_encoder, code_encoder
        # an empty parameter: device and dtype are defined (and follow .to()) even with no network here
        self.anchor = nn.Parameter(torch.empty(0), requires_grad=False)

    @property
    def can_decode(self) -> bool:
        return self.producer is not None

    def _check(self, x: torch.Tensor, who: str) -> None:
        if x.dim() != 4 or x.shape[1] != self.input_dim:
            raise ValueError(f"{who} expects images shaped (B, {self.input_dim}, H, W); got {tuple(x.shape)}")

    def encode_content(self, x: torch.Tensor) -> torch.Tensor:
        self._check(x, "encode_content")
        if self.content_encoder is None:
            return x  # image-to-image networks translate the image itself
        return self.content_encoder(x)

    def encode_style(self, x: torch.Tensor) -> torch.Tensor:
        self._check(x, "encode_style")
        if self.code_encoder is None:  # no encoder of codes: the neutral code
            return x.new_zeros(x.shape[0], self.style_dim)
        return self.code_encoder(x)[0]  # mu of (mu, logvar)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.encode_content(x), self.encode_style(x)

    def decode(self, content: torch.Tensor, style: torch.Tensor | None = None) -> torch.Tensor:
        if self.producer is None:
            raise ValueError("this model does not translate into this domain (BicycleGAN translates A -> B only)")
        if not self.uses_code:
            return self.producer(content)
        style = style.flatten(1) if style is not None else None
        if style is None or style.shape[1] != self.style_dim:
            raise ValueError(f"this model needs a code shaped (B, {self.style_dim}); "
                             f"got {None if style is None else tuple(style.shape)}")
        if style.shape[0] == 1 and content.shape[0] > 1:
            style = style.expand(content.shape[0], -1)  # one code for the whole batch
        return self.producer(content, style)


class _UNITDecode(nn.Module):
    def __init__(self, gen: UNITGenerator) -> None:
        super().__init__()
        self.gen = gen

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.gen.decode(h)  # the mean alone: UNIT's test-time translation


class _UNITEncode(nn.Module):
    def __init__(self, gen: UNITGenerator) -> None:
        super().__init__()
        self.gen = gen

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.gen.enc(x)


def translation_sides(model: nn.Module, cfg: MUNITConfig | None = None) -> tuple[nn.Module, nn.Module]:
    """(side a, side b) with the ``Generator`` interface: MUNIT's own generators, or
    :class:`TranslationSide` s sharing the baseline's networks (not copies)."""
    if isinstance(model, MUNIT):
        return model.gen_a, model.gen_b
    cfg = cfg or model.run_cfg
    if isinstance(model, UNIT):
        return tuple(TranslationSide(cfg, g.input_dim, _UNITDecode(g), False, content_encoder=_UNITEncode(g))
                     for g in (model.gen_a, model.gen_b))
    if isinstance(model, CycleGAN):
        uses = model.nz > 0
        return (TranslationSide(cfg, model.cfg.input_nc_a, model.gen_a, uses),
                TranslationSide(cfg, model.cfg.input_nc_b, model.gen_b, uses))
    if isinstance(model, BicycleGAN):
        return (TranslationSide(cfg, model.cfg.input_nc, None, True),
                TranslationSide(cfg, model.cfg.output_nc, model.gen, True, code_encoder=model.enc))
    raise TypeError(f"no translation sides for {type(model).__name__}")


def directions_of(model: nn.Module) -> tuple[str, ...]:
    """The directions a model translates: both, or ``("a2b",)`` for BicycleGAN."""
    return ("a2b",) if isinstance(model, BicycleGAN) else ("a2b", "b2a")


# ----------------------------------------------------------------------------- files
def _networks(model: nn.Module) -> dict[str, nn.Module]:
    """The generator-side networks under the original implementations' checkpoint names."""
    if isinstance(model, UNIT):
        return {"a": model.gen_a, "b": model.gen_b}  # gen_XXXXXXXX.pt
    if isinstance(model, CycleGAN):
        return {"G_A": model.gen_b, "G_B": model.gen_a}  # netG_A: A -> B, netG_B: B -> A
    if isinstance(model, BicycleGAN):
        return {"G": model.gen, "E": model.enc}
    raise TypeError(f"{type(model).__name__} is not a baseline")


def export_model(model: nn.Module, path: str | os.PathLike, cfg: MUNITConfig, iteration: int = 0,
                 half: bool = False) -> Path:
    """Save a baseline's generator-side networks (contiguous CPU tensors) with the run's config::

        {"format": "munit_lib.baseline/1", "model": "cyclegan", "config": {...}, "iteration": N,
         "networks": {"G_A": state dict, "G_B": ...}}      (UNIT: "a", "b"; BicycleGAN: "G", "E")

    ``half=True`` stores every floating tensor in float16 (half the bytes; :func:`load_model`
    copies them into float32 networks) and adds ``"dtype": "float16"``."""
    from ..training.checkpoint import atomic_save, exportable_state

    nets = {name: exportable_state(net, half) for name, net in _networks(model).items()}
    data = {"format": EXPORT_FORMAT, "model": model_name(cfg), "config": cfg.to_dict(),
            "iteration": int(iteration), "networks": nets}
    if half:
        data["dtype"] = "float16"
    return atomic_save(data, path)


def load_model(path: str | os.PathLike, use_ema: bool = True) -> tuple[nn.Module, MUNITConfig]:
    """A baseline (eval mode, CPU) and its config from :func:`export_model`'s file or from a training
    checkpoint (``checkpoints/last.pt``) of a baseline run. Read with ``weights_only=True``."""
    from ..official import read_checkpoint

    return model_from_checkpoint(read_checkpoint(path), path)


def model_from_checkpoint(data: dict, path: str | os.PathLike = "the checkpoint") -> tuple[nn.Module, MUNITConfig]:
    """:func:`load_model` on a checkpoint already read (``official.read_checkpoint``), for a caller
    that needs more of it (its ``iteration``, say) without reading the file twice; ``path`` names it
    in errors."""
    from ..official import load_state_dict_strict

    if not isinstance(data, dict) or not isinstance(data.get("config"), dict):
        raise ValueError(f"{path} holds no munit_lib config: it is not a baseline export or training checkpoint")
    cfg = MUNITConfig.from_dict(dict(data["config"]))
    if model_name(cfg) == "munit":
        raise ValueError(f"{path} holds a MUNIT model: load it with Translator.from_checkpoint or "
                         "load_official_generators")
    model = build_model(cfg)
    if data.get("format") == EXPORT_FORMAT:
        for name, net in _networks(model).items():
            load_state_dict_strict(net, data["networks"][name], f"{path} (network {name!r})")
    elif "model" in data:
        model.load_state_dict(data["model"])
    else:
        raise ValueError(f"{path} is neither a baseline export ({EXPORT_FORMAT}) nor a training checkpoint")
    return model.eval(), cfg
