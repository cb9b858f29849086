"""Every model munit_lib trains and translates with, by name: MUNIT and the baselines.

A ``MUNITConfig`` whose ``model:`` is ``unit``, ``cyclegan``, ``cyclegan_noise``, ``cyclegan_unet`` or
``bicyclegan``
selects a baseline (``munit`` when the key is absent); the shared keys keep their meaning
(:func:`baseline_config`), the loss weights are each paper's defaults (build the model from its own
config class in Python to change them). Everything the ``Trainer``, the ``Translator`` and the
command line need to know of a model is asked here:

* :func:`build_model`, :func:`model_name`, :func:`is_paired`, :func:`run_config`;
* :func:`generator_modules` / :func:`discriminator_modules`: what each optimiser updates
  (``munit_lib.training.make_optimizers`` builds them for every model);
* :func:`baseline_step`: a baseline's training iteration (MUNIT's is ``training.train_step``);
* :func:`translation_sides`: each domain's side of a model with MUNIT ``Generator``'s interface
  (``encode_content``, ``encode_style``, ``decode``, ``style_dim``, ``cfg``, ``input_dim``), so the
  ``Translator``, the sample grids and the shapes scores run unchanged. For image-to-image
  networks the "content" is the image itself and the "style" is the noise / latent code:
  UNIT ignores it (one shared code, unimodal), CycleGAN ignores it, CycleGAN* feeds it as noise
  (the U-Net form adds dropout masks drawn at every translation),
  BicycleGAN as z (and ``encode_style`` of a B image is its encoder's mu: example-guided);
  :func:`directions_of`;
* :func:`load_model` / :func:`model_from_checkpoint`: a baseline from its export
  (``munit_lib.training.export_model`` writes it: :func:`checkpoint_networks` names its networks as
  the originals' checkpoints do) or its training checkpoint;
* :func:`load_generators`: the one loader of the two generators from any file (the original's,
  our exports, training checkpoints with or without their EMA, the baselines'), which every
  loader of munit_lib calls.

This module sits above the baselines and below training: it imports the baselines' networks and
steps, and nothing of training.
"""
from __future__ import annotations

import os
from typing import Callable

import torch
from torch import nn

from .baselines.bicyclegan import BicycleGAN, BicycleGANConfig
from .baselines.cyclegan import CycleGAN, CycleGANConfig
from .baselines.steps import baseline_train_step
from .baselines.steps import discriminator_modules as baseline_discriminator_modules
from .baselines.steps import generator_modules as baseline_generator_modules
from .baselines.unit import UNIT, UNITConfig, UNITGenerator
from .config import MUNITConfig
from .data import DataSpec
from .networks import MUNIT
from .official import generators_from_checkpoint, load_state_dict_strict, read_checkpoint

__all__ = ["MODELS", "CYCLEGANS", "EXPORT_FORMAT", "model_name", "is_paired", "run_config", "baseline_config",
           "build_model", "generator_modules", "discriminator_modules", "baseline_step", "TranslationSide",
           "translation_sides", "directions_of", "checkpoint_networks", "load_model", "model_from_checkpoint",
           "load_generators", "generators_from_data"]

MODELS = ("munit", "unit", "cyclegan", "cyclegan_noise", "cyclegan_unet", "bicyclegan")
CYCLEGANS = ("cyclegan", "cyclegan_noise", "cyclegan_unet")  # CycleGAN, CycleGAN* (ResNet), CycleGAN* (U-Net)
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
    ``input_dim_a`` / ``input_dim_b`` = channels, ``image_size`` (the U-Nets' depth: BicycleGAN's and
    ``cyclegan_unet``'s, the paper's CycleGAN*, which has dropout on and ignores ``n_res``)."""
    name = model_name(cfg)
    if name == "unit":
        return UNITConfig(dim=cfg.gen_dim, n_downsample=cfg.n_downsample, n_res=cfg.n_res, input_dim_a=cfg.input_dim_a,
                          input_dim_b=cfg.input_dim_b, dis_dim=cfg.dis_dim, dis_n_layer=cfg.dis_n_layer,
                          dis_num_scales=cfg.dis_num_scales)
    if name in CYCLEGANS:
        return CycleGANConfig(ngf=cfg.gen_dim, ndf=cfg.dis_dim, n_blocks=cfg.n_res, input_nc_a=cfg.input_dim_a,
                              input_nc_b=cfg.input_dim_b, nz=cfg.style_dim if name != "cyclegan" else 0,
                              image_size=cfg.image_size, seed=cfg.seed,
                              generator="unet" if name == "cyclegan_unet" else "resnet")
    if name == "bicyclegan":
        return BicycleGANConfig(input_nc=cfg.input_dim_a, output_nc=cfg.input_dim_b, nz=cfg.style_dim, ngf=cfg.gen_dim,
                                nef=cfg.gen_dim, ndf=cfg.dis_dim, image_size=cfg.image_size)
    raise ValueError("MUNIT has no baseline config: build it with munit_lib.MUNIT(cfg)")


def build_model(cfg: MUNITConfig) -> nn.Module:
    """The model ``cfg`` names: ``MUNIT(cfg)`` or a baseline (which remembers ``cfg`` as ``run_cfg``)."""
    name = model_name(cfg)
    if name == "munit":
        return MUNIT(cfg)
    model = {"unit": UNIT, "cyclegan": CycleGAN, "cyclegan_noise": CycleGAN, "cyclegan_unet": CycleGAN,
             "bicyclegan": BicycleGAN}[name](
        baseline_config(cfg))
    model.run_cfg = cfg
    return model


def run_config(model: nn.Module) -> MUNITConfig:
    """The ``MUNITConfig`` a model was built from: MUNIT's ``cfg``, a baseline's ``run_cfg``."""
    if isinstance(model, MUNIT):
        return model.cfg
    cfg = getattr(model, "run_cfg", None)
    if cfg is None:
        raise ValueError(f"this {type(model).__name__} was not built from a MUNITConfig (build_model sets run_cfg): "
                         "give the config")
    return cfg


def generator_modules(model: nn.Module) -> list[nn.Module]:
    """The networks the generator-side optimiser updates: MUNIT's two generators, UNIT's two VAEs,
    CycleGAN's two generators, BicycleGAN's generator and encoder."""
    return [model.gen_a, model.gen_b] if isinstance(model, MUNIT) else baseline_generator_modules(model)


def discriminator_modules(model: nn.Module) -> list[nn.Module]:
    """The networks the discriminator optimiser updates (BicycleGAN: its two discriminators)."""
    return [model.dis_a, model.dis_b] if isinstance(model, MUNIT) else baseline_discriminator_modules(model)


def baseline_step(model: nn.Module) -> Callable[..., dict[str, float]]:
    """A baseline's training iteration (:func:`~munit_lib.baselines.steps.baseline_train_step`, with
    the signature of MUNIT's :func:`~munit_lib.training.step.train_step`, which trains MUNIT)."""
    if isinstance(model, MUNIT) or not isinstance(model, (UNIT, CycleGAN, BicycleGAN)):
        raise TypeError(f"{type(model).__name__} is not a baseline: MUNIT trains with munit_lib.training.train_step")
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

    @property
    def can_encode_style(self) -> bool:
        """Whether an image of this domain has a code of its own (BicycleGAN's B: its encoder's mu)."""
        return self.code_encoder is not None

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
    if not isinstance(model, (UNIT, CycleGAN, BicycleGAN)):
        raise TypeError(f"no translation sides for {type(model).__name__}")
    cfg = cfg or run_config(model)  # the MUNITConfig it was built from (ValueError when it has none)
    if isinstance(model, UNIT):
        return tuple(TranslationSide(cfg, g.input_dim, _UNITDecode(g), False, content_encoder=_UNITEncode(g))
                     for g in (model.gen_a, model.gen_b))
    if isinstance(model, CycleGAN):
        uses = model.nz > 0
        return (TranslationSide(cfg, model.cfg.input_nc_a, model.gen_a, uses),
                TranslationSide(cfg, model.cfg.input_nc_b, model.gen_b, uses))
    # BicycleGAN: domain A is only its input (it translates a -> b)
    return (TranslationSide(cfg, model.cfg.input_nc, None, True),
            TranslationSide(cfg, model.cfg.output_nc, model.gen, True, code_encoder=model.enc))


def directions_of(model: nn.Module) -> tuple[str, ...]:
    """The directions a model translates: both, or ``("a2b",)`` for BicycleGAN."""
    return ("a2b",) if isinstance(model, BicycleGAN) else ("a2b", "b2a")


# ----------------------------------------------------------------------------- files
def checkpoint_networks(model: nn.Module) -> dict[str, nn.Module]:
    """The generator-side networks under the original implementations' checkpoint names."""
    if isinstance(model, UNIT):
        return {"a": model.gen_a, "b": model.gen_b}  # gen_XXXXXXXX.pt
    if isinstance(model, CycleGAN):
        return {"G_A": model.gen_b, "G_B": model.gen_a}  # netG_A: A -> B, netG_B: B -> A
    if isinstance(model, BicycleGAN):
        return {"G": model.gen, "E": model.enc}
    raise TypeError(f"{type(model).__name__} is not a baseline")


def load_model(path: str | os.PathLike, use_ema: bool = True) -> tuple[nn.Module, MUNITConfig]:
    """A baseline (eval mode, CPU) and its config from ``munit_lib.training.export_model``'s file or
    from a training checkpoint (``checkpoints/last.pt``) of a baseline run; read by
    ``official.read_checkpoint`` (``weights_only=True``)."""
    return model_from_checkpoint(read_checkpoint(path), path, use_ema)


def model_from_checkpoint(data: dict, path: str | os.PathLike = "the checkpoint",
                          use_ema: bool = True) -> tuple[nn.Module, MUNITConfig]:
    """:func:`load_model` on a checkpoint already read (``official.read_checkpoint``), for a caller
    that needs more of it (its ``iteration``, say) without reading the file twice; ``path`` names it
    in errors. A training checkpoint's averaged generators replace the raw ones when ``use_ema`` and
    it holds them."""
    if not isinstance(data, dict) or not isinstance(data.get("config"), dict):
        raise ValueError(f"{path} holds no munit_lib config: it is not a baseline export or training checkpoint")
    cfg = MUNITConfig.from_dict(dict(data["config"]))
    if model_name(cfg) == "munit":
        raise ValueError(f"{path} holds a MUNIT model: load it with load_generators or Translator.from_checkpoint")
    model = build_model(cfg)
    if data.get("format") == EXPORT_FORMAT:
        for name, net in checkpoint_networks(model).items():
            load_state_dict_strict(net, data["networks"][name], f"{path} (network {name!r})")
    elif "model" in data:
        load_state_dict_strict(model, data["model"], f"{path} (networks)")
        if use_ema and data.get("ema"):
            _load_ema(model, data["ema"], path)
    else:
        raise ValueError(f"{path} is neither a baseline export ({EXPORT_FORMAT}) nor a training checkpoint")
    return model.eval(), cfg


def _load_ema(model: nn.Module, ema: dict, path: str | os.PathLike) -> None:
    """A training checkpoint's averaged generators (``{"decay", "gen_a", "gen_b"}``) into ``model``."""
    for name in ("gen_a", "gen_b"):
        load_state_dict_strict(getattr(model, name), ema[name], f"{path} (EMA generator {name[-1]!r})")


# ----------------------------------------------------------------------------- the one loader
def load_generators(path: str | os.PathLike, use_ema: bool = True,
                    cfg: MUNITConfig | None = None) -> tuple[nn.Module, nn.Module]:
    """The two generators (eval mode, CPU) in any file munit_lib reads, read once by the one safe
    reader (``official.read_checkpoint``: ``weights_only=True``, so no pickled code runs):

    * the original's ``gen_XXXXXXXX.pt`` and munit_lib's exports (``{"a": ..., "b": ...}``);
      ``cfg`` is checked against the file when given, read off the weights when not;
    * a training checkpoint (``checkpoints/last.pt``): its EMA generators when ``use_ema`` and the
      run kept them, else the raw ones;
    * a baseline's export or training checkpoint: its two translation sides (:func:`translation_sides`).

    ``Translator.from_checkpoint``, ``pretrained`` and ``evaluate`` load through here."""
    return generators_from_data(read_checkpoint(path), path, cfg, use_ema)


def generators_from_data(data: dict, path: str | os.PathLike = "the checkpoint", cfg: MUNITConfig | None = None,
                         use_ema: bool = True) -> tuple[nn.Module, nn.Module]:
    """:func:`load_generators` on a checkpoint already read, for a caller that needs more of it (a
    training checkpoint's discriminators or iteration, say); ``path`` names it in errors.

    Each generator carries the data it was trained on as ``data_record`` (``DataSpec.to_dict()``:
    the file's ``"data"`` record, or for an older file its config's ``data_root`` and
    ``texture_anchor``), which scoring reads to draw test data the way the model's were drawn."""
    gens = _generators_from_data(data, path, cfg, use_ema)
    record = DataSpec.from_checkpoint(data).to_dict()
    for gen in gens:
        try:
            gen.data_record = dict(record)
        except AttributeError:  # a side that takes no attributes: scoring falls back to the default data
            pass
    return gens


def _generators_from_data(data: dict, path: str | os.PathLike = "the checkpoint", cfg: MUNITConfig | None = None,
                          use_ema: bool = True) -> tuple[nn.Module, nn.Module]:
    saved = data.get("config") if isinstance(data, dict) else None
    if isinstance(saved, dict) and saved.get("model", "munit") != "munit":  # a baseline's export or checkpoint
        model, run_cfg = model_from_checkpoint(data, path, use_ema)
        return translation_sides(model, run_cfg)
    if isinstance(data, dict) and str(data.get("format", "")).startswith("munit_lib.checkpoint"):
        stored = MUNITConfig.from_dict(dict(data["config"]))
        differ = stored.architecture_differences(cfg) if cfg is not None else []
        if differ:  # a training checkpoint carries its own config: a different one given is a mistake
            raise ValueError(f"{path} was trained with another architecture than the config given "
                             f"(checkpoint vs config): {'; '.join(differ)}; leave the config out to use "
                             "the checkpoint's own")
        model = MUNIT(stored)
        load_state_dict_strict(model, data["model"], f"{path} (networks)")
        if use_ema and data.get("ema"):
            _load_ema(model, data["ema"], path)
        return model.gen_a.eval(), model.gen_b.eval()
    return generators_from_checkpoint(data, path, cfg)
