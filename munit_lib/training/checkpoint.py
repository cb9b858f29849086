"""Training checkpoints: everything needed to continue a run, written atomically, read safely.

A checkpoint is a plain dict of tensors, numbers and strings (so ``torch.load(...,
weights_only=True)`` reads it without unpickling code)::

    {"format": "munit_lib.checkpoint/1", "iteration": int, "config": {...},
     "data": {"root": data_root, "texture_anchor": "canvas" | "shape"},
     "model": MUNIT state dict, "ema": {...} or None,
     "opt_gen": ..., "opt_dis": ..., "sched_gen": ..., "sched_dis": ...,
     "rng": {"torch": ByteTensor, "style": ByteTensor, "cuda": [ByteTensor, ...]}}

Writes go to a temporary file in the same folder, are flushed to disk, then renamed over the
old file: a crash mid-save leaves the previous checkpoint intact.

``"data"`` is the data's description (``munit_lib.data.DataSpec``); the exports keep it too. Files
written before it carry ``texture_anchor`` in their config only, where ``DataSpec.from_checkpoint``
reads it.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..config import MUNITConfig
from ..data import DataSpec
from ..official import read_checkpoint
from ..registry import EXPORT_FORMAT, checkpoint_networks, generators_from_data, model_from_checkpoint, model_name

__all__ = ["CHECKPOINT_FORMAT", "GENERATORS_FORMAT", "atomic_save", "read_training_checkpoint",
           "export_generators", "export_model", "CheckpointError", "is_training_checkpoint", "check_export_target",
           "exportable_state", "export_checkpoint"]

CHECKPOINT_FORMAT = "munit_lib.checkpoint/1"
GENERATORS_FORMAT = "munit_lib.generators/1"


class CheckpointError(ValueError):
    """A file that is not a usable munit_lib training checkpoint."""


def atomic_save(obj: Any, path: str | os.PathLike) -> Path:
    """``torch.save`` to ``path`` through a temporary file and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        try:
            with os.fdopen(fd, "wb") as f:
                torch.save(obj, f)
                f.flush()
                os.fsync(f.fileno())
        except (RuntimeError, OSError) as error:  # torch's zip writer reports a failed write as RuntimeError
            free = shutil.disk_usage(path.parent).free / 2 ** 20
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise OSError(f"could not write {path} ({reason}); {free:.0f} MiB free on its disk: is it full?") from error
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; give it the usual permissions
        os.replace(tmp, path)  # atomic on POSIX and Windows
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_training_checkpoint(path: str | os.PathLike) -> dict:
    """Read a checkpoint written by :class:`~munit_lib.training.Trainer` (``weights_only=True``)."""
    try:
        data = read_checkpoint(path)  # weights_only=True; names a missing, truncated or unsafe file
    except ValueError as error:
        raise CheckpointError(str(error)) from error
    if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
        hint = (" (it looks like a generator file: load it with load_official_generators)"
                if isinstance(data, dict) and {"a", "b"} <= set(data) else "")
        raise CheckpointError(f"{path} is not a munit_lib training checkpoint "
                              f"(expected format {CHECKPOINT_FORMAT!r}){hint}")
    return data


def is_training_checkpoint(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a file holding a run's training state (optimisers, schedulers, RNG),
    read safely; a file that is missing or cannot be read as a plain checkpoint is not one."""
    path = Path(path)
    if not path.is_file():
        return False
    try:
        data = read_checkpoint(path)
    except (ValueError, OSError):
        return False
    return data.get("format") == CHECKPOINT_FORMAT or {"opt_gen", "opt_dis"} <= set(data)


def check_export_target(path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Refuse to write an export over what it must not replace: a folder, an existing file
    (unless ``overwrite``), and never a training checkpoint, whose optimiser and RNG state an
    export does not hold (a run's ``checkpoints/last.pt``), even with ``overwrite``."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"--out {path} is a directory: name the file to write, e.g. {path / 'gen.pt'}")
    if path.exists():
        if is_training_checkpoint(path):
            raise FileExistsError(f"--out {path} is a training checkpoint (optimisers, RNG states): an export "
                                  "never replaces one, not even with --overwrite; choose another --out")
        if not overwrite:
            raise FileExistsError(f"--out {path} already exists; pass --overwrite to replace it, or choose "
                                  "another --out")
    return path


def exportable_state(module: nn.Module, half: bool = False) -> dict:
    """``module``'s state dict as saved by the exports: detached contiguous CPU tensors (a
    channels_last run exports the usual layout); ``half=True`` stores floating tensors in float16
    (half the bytes; loading copies them into float32 networks)."""
    def tensor(v: torch.Tensor) -> torch.Tensor:
        v = v.detach().cpu()
        return (v.half() if half and v.is_floating_point() else v).contiguous()

    return {k: tensor(v) for k, v in module.state_dict().items()}


def export_generators(gen_a: nn.Module, gen_b: nn.Module, path: str | os.PathLike, cfg: MUNITConfig,
                      iteration: int = 0, half: bool = False, data: dict | None = None) -> Path:
    """Save two generators in the original ``gen_XXXXXXXX.pt`` layout (``{"a": ..., "b": ...}``)
    plus our ``config``, so both ``load_official_generators`` and the original code can read it.
    ``half=True`` stores the weights in float16 and adds ``"dtype": "float16"``. ``data`` is the
    data's description (``DataSpec.to_dict()``; default: the config's), kept under ``"data"``."""
    record = data if data is not None else DataSpec.from_config(cfg).to_dict()
    data = {"a": exportable_state(gen_a, half), "b": exportable_state(gen_b, half), "config": cfg.to_dict(),
            "data": dict(record), "format": GENERATORS_FORMAT, "iteration": int(iteration)}
    if half:
        data["dtype"] = "float16"
    if is_training_checkpoint(path):  # a run's last.pt: its optimiser and RNG state would be lost
        raise FileExistsError(f"{path} is a training checkpoint: exporting generators over it would lose its "
                              "optimisers and RNG states; choose another file")
    return atomic_save(data, path)


def export_model(model: nn.Module, path: str | os.PathLike, cfg: MUNITConfig, iteration: int = 0,
                 half: bool = False, data: dict | None = None) -> Path:
    """Save a baseline's generator-side networks (contiguous CPU tensors) with the run's config::

        {"format": "munit_lib.baseline/1", "model": "cyclegan", "config": {...}, "iteration": N,
         "networks": {"G_A": state dict, "G_B": ...}}      (UNIT: "a", "b"; BicycleGAN: "G", "E")

    ``half=True`` stores every floating tensor in float16 (half the bytes; ``registry.load_model``
    copies them into float32 networks) and adds ``"dtype": "float16"``."""
    nets = {name: exportable_state(net, half) for name, net in checkpoint_networks(model).items()}
    record = data if data is not None else DataSpec.from_config(cfg).to_dict()  # the data's description
    data = {"format": EXPORT_FORMAT, "model": model_name(cfg), "config": cfg.to_dict(), "data": dict(record),
            "iteration": int(iteration), "networks": nets}
    if half:
        data["dtype"] = "float16"
    return atomic_save(data, path)


def export_checkpoint(checkpoint: str | os.PathLike, path: str | os.PathLike, use_ema: bool = True,
                      half: bool = False, overwrite: bool = False) -> dict:
    """What a run gives its users, written from its training checkpoint: MUNIT's two generators in
    the original layout (:func:`export_generators`), a baseline's generator-side networks
    (:func:`export_model`); the averaged generators when ``use_ema`` and the run kept them.
    Refuses, before any work, what :func:`check_export_target` refuses (never over a training
    checkpoint). Returns ``{"path", "iteration", "model", "ema", "config"}``."""
    check_export_target(path, overwrite=overwrite)
    state = read_training_checkpoint(checkpoint)
    cfg = MUNITConfig.from_dict(dict(state["config"]))
    iteration = int(state["iteration"])
    if model_name(cfg) != "munit":  # a baseline's run: its generator-side networks, in its original's names
        model, cfg = model_from_checkpoint(state, checkpoint, use_ema=use_ema)
        written = export_model(model, path, cfg, iteration, half=half, data=DataSpec.from_checkpoint(state).to_dict())
        return {"path": written, "iteration": iteration, "model": model_name(cfg), "ema": use_ema, "config": cfg}
    ema = bool(state.get("ema")) and use_ema
    gens = generators_from_data(state, checkpoint, use_ema=ema)  # the one loader; names bad keys
    written = export_generators(*gens, path, cfg, iteration, half=half, data=DataSpec.from_checkpoint(state).to_dict())
    return {"path": written, "iteration": iteration, "model": "munit", "ema": ema, "config": cfg}
