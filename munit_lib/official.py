"""Reading the original MUNIT project's checkpoints.

The original saves ``gen_XXXXXXXX.pt`` as ``{'a': state_dict, 'b': state_dict}`` for its two
generators (and ``dis_XXXXXXXX.pt`` likewise). Our ``Generator`` and ``MultiScaleDiscriminator``
use the same key names, so those state dicts load directly once two quirks are handled:

* files written by PyTorch 0.3 carry ``enc_content...norm.running_mean / running_var``
  instance-norm statistics that the networks never use: they are dropped;
* a key that is missing, left over, or of another shape is an error that names the key.

Loading never unpickles code: ``torch.load(..., weights_only=True)``.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Mapping

import torch
from torch import nn

from .config import MUNITConfig
from .networks import Generator, MultiScaleDiscriminator

__all__ = ["load_official_generators", "generators_from_checkpoint", "load_official_discriminators", "infer_config",
           "read_checkpoint", "clean_state_dict", "load_state_dict_strict"]

# Instance-norm statistics of old content encoders: enc_content.model.0.norm.running_mean, ...
_OLD_IN_STATS = re.compile(r"^enc_content\..*\.norm\.(running_mean|running_var|num_batches_tracked)$")


def read_checkpoint(path: str | os.PathLike) -> dict:
    """``torch.load`` with ``weights_only=True`` and errors that say what the file is not."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"checkpoint {path} is a directory, not a file: name the .pt file inside it")
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # pickle, zip and weights-only errors all mean: not a plain checkpoint
        raise ValueError(f"{path} is not a readable PyTorch checkpoint of tensors ({_load_failure(error, path)}); "
                         "munit_lib reads checkpoints without running pickled code, so it cannot load "
                         "this file") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} holds a {type(data).__name__}, not a dict of state dicts")
    return data


# torch's words for a pickled class or function it refused, from 2.4 ("Unsupported global: GLOBAL
# x.y was not an allowed global") to 2.14 ("Trying to load unsupported GLOBAL x.y whose module x is blocked")
_REFUSED_GLOBAL = re.compile(r"unsupported global:?\s+(?:GLOBAL\s+)?([\w.<>]+)", re.IGNORECASE)
# what plain checkpoints of tensors name in their pickles; any other global is code or a Python object
_PLAIN_GLOBALS = re.compile(r"^(torch\.|collections\.OrderedDict$|_codecs\.encode$|builtins\.(set|frozenset|bytearray|"
                            r"slice|complex|int|float|bool|str|bytes|tuple|list|dict)$)")


def _load_failure(error: Exception, path: Path | None = None) -> str:
    """Why ``torch.load(weights_only=True)`` refused a file, in a few words of our own: never
    torch's advice to retry with ``weights_only=False`` (which would run the file's code)."""
    text = str(error)
    refused = _REFUSED_GLOBAL.search(text)
    names = [refused.group(1)] if refused else (_pickled_globals(path) if path is not None else [])
    if names:  # a pickled class or function: name it (what unpickling it would import and may run)
        return f"it holds pickled Python code or objects ({', '.join(names[:3])}), not only tensors"
    if "Weights only load failed" in text or type(error).__name__ == "UnpicklingError":
        return "its contents are not a pickle of tensors: corrupt, truncated, or not a checkpoint"
    if "zip archive" in text or "central directory" in text:
        return "corrupt or truncated: its zip archive cannot be read"
    first = text.strip().splitlines()[0] if text.strip() else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


def _pickled_globals(path: Path, limit: int = 64 * 2 ** 20) -> list[str]:
    """The classes and functions a checkpoint's pickle names, other than those of plain tensors.

    Read with ``pickletools.genops``, which only parses the opcodes and never imports or calls
    anything. A zip checkpoint's pickle is its ``*/data.pkl``; an older file is one raw pickle.
    Empty when nothing suspicious is found or the bytes do not parse (corrupt, truncated)."""
    import io
    import pickletools
    import zipfile

    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                inner = [n for n in archive.namelist() if n.endswith("data.pkl")]
                if not inner or archive.getinfo(inner[0]).file_size > limit:
                    return []
                raw = archive.read(inner[0])
        else:
            if path.stat().st_size > limit:
                return []
            raw = path.read_bytes()
    except (OSError, zipfile.BadZipFile, ValueError):
        return []
    found: list[str] = []
    strings: list[str] = []  # the last strings pushed: STACK_GLOBAL takes its module and name from them
    try:
        for opcode, arg, _ in pickletools.genops(io.BytesIO(raw)):
            if opcode.name in ("GLOBAL", "INST"):
                name = str(arg).replace(" ", ".")
            elif opcode.name == "STACK_GLOBAL":
                name = ".".join(strings[-2:]) if len(strings) >= 2 else "?"
            else:
                if isinstance(arg, str):
                    strings.append(arg)
                continue
            if not _PLAIN_GLOBALS.match(name) and name not in found:
                found.append(name)
    except Exception:  # noqa: BLE001 - not a whole pickle: corrupt or truncated, said by the caller
        pass
    return found


def clean_state_dict(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Drop the unused instance-norm statistics old files carry and a DataParallel ``module.`` prefix."""
    out = {}
    for key, value in state.items():
        key = key[len("module."):] if key.startswith("module.") else key
        if _OLD_IN_STATS.match(key):
            continue
        out[key] = value
    return out


def load_state_dict_strict(module: nn.Module, state: Mapping[str, torch.Tensor], what: str) -> None:
    """Load ``state`` into ``module``, raising one ``ValueError`` that lists every missing,
    unexpected and mis-shaped key (instead of PyTorch's first-failure message)."""
    expected = module.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    mis_shaped = [f"{k}: file {tuple(state[k].shape)} vs model {tuple(expected[k].shape)}"
                  for k in expected if k in state and tuple(state[k].shape) != tuple(expected[k].shape)]
    if missing or unexpected or mis_shaped:
        lines = [f"{what} does not match this network:"]
        for label, keys in (("missing", missing), ("unexpected", unexpected), ("mis-shaped", mis_shaped)):
            if keys:
                shown = ", ".join(keys[:6]) + (f", ... ({len(keys)} in all)" if len(keys) > 6 else "")
                lines.append(f"  {label} keys: {shown}")
        lines.append("  (is the config the one this checkpoint was trained with?)")
        raise ValueError("\n".join(lines))
    module.load_state_dict(state, strict=True)


def infer_config(state: Mapping[str, torch.Tensor], base: MUNITConfig | None = None) -> MUNITConfig:
    """Read the generator's architecture off a state dict in the official layout: style_dim,
    base width, MLP width and depth, downsamplings, residual blocks and image channels."""
    try:
        first = state["enc_content.model.0.conv.weight"]  # (dim, C_in, 7, 7)
        style_head = state["enc_style.model.%d.weight" % _last_index(state, "enc_style.model.")]
    except KeyError as missing:
        raise ValueError(f"not a MUNIT generator state dict: key {missing} is missing") from None
    gen_dim, input_dim = int(first.shape[0]), int(first.shape[1])
    n_down = len({k.split(".")[2] for k in state if re.match(r"enc_content\.model\.\d+\.conv\.weight", k)}) - 1
    res_index = _last_index(state, "enc_content.model.")
    n_res = len({k.split(".")[4] for k in state if k.startswith(f"enc_content.model.{res_index}.model.")})
    style_convs = len([k for k in state if re.match(r"enc_style\.model\.\d+\.conv\.weight$", k)])
    mlp_layers = len([k for k in state if re.match(r"mlp\.model\.\d+\.fc\.weight$", k)])
    base = base or MUNITConfig()
    return base.replace(style_dim=int(style_head.shape[0]), gen_dim=gen_dim, input_dim_a=input_dim,
                        input_dim_b=input_dim, n_downsample=n_down, n_res=n_res, style_downsample=style_convs - 1,
                        mlp_dim=int(state["mlp.model.0.fc.weight"].shape[0]), mlp_layers=mlp_layers)


def _last_index(state: Mapping[str, torch.Tensor], prefix: str) -> int:
    indices = [int(k[len(prefix):].split(".")[0]) for k in state if k.startswith(prefix)]
    if not indices:
        raise KeyError(prefix + "*")
    return max(indices)


def load_official_generators(path: str | os.PathLike, cfg: MUNITConfig | None = None,
                             ) -> tuple[Generator, Generator]:
    """Load the original project's ``gen_XXXXXXXX.pt`` into two ``Generator`` s (eval mode).

    munit_lib's own generator exports (``Trainer.export_generators``) use the same layout plus a
    ``"config"`` entry, so they load here too, with their config.

    ``cfg`` defaults to the architecture read off the file (paper defaults otherwise); pass the
    config the model was trained with to have it checked against the file. The channel counts
    of domains a and b are read from the file.
    """
    return generators_from_checkpoint(read_checkpoint(path), path, cfg)


def checkpoint_data_record(data: Mapping) -> dict:
    """The data a checkpoint or export (as read from the file) was trained on, as a plain record
    ``{"root": data_root, "texture_anchor": ...}``: its ``"data"`` entry; for a file written before
    that entry (every shipped model), its config's ``data_root`` and ``texture_anchor``; for the
    original project's files, ``{"root": "", "texture_anchor": "canvas"}``. ``munit_lib.data.DataSpec``
    is this record checked; the loaders attach it to each generator as ``data_record``."""
    if isinstance(data, Mapping) and isinstance(data.get("data"), Mapping):
        record = data["data"]
        root, anchor = record.get("root", ""), record.get("texture_anchor", "canvas")
    elif isinstance(data, Mapping) and isinstance(data.get("config"), Mapping):  # before "data": the old config keys
        root, anchor = data["config"].get("data_root", ""), data["config"].get("texture_anchor", "canvas")
    else:
        root, anchor = "", "canvas"
    return {"root": str(root or ""), "texture_anchor": str(anchor)}


def generators_from_checkpoint(data: dict, path: str | os.PathLike = "the checkpoint",
                               cfg: MUNITConfig | None = None) -> tuple[Generator, Generator]:
    """:func:`load_official_generators` on a file already read (:func:`read_checkpoint`), for a
    caller that looked inside it first; ``path`` names it in errors. Each generator carries the
    file's data record as ``data_record`` (:func:`checkpoint_data_record`), which scoring reads."""
    if not {"a", "b"} <= set(data):
        raise ValueError(f"{path} is not an official MUNIT generator file: expected keys 'a' and 'b' "
                         f"(one state dict per generator), found {sorted(data)[:8]}")
    generators = []
    for domain in ("a", "b"):
        state = data[domain]
        if not isinstance(state, Mapping) or not all(isinstance(v, torch.Tensor) for v in state.values()):
            raise ValueError(f"{path}: entry {domain!r} is not a state dict of tensors")
        state = clean_state_dict(state)
        if cfg is None and isinstance(data.get("config"), Mapping):
            domain_cfg = MUNITConfig.from_dict(dict(data["config"]))  # munit_lib's own export
        elif cfg is None:
            domain_cfg = infer_config(state)
        else:
            channels = state.get("enc_content.model.0.conv.weight")
            domain_cfg = cfg
            if channels is not None:
                domain_cfg = cfg.replace(**{f"input_dim_{domain}": int(channels.shape[1])})
        input_dim = domain_cfg.input_dim_a if domain == "a" else domain_cfg.input_dim_b
        generator = Generator(domain_cfg, input_dim)
        load_state_dict_strict(generator, state, f"{path} (generator {domain!r})")
        generator.data_record = checkpoint_data_record(data)  # what it was trained on (munit_lib.data.DataSpec)
        generators.append(generator.eval())
    return generators[0], generators[1]


def load_official_discriminators(path: str | os.PathLike, cfg: MUNITConfig | None = None,
                                 ) -> tuple[MultiScaleDiscriminator, MultiScaleDiscriminator]:
    """Load the original ``dis_XXXXXXXX.pt`` (``{'a': ..., 'b': ...}``) at ``cfg`` (paper defaults)."""
    cfg = cfg or MUNITConfig()
    data = read_checkpoint(path)
    if not {"a", "b"} <= set(data):
        raise ValueError(f"{path} is not an official MUNIT discriminator file: expected keys 'a' and 'b'")
    out = []
    for domain in ("a", "b"):
        state = clean_state_dict(data[domain])
        channels = int(state["cnns.0.0.conv.weight"].shape[1]) if "cnns.0.0.conv.weight" in state else 3
        dis = MultiScaleDiscriminator(cfg, channels)
        load_state_dict_strict(dis, state, f"{path} (discriminator {domain!r})")
        out.append(dis.eval())
    return out[0], out[1]
