"""MUNIT hyper-parameters: the paper defaults, named profiles, and YAML in two dialects.

``MUNITConfig()`` is the official edges2shoes configuration (Huang et al., 2018, appendix and
the original ``edges2shoes_folder.yaml``). Profiles shrink it for machines that cannot train
the paper's networks: a 256x256 training iteration costs 1.74 TFLOP (2.24 in the original code),
about 19 s on a 2-core CPU.

YAML files may be written in our flat layout (``to_yaml``) or in the original project's layout
(nested ``gen:`` / ``dis:`` sections, ``crop_image_height`` ...); ``from_yaml`` reads both and
rejects any key it does not know, naming it and suggesting the closest known key.
"""
from __future__ import annotations

import dataclasses
import difflib
import math
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

__all__ = ["MUNITConfig", "PROFILES", "profile_from_env", "ARCHITECTURE_FIELDS", "RESUMABLE_FIELDS"]


@dataclass
class MUNITConfig:
    """Every hyper-parameter of one MUNIT model and its training run (paper defaults)."""

    # ---- generator (official section ``gen``) ----
    style_dim: int = 8  # length of the style code s ~ N(0, I)
    gen_dim: int = 64  # width of the first generator convolution
    mlp_dim: int = 256  # width of the MLP that maps s to AdaIN parameters
    mlp_layers: int = 3  # linear layers in that MLP
    n_downsample: int = 2  # stride-2 convolutions in the content encoder
    n_res: int = 4  # residual blocks in content encoder and decoder
    style_downsample: int = 4  # stride-2 convolutions in the style encoder (fixed at 4 officially)
    activ: str = "relu"
    pad_type: str = "reflect"
    # ---- discriminator (official section ``dis``) ----
    dis_dim: int = 64
    dis_n_layer: int = 4
    dis_num_scales: int = 3
    dis_norm: str = "none"
    dis_activ: str = "lrelu"
    dis_pad_type: str = "reflect"
    gan_type: str = "lsgan"  # lsgan | nsgan | hinge
    # ---- data ----
    input_dim_a: int = 3
    input_dim_b: int = 3
    image_size: int = 256  # square random crop fed to the networks
    new_size: int = 256  # short side after resizing, before the crop
    # ---- optimisation ----
    lr: float = 1e-4
    beta1: float = 0.5
    beta2: float = 0.999
    weight_decay: float = 1e-4
    lr_policy: str = "step"  # step | constant
    step_size: int = 100_000  # iterations between learning-rate halvings
    gamma: float = 0.5
    batch_size: int = 1
    max_iter: int = 1_000_000
    init: str = "kaiming"  # generator init; discriminators always use N(0, 0.02)
    # ---- loss weights ----
    gan_w: float = 1.0
    recon_x_w: float = 10.0
    recon_s_w: float = 1.0
    recon_c_w: float = 1.0
    recon_x_cyc_w: float = 0.0
    # the cycle's way back: "encoded" = x's own style (the paper's style-augmented cycle),
    # "random" = a random style (a plain, CycleGAN-like cycle; notebook 09 shows it collapses diversity)
    recon_x_cyc_style: str = "encoded"
    vgg_w: float = 0.0
    vgg_layer: str = "relu5_3"  # official code; the paper's text says relu4_3
    vgg_model_path: str = ""  # VGG16 weights for vgg_w > 0: a file or a folder holding it (never downloaded)
    # ---- run-time options (ours) ----
    seed: int = 0
    num_workers: int = 0
    precision: str = "fp32"  # fp32 | bf16
    channels_last: bool = False
    ema_decay: float = 0.0  # 0 disables the moving average of the generators
    log_every: int = 10
    sample_every: int = 1000
    checkpoint_every: int = 10_000
    display_size: int = 8
    data_root: str = ""
    # the shapes data only: patterns pinned to the image's corner ("canvas", the default) or to
    # each shape ("shape", the fast recipe's); see data.shapes.render_painting. A setting of the data,
    # read with data_root into the data's description (data.DataSpec.from_config), which the trainer
    # records in its checkpoints ("data"); scoring reads that record, never a model's config
    texture_anchor: str = "canvas"
    profile: str = "paper"
    # ---- which model (munit_lib.baselines: the systems MUNIT is compared with) ----
    model: str = "munit"  # munit | unit | cyclegan | cyclegan_noise | cyclegan_unet | bicyclegan

    # ------------------------------------------------------------------ checks
    def __post_init__(self) -> None:
        self._coerce_types()
        self.validate()

    def _coerce_types(self) -> None:
        """Turn YAML's loose values into the declared types, or name the field that is wrong.

        PyYAML reads ``1e-4`` (no dot) as a string and ``2.0`` as a float, so a float field takes
        any number or numeric string and an int field takes a whole number; a bool field takes
        only a bool, and a string field only a string.
        """
        for f in fields(self):
            value = getattr(self, f.name)
            kind = {"int": int, "float": float, "bool": bool, "str": str}[str(f.type)]
            if kind is bool:
                ok = isinstance(value, bool)
            elif kind is float:
                try:
                    ok = not isinstance(value, bool)
                    value = float(value)
                except (TypeError, ValueError):
                    ok = False
            elif kind is int:
                ok = not isinstance(value, bool) and isinstance(value, (int, float, str))
                if ok:
                    try:
                        number = float(value)
                        ok = number.is_integer()
                        value = int(number)
                    except (TypeError, ValueError, OverflowError):
                        ok = False
            else:
                ok = isinstance(value, str)
            if not ok:
                raise ValueError(f"MUNITConfig.{f.name}={getattr(self, f.name)!r} is not a valid "
                                 f"{kind.__name__}; write a {kind.__name__} such as "
                                 f"{f.default!r}")
            setattr(self, f.name, value)

    def validate(self) -> "MUNITConfig":
        """Raise ``ValueError`` naming the first setting that cannot build a model."""
        choices = {
            "activ": {"relu", "lrelu", "prelu", "selu", "tanh", "none"},
            "dis_activ": {"relu", "lrelu", "prelu", "selu", "tanh", "none"},
            "pad_type": {"reflect", "replicate", "zero"},
            "dis_pad_type": {"reflect", "replicate", "zero"},
            "texture_anchor": {"canvas", "shape"},
            "dis_norm": {"none", "bn", "in", "ln"},
            "gan_type": {"lsgan", "nsgan", "hinge"},
            "lr_policy": {"step", "constant", "linear"},
            "init": {"kaiming", "gaussian", "xavier", "orthogonal", "default"},
            "precision": {"fp32", "bf16"},
            "vgg_layer": {"relu4_3", "relu5_3"},
            "recon_x_cyc_style": {"encoded", "random"},
            "model": {"munit", "unit", "cyclegan", "cyclegan_noise", "cyclegan_unet", "bicyclegan"},
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"MUNITConfig.{name}={getattr(self, name)!r} is not one of {sorted(allowed)}")
        positive = ["style_dim", "gen_dim", "mlp_dim", "dis_dim", "dis_n_layer", "dis_num_scales",
                    "input_dim_a", "input_dim_b", "image_size", "new_size", "batch_size", "step_size",
                    "max_iter", "style_downsample", "log_every", "sample_every", "checkpoint_every",
                    "display_size"]
        for name in positive:
            if int(getattr(self, name)) < 1:
                raise ValueError(f"MUNITConfig.{name} must be at least 1, got {getattr(self, name)}")
        if self.mlp_layers < 2:
            raise ValueError(f"MUNITConfig.mlp_layers must be at least 2, got {self.mlp_layers}")
        for f in fields(self):  # .inf and .nan read from YAML as floats: refuse them by name
            if f.type == "float" and not math.isfinite(getattr(self, f.name)):
                raise ValueError(f"MUNITConfig.{f.name}={getattr(self, f.name)!r} is not a finite number; "
                                 f"write a number such as {f.default!r}")
        if self.lr <= 0:
            raise ValueError(f"MUNITConfig.lr must be positive, got {self.lr}")
        if self.num_workers < 0:
            raise ValueError(f"MUNITConfig.num_workers cannot be negative, got {self.num_workers} (0: load in the "
                             "training process)")
        if not 0.0 <= self.ema_decay < 1.0:
            raise ValueError(f"MUNITConfig.ema_decay must be in [0, 1) (0 disables the average), got {self.ema_decay}")
        if self.n_downsample < 0 or self.n_res < 0:
            raise ValueError("MUNITConfig.n_downsample and n_res cannot be negative")
        if self.new_size < self.image_size:
            raise ValueError(f"MUNITConfig.new_size={self.new_size} is smaller than the crop "
                             f"image_size={self.image_size}; set new_size >= image_size")
        if self.image_size < self.min_image_size:
            raise ValueError(f"MUNITConfig.image_size={self.image_size} is too small for these networks: "
                             f"the smallest size they take is {self.min_image_size} "
                             f"(lower dis_num_scales / dis_n_layer / style_downsample, or raise image_size)")
        if self.model != "munit" and (self.ema_decay > 0 or self.vgg_w > 0):
            raise ValueError(f"MUNITConfig.model={self.model!r}: ema_decay and vgg_w are MUNIT options; "
                             "set both to 0 for the baselines")
        if self.image_size % self.size_multiple:
            raise ValueError(f"MUNITConfig.image_size={self.image_size} is not a multiple of {self.size_multiple} "
                             f"(2 ** n_downsample): the decoder would return another size than it was given; "
                             f"set image_size to a multiple of {self.size_multiple}")
        return self

    def resume_differences(self, other: "MUNITConfig") -> list[str]:
        """``"key: self's vs other's"`` for each setting a resumed run cannot take from ``other``:
        all but ``RESUMABLE_FIELDS`` (the learning rate lives on in the saved optimiser, the seed
        in the saved random streams, a loss weight in the columns of ``losses.csv``...)."""
        return [f"{k}: {getattr(self, k)!r} vs {getattr(other, k)!r}" for k in (f.name for f in fields(self))
                if k not in RESUMABLE_FIELDS and getattr(self, k) != getattr(other, k)
                and not (k == "data_root" and _same_data(self.data_root, other.data_root))]

    def architecture_differences(self, other: "MUNITConfig") -> list[str]:
        """``"key: self's vs other's"`` for each setting that changes the networks' tensors."""
        return [f"{k}: {getattr(self, k)!r} vs {getattr(other, k)!r}" for k in ARCHITECTURE_FIELDS
                if getattr(self, k) != getattr(other, k)]

    @property
    def generator_min_size(self) -> int:
        """Smallest square side a generator takes: reflect padding needs a side of at least 2
        before each stride-2 convolution (and before the residual blocks' 3x3 convolutions)."""
        style = 2 ** self.style_downsample  # the last style conv sees H / 2**(k-1) >= 2
        content = 2 ** (self.n_downsample + 1)  # residual 3x3 convs after the downsampling
        return max(style, content, 4)

    @property
    def discriminator_min_size(self) -> int:
        """Smallest square side the discriminator takes: its coarsest scale sees H / 2**(scales-1)
        and runs ``dis_n_layer`` stride-2 convolutions on it."""
        return 2 ** (self.dis_num_scales - 1 + self.dis_n_layer)

    @property
    def min_image_size(self) -> int:
        """Smallest square training crop every network accepts."""
        return max(self.generator_min_size, self.discriminator_min_size)

    @property
    def size_multiple(self) -> int:
        """Heights and widths must be multiples of this so the decoder returns the input size."""
        return 2 ** self.n_downsample

    # ------------------------------------------------------------ conversion
    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "MUNITConfig":
        """Build from our flat keys or the original project's nested keys (auto-detected)."""
        if not isinstance(values, dict):
            raise TypeError(f"a MUNIT config must be a mapping of keys to values, got {type(values).__name__}")
        ours = {f.name for f in fields(cls)}
        if "gen" in values or "dis" in values or any(k in _OFFICIAL_TOP and k not in ours for k in values):
            values = _from_official(values)
        known = {f.name for f in fields(cls)}
        unknown = [k for k in values if k not in known]
        if unknown:
            raise ValueError(_unknown_message(unknown, known))
        return cls(**values)

    @classmethod
    def from_yaml(cls, path: str | os.PathLike) -> "MUNITConfig":
        """Read a YAML file in our layout or the original project's (``configs/*.yaml`` there)."""
        import yaml

        path = Path(path)
        if path.is_dir():
            raise IsADirectoryError(f"config file {path} is a directory: name the .yaml file inside it")
        if not path.is_file():
            raise FileNotFoundError(f"config file {path} does not exist")
        with open(path, encoding="utf-8") as handle:
            try:
                values = yaml.safe_load(handle)
            except yaml.YAMLError as error:  # one line: what is wrong and where
                mark = getattr(error, "problem_mark", None)
                where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
                problem = getattr(error, "problem", None) or str(error).splitlines()[0]
                raise ValueError(f"{path} is not valid YAML{where}: {problem}") from None
        values = {} if values is None else values
        if not isinstance(values, dict):
            raise ValueError(f"{path} holds a YAML {type(values).__name__}, not a mapping of config keys to values "
                             "(write one 'key: value' per line)")
        try:
            return cls.from_dict(values)
        except (ValueError, TypeError) as error:
            raise type(error)(f"{path}: {error}") from None

    def to_yaml(self, path: str | os.PathLike | None = None) -> str:
        """Write our flat layout (readable back by ``from_yaml``); returns the text."""
        import yaml

        text = yaml.safe_dump(self.to_dict(), sort_keys=False)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def replace(self, **changes: Any) -> "MUNITConfig":
        """A copy with some fields changed (unknown names raise ``ValueError``)."""
        known = {f.name for f in fields(self)}
        unknown = [k for k in changes if k not in known]
        if unknown:
            raise ValueError(_unknown_message(unknown, known))
        return dataclasses.replace(self, **changes)

    @classmethod
    def profile_named(cls, name: str, **changes: Any) -> "MUNITConfig":
        """The configuration of a named profile (``paper``, ``gpu``, ``cpu``, ``ci``)."""
        if name not in PROFILES:
            raise ValueError(f"unknown profile {name!r}; known profiles: {sorted(PROFILES)}")
        return cls(**{**PROFILES[name], "profile": name}).replace(**changes)


def _same_data(one: str, two: str) -> bool:
    """Whether two ``data_root`` values name the same data: one folder written two ways (relative
    and absolute), or the same number of synthetic shapes (``shapes`` is ``shapes:2000``)."""
    def canonical(root: str) -> str:
        root = str(root).strip()
        if root == "shapes":
            return "shapes:2000"
        return root if root.startswith("shapes:") or not root else os.path.realpath(os.path.expanduser(root))

    return canonical(one) == canonical(two)


# The settings that decide the networks' tensors (a checkpoint loads only under equal ones).
ARCHITECTURE_FIELDS = ("style_dim", "gen_dim", "mlp_dim", "mlp_layers", "n_downsample", "n_res", "style_downsample",
                       "dis_dim", "dis_n_layer", "dis_num_scales", "input_dim_a", "input_dim_b", "activ", "pad_type",
                       "dis_norm", "dis_activ", "dis_pad_type", "model")


# The settings a resumed run may change, applied for real from its next iteration: how long it
# runs, what it writes and how often, how it computes (not what it learns). Any other difference
# between a run's checkpoint and the config it resumes with is refused (Trainer.load_state_dict).
RESUMABLE_FIELDS = ("max_iter", "log_every", "sample_every", "checkpoint_every", "display_size", "num_workers",
                    "precision", "channels_last", "ema_decay", "vgg_model_path", "texture_anchor", "profile")


# Why these profiles (GUIDE section 3): the paper configuration needs ~17 s per iteration on a
# 2-core CPU, so the CPU path shrinks resolution and widths; CI shrinks further so that a few
# real training steps run in seconds.
PROFILES: dict[str, dict[str, Any]] = {
    "paper": {},
    "gpu": {"precision": "bf16", "channels_last": True, "ema_decay": 0.999, "sample_every": 5000},
    "cpu": {"image_size": 64, "new_size": 64, "gen_dim": 32, "mlp_dim": 128, "n_res": 3,
            "dis_dim": 32, "dis_num_scales": 2, "max_iter": 20_000, "step_size": 10_000,
            "sample_every": 500, "checkpoint_every": 1000},
    "ci": {"image_size": 32, "new_size": 32, "gen_dim": 8, "mlp_dim": 32, "n_res": 1,
           "dis_dim": 8, "dis_n_layer": 3, "dis_num_scales": 2,
           "max_iter": 20, "step_size": 10, "log_every": 1, "sample_every": 10,
           "checkpoint_every": 10, "display_size": 4},
}


def profile_from_env(default: str = "cpu") -> str:
    """The profile named by ``MUNIT_PROFILE`` (CI sets ``ci``), else ``default``."""
    name = os.environ.get("MUNIT_PROFILE", default)
    if name not in PROFILES:
        raise ValueError(f"MUNIT_PROFILE={name!r} is not a known profile; choose from {sorted(PROFILES)}")
    return name


# ---------------------------------------------------------------- the original's YAML keys
# Top-level keys of the original configs that map to one of ours (None: accepted and ignored,
# they only steer the original scripts' logging or data loading).
_OFFICIAL_TOP: dict[str, str | None] = {
    "image_save_iter": "sample_every", "image_display_iter": None, "display_size": "display_size",
    "snapshot_save_iter": "checkpoint_every", "log_iter": "log_every", "max_iter": "max_iter",
    "batch_size": "batch_size", "weight_decay": "weight_decay", "beta1": "beta1", "beta2": "beta2",
    "init": "init", "lr": "lr", "lr_policy": "lr_policy", "step_size": "step_size", "gamma": "gamma",
    "gan_w": "gan_w", "recon_x_w": "recon_x_w", "recon_s_w": "recon_s_w", "recon_c_w": "recon_c_w",
    "recon_x_cyc_w": "recon_x_cyc_w", "vgg_w": "vgg_w", "input_dim_a": "input_dim_a",
    "input_dim_b": "input_dim_b", "num_workers": "num_workers", "new_size": "new_size",
    "crop_image_height": "image_size", "crop_image_width": "image_size", "data_root": "data_root",
    "data_folder_train_a": None, "data_list_train_a": None, "data_folder_test_a": None,
    "data_list_test_a": None, "data_folder_train_b": None, "data_list_train_b": None,
    "data_folder_test_b": None, "data_list_test_b": None, "recon_kl_w": None,
    "recon_kl_cyc_w": None, "new_size_a": None, "new_size_b": None, "vgg_model_path": "vgg_model_path",
}
# The original's file-list data keys: used by it only when there is no data_root.
_OFFICIAL_DATA_LISTS = tuple(f"data_{kind}_{split}_{domain}" for split in ("train", "test")
                             for domain in ("a", "b") for kind in ("folder", "list"))
_OFFICIAL_GEN = {"dim": "gen_dim", "mlp_dim": "mlp_dim", "style_dim": "style_dim", "activ": "activ",
                 "n_downsample": "n_downsample", "n_res": "n_res", "pad_type": "pad_type"}
_OFFICIAL_DIS = {"dim": "dis_dim", "norm": "dis_norm", "activ": "dis_activ", "n_layer": "dis_n_layer",
                 "gan_type": "gan_type", "num_scales": "dis_num_scales", "pad_type": "dis_pad_type"}


def _from_official(values: dict[str, Any]) -> dict[str, Any]:
    """Translate the original project's nested YAML into our flat keys; unknown keys raise.

    Read as the original reads it: no ``lr_policy`` means a constant learning rate; ``new_size``
    wins over ``new_size_a`` / ``new_size_b``, which otherwise must agree (munit_lib resizes both
    domains alike); the file-list keys (``data_folder_train_a``, ``data_list_train_a``, ...) are
    refused by name unless ``data_root`` is set (the original then ignores them too).
    """
    import warnings

    out: dict[str, Any] = {} if "lr_policy" in values else {"lr_policy": "constant"}
    lists = [k for k in _OFFICIAL_DATA_LISTS if k in values]
    if lists and not values.get("data_root"):
        raise ValueError(f"the original's file-list data keys ({', '.join(lists)}) are not supported: put the "
                         "images in data_root/trainA/, trainB/, testA/, testB/ (or list them in data_root/trainA.txt "
                         "..., one path per line relative to data_root) and set data_root")
    if lists:
        warnings.warn(f"{', '.join(lists)} ignored: data_root is set, and the original then ignores them too",
                      stacklevel=3)
    sizes = {k: values[k] for k in ("new_size_a", "new_size_b") if k in values}
    if sizes and "new_size" in values:
        if any(v != values["new_size"] for v in sizes.values()):
            warnings.warn(f"{sizes} ignored: new_size={values['new_size']} is set, and the original then "
                          "resizes both domains to it", stacklevel=3)
    elif sizes:
        if set(sizes) != {"new_size_a", "new_size_b"} or sizes["new_size_a"] != sizes["new_size_b"]:
            raise ValueError(f"new_size_a / new_size_b = {sizes}: munit_lib resizes both domains to one size; "
                             "write new_size (or equal new_size_a and new_size_b)")
        out["new_size"] = sizes["new_size_a"]
    unknown: list[str] = []
    ours = {f.name for f in fields(MUNITConfig)}
    for key, value in values.items():
        if key in ("gen", "dis"):
            table = _OFFICIAL_GEN if key == "gen" else _OFFICIAL_DIS
            if not isinstance(value, dict):
                raise ValueError(f"section {key!r} must be a mapping, got {value!r}")
            for sub, sub_value in value.items():
                if sub not in table:
                    unknown.append(f"{key}.{sub}")
                else:
                    out[table[sub]] = sub_value
        elif key in _OFFICIAL_TOP:
            target = _OFFICIAL_TOP[key]
            if target is None:
                continue
            if target == "image_size" and "image_size" in out and out["image_size"] != value:
                raise ValueError("crop_image_height and crop_image_width differ; munit_lib crops squares")
            out[target] = value
        elif key in ours:  # our own flat keys may be mixed in
            out[key] = value
        else:
            unknown.append(key)
    if unknown:
        known = set(_OFFICIAL_TOP) | {f"gen.{k}" for k in _OFFICIAL_GEN} | {f"dis.{k}" for k in _OFFICIAL_DIS} | ours
        raise ValueError(_unknown_message(unknown, known))
    return out


def _unknown_message(unknown: list[str], known: set[str]) -> str:
    parts = []
    for key in unknown:
        close = difflib.get_close_matches(key, sorted(known), n=1)
        parts.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    return "unknown config key " + ", ".join(parts) + "; see munit_lib.MUNITConfig for the known keys"
