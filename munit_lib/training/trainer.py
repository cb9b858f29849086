"""The training loop a researcher can leave running for a week.

``Trainer(cfg, out_dir).fit()`` runs the paper's procedure (``train_step``: D update, then G
update, fresh N(0, I) styles each, Adam and step decay) and around it everything a long run
needs::

    out_dir/
      config.yaml             the full config of the run
      checkpoints/last.pt     networks, optimisers, schedulers, iteration, RNG states, config
      gen_XXXXXXXX.pt         the generators alone, in the original layout (+ our config)
      losses.csv              one row every ``log_every`` iterations
      samples/a2b_XXXXXXXX.png, b2a_...   fixed inputs x fixed styles, every ``sample_every``
      tensorboard/            only when the ``tensorboard`` package is installed

Resuming (``Trainer(...).resume()`` or ``fit(resume=True)``) continues the same run: with a
fixed seed on the CPU, 2N iterations straight and N + resume + N give identical weights,
because batches are a function of the iteration (``batches``) and every RNG state is saved.
A resume may change only how long the run goes and what it writes (``config.RESUMABLE_FIELDS``:
max_iter, the intervals, display_size, workers, precision, EMA decay ...); any other change (lr,
seed, data, batch size, a loss weight, the networks) is refused in one error naming the keys,
before anything is written. ``config.yaml``, ``losses.csv`` and tensorboard are written from the
first whole iteration on, so a start that fails leaves the run folder as it was.
A NaN or infinite loss stops the run with :class:`NonFiniteLossError` before the bad update,
so the last checkpoint on disk is the last good state. Ctrl-C (SIGINT) or SIGTERM stop after
the current iteration and save a checkpoint; a second Ctrl-C interrupts at once.
"""
from __future__ import annotations

import contextlib
import csv
import math
import os
import signal
import threading
import time
import warnings
from pathlib import Path
from typing import Sequence

import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import Dataset
from tqdm.auto import tqdm

from ..config import RESUMABLE_FIELDS, MUNITConfig
from ..data import DataSpec, ShapesDomain, ShapesPairs, unpaired_domains
from ..data.batches import SeededItems, batch_stream
from ..data.folders import check_images_open
from ..losses import VGG16_URL, PerceptualLoss
from ..networks import MUNIT
from ..official import load_state_dict_strict
from ..registry import build_model, directions_of, is_paired, translation_sides
from ..translate import Translator
from ..viz import image_grid, save_png, to_unit
from .checkpoint import CHECKPOINT_FORMAT, atomic_save, export_generators, export_model, read_training_checkpoint
from .distributed import DistributedContext, init_distributed
from .ema import GeneratorEMA
from .optim import make_optimizers, make_schedulers
from .step import DisObjective, GenObjective, NonFiniteLossError, train_step_for

__all__ = ["Trainer", "build_datasets", "is_shapes_root", "shapes_count", "read_loss_log", "default_device",
           "check_device", "RunLockedError"]


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class RunLockedError(RuntimeError):
    """Another live process is training in this run folder."""


def check_device(device: torch.device | str) -> torch.device:
    """``device`` as a ``torch.device`` that exists on this machine, else ``ValueError`` saying why."""
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device {device!r} is not a device: write cpu, cuda, cuda:N or mps") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {str(device)!r}: this machine has no usable CUDA GPU "
                             "(torch.cuda.is_available() is False); use cpu")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(f"device {str(device)!r}: this machine has {torch.cuda.device_count()} CUDA GPU(s), "
                             f"numbered from 0")
    elif device.type == "mps":
        if not torch.backends.mps.is_available():
            raise ValueError("device 'mps': Apple's Metal backend is not available here; use cpu")
    elif device.type != "cpu":
        raise ValueError(f"device {str(device)!r}: munit_lib runs on cpu, cuda or mps")
    return device


# ----------------------------------------------------------------------------- data
def is_shapes_root(spec) -> bool:
    """Whether a ``data_root`` names the synthetic shapes drawn in memory (``"shapes"`` or
    ``"shapes:N"``) rather than a folder."""
    root = str(spec).strip()
    return root == "shapes" or root.startswith("shapes:")


def shapes_count(spec: str) -> int:
    """The training images per domain that a ``data_root`` of the synthetic shapes asks for:
    ``"shapes"`` -> 2000, ``"shapes:500"`` -> 500."""
    _, _, count = spec.partition(":")
    try:
        return int(count) if count else 2000
    except ValueError:
        raise ValueError(f"data_root {spec!r}: write 'shapes' or 'shapes:N' with N a number of images") from None


def build_datasets(cfg: MUNITConfig, split: str = "train") -> tuple[Dataset, Dataset]:
    """The two domains named by ``cfg.data_root``:

    * ``"shapes"`` or ``"shapes:N"``: the synthetic shapes domains, drawn in memory at
      ``image_size`` (N images per domain for training, default 2000; 64 for ``test``), with
      their textures pinned as the data's description says (``DataSpec.from_config(cfg)``: the
      YAML key ``texture_anchor``);
    * a folder in the original layout (``trainA/ trainB/ testA/ testB/``, or ``trainA.txt``
      file lists), loaded with the paper's transforms at ``new_size`` / ``image_size``.
    """
    root = str(cfg.data_root).strip()
    if not root:
        raise ValueError("the config has no data_root: set it to a folder with trainA/ and trainB/ "
                         "(python -m munit_lib make-shapes --out FOLDER writes one) or to 'shapes'")
    if is_shapes_root(root):
        anchor = DataSpec.from_config(cfg).texture_anchor  # the data's description, recorded in checkpoints
        n = shapes_count(root) if split == "train" else 64
        if is_paired(cfg):  # BicycleGAN: aligned sketch/painting pairs, item i of A and B is pair i
            pairs = ShapesPairs(split, cfg.image_size, n, cfg.seed, texture_anchor=anchor)
            return pairs.domain("a"), pairs.domain("b")
        return (ShapesDomain("a", split, cfg.image_size, n, cfg.seed, texture_anchor=anchor),
                ShapesDomain("b", split, cfg.image_size, n, cfg.seed, texture_anchor=anchor))
    if is_paired(cfg):  # aligned folders (OpenMoji): the same file names on both sides, and no random flip,
        # which would mirror one half of a pair and not the other
        domains = unpaired_domains(root, split, cfg=cfg, train=False)
        names = [[p.name for p in d.paths] for d in domains]
        if names[0] != names[1]:
            raise ValueError(f"{root}: a paired model needs {split}A and {split}B to hold the same file names "
                             f"(item i of each is one pair); they differ ({len(names[0])} vs {len(names[1])} files)")
        return domains
    return unpaired_domains(root, split, cfg=cfg)


def read_loss_log(path: str | os.PathLike) -> dict[str, list[float]]:
    """``losses.csv`` as ``{column: [values...]}`` (``iteration`` included), for plotting."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return {}
    return {key: [float(r[key]) if r.get(key) not in (None, "") else math.nan for r in rows] for key in rows[0]}


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# The run folders this process trains in now (real paths of their .lock files): the file alone
# cannot tell a second fit() of this process from a stale lock of a dead one with the same pid.
_HELD_RUNS: set[str] = set()
_HELD_LOCK = threading.Lock()
_EMPTY_LOCK_GRACE_S = 120.0  # an empty lock file younger than this may be a writer's: held, not stale


def _take_lock_file(lock: Path, out_dir: Path) -> str:
    """Create ``lock`` holding this process's pid, atomically: the pid is written to a temporary
    file first, which is then hard-linked to the lock's name (``os.link`` fails if the name exists),
    so no other process can ever see the lock without its pid. A lock left by a process that no
    longer runs is moved aside and taken over. Returns the text written (to release only ours)."""
    token = f"{os.getpid()}\n{os.urandom(8).hex()}\n"  # the pid, then what tells this run's lock from others
    tmp = lock.with_name(f".lock.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(token)
        for _ in range(3):
            try:
                _link_or_create(tmp, lock, token)
                return token
            except FileExistsError:
                pass
            try:
                text, age = lock.read_text(), time.time() - lock.stat().st_mtime
            except FileNotFoundError:
                continue  # released meanwhile: try again
            except OSError:
                text, age = "", 0.0
            first = text.split(maxsplit=1)[0] if text.split() else ""
            pid = int(first) if first.isdigit() else 0
            if pid and pid != os.getpid() and _process_alive(pid):
                raise RunLockedError(f"{out_dir} is being trained by process {pid}; wait for it, stop it, "
                                     "or choose another output folder")
            if not pid and age < _EMPTY_LOCK_GRACE_S:  # being written, or unreadable: count it as held
                raise RunLockedError(f"{lock} exists without a readable pid: another process may be starting "
                                     f"to train in {out_dir}; try again in {_EMPTY_LOCK_GRACE_S:.0f} s, or delete "
                                     "the file if no run trains there")
            # stale: its process is gone (or it is an old empty file). Move exactly that file aside
            aside = lock.with_name(f".lock.stale-{os.getpid()}-{os.urandom(4).hex()}")
            try:
                os.rename(lock, aside)
            except FileNotFoundError:
                continue
            try:
                if aside.read_text() != text:  # another process took the lock in between: give it back
                    with contextlib.suppress(OSError):
                        os.link(aside, lock)
                    raise RunLockedError(f"{out_dir} was taken by another process while this one started; "
                                         "wait for it, or choose another output folder")
            finally:
                aside.unlink(missing_ok=True)
        raise RunLockedError(f"cannot take the lock {lock}: other processes keep taking it")
    finally:
        tmp.unlink(missing_ok=True)


def _link_or_create(tmp: str, lock: Path, token: str) -> None:
    """``os.link(tmp, lock)``; where the file system has no hard links, ``O_EXCL`` creation and a
    write (an instant without the pid, which readers treat as held: ``_EMPTY_LOCK_GRACE_S``)."""
    try:
        os.link(tmp, lock)
    except FileExistsError:
        raise
    except OSError:  # e.g. EPERM / ENOTSUP: hard links not supported here
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        with os.fdopen(fd, "w") as f:
            f.write(token)


def _release_lock_file(lock: Path, token: str) -> None:
    """Remove ``lock`` if it is still the one this run took (never another process's)."""
    try:
        if lock.read_text() == token:
            lock.unlink(missing_ok=True)
    except FileNotFoundError:
        pass


# ----------------------------------------------------------------------------- trainer
class Trainer:
    """Train one MUNIT model on two unpaired domains (see the module docstring)."""

    def __init__(self, cfg: MUNITConfig, out_dir: str | os.PathLike, datasets: Sequence[Dataset] | None = None,
                 display: Sequence[Dataset] | None = None, device: torch.device | str | None = None,
                 perceptual: PerceptualLoss | None = None, progress: bool = True,
                 tensorboard: bool | None = None, distributed: DistributedContext | None = None) -> None:
        self.cfg = cfg.validate()
        self.out_dir = Path(out_dir)
        self.dist = distributed if distributed is not None else init_distributed(device)
        if device is None:
            device = (torch.device("cuda", self.dist.local_rank) if torch.cuda.is_available() else torch.device("cpu"))
        self.device = check_device(device)
        if self.cfg.precision == "bf16" and self.device.type == "cpu":
            warnings.warn("bf16 autocast on the CPU is slow on most processors; "
                          "set precision: fp32 for CPU runs", stacklevel=2)
        self.autocast_dtype = torch.bfloat16 if self.cfg.precision == "bf16" else None
        self.datasets = tuple(datasets) if datasets is not None else build_datasets(self.cfg, "train")
        if len(self.datasets) != 2 or any(len(d) < 1 for d in self.datasets):
            raise ValueError("Trainer needs two non-empty datasets (domain A, domain B)")
        self.display_sets = tuple(display) if display is not None else self.datasets
        if self.cfg.vgg_w > 0 and perceptual is None:  # built from the config: vgg_layer, vgg_model_path
            if not self.cfg.vgg_model_path:
                raise ValueError(f"vgg_w > 0 needs ImageNet VGG16 weights: download {VGG16_URL} and set "
                                 "vgg_model_path: to that file (or its folder) in the config, or set vgg_w: 0")
            perceptual = PerceptualLoss(self.cfg.vgg_layer, weights_path=self.cfg.vgg_model_path)
        self.perceptual = perceptual.to(self.device) if perceptual is not None else None
        self.progress = progress and self.dist.is_main

        # the model, built under the run's seed so that the same config gives the same initial weights
        torch.manual_seed(self.cfg.seed)
        self.model = build_model(self.cfg).to(self.device)  # MUNIT, or the baseline cfg.model names
        if self.cfg.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        # what the model learns from (recorded in every checkpoint and export as "data"; scoring reads it)
        self.data_spec = DataSpec.from_config(self.cfg)
        for gen in (getattr(self.model, "gen_a", None), getattr(self.model, "gen_b", None)):
            if gen is not None:
                gen.data_record = self.data_spec.to_dict()
        self.opt_gen, self.opt_dis = make_optimizers(self.model, self.cfg)
        self.sched_gen, self.sched_dis = make_schedulers((self.opt_gen, self.opt_dis), self.cfg)
        self.ema = GeneratorEMA(self.model, self.cfg.ema_decay) if self.cfg.ema_decay > 0 else None
        # the random styles of training come from their own generator (saved in checkpoints)
        self.style_rng = torch.Generator(self.device).manual_seed(self.cfg.seed * 7919 + self.dist.rank + 1)
        self.iteration = 0
        self.objectives = None
        if self.dist.enabled:
            ids = [self.device.index] if self.device.type == "cuda" else None
            # each wraps only the networks its update trains; the model is an argument of each call
            self.objectives = tuple(DistributedDataParallel(objective(self.model), device_ids=ids,
                                                            broadcast_buffers=False)
                                    for objective in (DisObjective, GenObjective))
        # fixed inputs and styles for the sample grids: the same pictures at every interval
        g = torch.Generator().manual_seed(self.cfg.seed + 12345)
        self.display_styles = torch.randn(self.cfg.display_size, self.cfg.style_dim, generator=g)
        self._tensorboard = tensorboard
        self._writer = None
        self._log_header: list[str] | None = None  # the columns of losses.csv, read or written once
        self._stop_requested = False
        self._saved_iteration: int | None = None  # the iteration checkpoints/last.pt holds, when known
        # set by fit(): where it started, whether Ctrl-C / SIGTERM stopped it, what an error left saved
        self.start_iteration, self.interrupted, self.saved_after_error = 0, False, None

    # ------------------------------------------------------------------ paths
    @property
    def checkpoint_path(self) -> Path:
        return self.out_dir / "checkpoints" / "last.pt"

    @property
    def log_path(self) -> Path:
        return self.out_dir / "losses.csv"

    def generators_path(self, iteration: int | None = None) -> Path:
        return self.out_dir / f"gen_{(self.iteration if iteration is None else iteration):08d}.pt"

    # ------------------------------------------------------------------ state
    def _rng_state(self) -> dict:
        state = {"torch": torch.get_rng_state(), "style": self.style_rng.get_state()}
        if torch.cuda.is_available():
            state["cuda"] = torch.cuda.get_rng_state_all()
        return state

    def state_dict(self) -> dict:
        return {"format": CHECKPOINT_FORMAT, "iteration": self.iteration, "config": self.cfg.to_dict(),
                "data": self.data_spec.to_dict(), "model": self.model.state_dict(),
                "ema": self.ema.state_dict() if self.ema else None,
                "opt_gen": self.opt_gen.state_dict(), "opt_dis": self.opt_dis.state_dict(),
                "sched_gen": self.sched_gen.state_dict(), "sched_dis": self.sched_dis.state_dict(),
                "rng": self._rng_state(), "world_size": self.dist.world_size}

    def load_state_dict(self, state: dict) -> None:
        saved = MUNITConfig.from_dict(dict(state["config"]))
        differ = saved.architecture_differences(self.cfg)
        if differ:
            raise ValueError("the checkpoint was trained with another architecture (checkpoint vs config): "
                             + "; ".join(differ))
        changed = saved.resume_differences(self.cfg)
        if changed:  # refused: the saved optimiser, RNG streams and log would silently keep the old ones
            raise ValueError(f"resuming cannot change {'; '.join(changed)} (checkpoint vs config): a run keeps "
                             "these from its start; put the checkpoint's values back, or start a new run in "
                             f"another folder. A resume may change only {', '.join(RESUMABLE_FIELDS)}")
        saved_data = DataSpec.from_checkpoint(state)  # its "data" record; an older file's config keys
        if saved_data.root == self.data_spec.root and saved_data.texture_anchor != self.data_spec.texture_anchor:
            # the same shapes data drawn another way: allowed (a run may switch on purpose), never silent
            warnings.warn(f"the checkpoint was trained on shapes textures pinned to the {saved_data.texture_anchor}; "
                          f"this config pins them to the {self.data_spec.texture_anchor}, so training continues on "
                          "other paintings", stacklevel=2)
        # a checkpoint whose stored config disagrees with its own tensors: name the keys, one error
        load_state_dict_strict(self.model, state["model"], "the checkpoint's networks")
        if self.ema is not None and state.get("ema"):
            self.ema.load_state_dict(state["ema"])
            self.ema.decay = float(self.cfg.ema_decay)  # a changed decay applies from the next update on
        elif self.ema is not None:  # EMA switched on mid-run: start it from the current weights
            self.ema = GeneratorEMA(self.model, self.cfg.ema_decay)
        self.opt_gen.load_state_dict(state["opt_gen"])
        self.opt_dis.load_state_dict(state["opt_dis"])
        self.sched_gen.load_state_dict(state["sched_gen"])
        self.sched_dis.load_state_dict(state["sched_dis"])
        rng = state["rng"]
        torch.set_rng_state(rng["torch"])
        self.style_rng.set_state(rng["style"])
        if "cuda" in rng and torch.cuda.is_available() and len(rng["cuda"]) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(rng["cuda"])
        self.iteration = int(state["iteration"])
        saved_world = int(state.get("world_size", 1))
        if saved_world != self.dist.world_size:
            warnings.warn(f"the checkpoint was written by a run with {saved_world} process(es) and this one has "
                          f"{self.dist.world_size}: training continues, but each process now draws other batches "
                          "than the original run would have (resume with the same number for an exact "
                          "continuation)", stacklevel=2)

    def save_checkpoint(self, path: str | os.PathLike | None = None) -> Path | None:
        """Write the whole training state atomically (rank 0 only); returns the path."""
        if not self.dist.is_main:
            return None
        written = atomic_save(self.state_dict(), path or self.checkpoint_path)
        if path is None:
            self._saved_iteration = self.iteration  # what checkpoints/last.pt now holds
        return written

    def resume(self, path: str | os.PathLike | None = None) -> int:
        """Continue from ``path`` (default ``out_dir/checkpoints/last.pt``); returns the iteration."""
        path = Path(path or self.checkpoint_path)
        self.load_state_dict(read_training_checkpoint(path))
        self._saved_iteration = self.iteration if path == self.checkpoint_path else None
        return self.iteration  # fit() then drops the log rows written after it (under the run lock)

    def export_generators(self, path: str | os.PathLike | None = None, use_ema: bool = True) -> Path:
        """The generators alone (EMA weights when there are some), in the original layout + config."""
        if not isinstance(self.model, MUNIT):  # a baseline: its networks under the original's names
            return export_model(self.model, path or self.generators_path(), self.cfg, self.iteration,
                                data=self.data_spec.to_dict())
        gens = (self.ema.gen_a, self.ema.gen_b) if use_ema and self.ema is not None else (self.model.gen_a,
                                                                                            self.model.gen_b)
        return export_generators(*gens, path or self.generators_path(), self.cfg, self.iteration,
                                 data=self.data_spec.to_dict())

    # ------------------------------------------------------------------ logging
    def _truncate_log(self, iteration: int) -> None:
        """Make ``losses.csv`` the log of iterations 1..``iteration`` only, so that every logged
        iteration has exactly one row: rows written after the checkpoint we continue from (they
        will be redone) go, and so does a torn row (a kill mid-write: wrong number of fields,
        or a field that is not a number). At iteration 0 the log starts afresh."""
        self._log_header = None
        if not self.log_path.exists():
            return
        if iteration == 0:  # no checkpoint: rows of an earlier, unsaved attempt would be counted twice
            self.log_path.unlink()
            return
        with open(self.log_path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        if not rows:
            return

        def whole(row: list[str]) -> bool:
            try:
                return len(row) == len(rows[0]) and all(isinstance(float(v), float) for v in row)
            except ValueError:
                return False

        kept = [rows[0]] + [r for r in rows[1:] if whole(r) and int(float(r[0])) <= iteration]
        tmp = self.log_path.with_suffix(".csv.tmp")
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(kept)
        os.replace(tmp, self.log_path)

    def _log(self, losses: dict[str, float]) -> None:
        row = {"iteration": self.iteration, **losses}  # losses starts with the iteration's learning rate
        new = not self.log_path.exists() or self.log_path.stat().st_size == 0
        if new:
            self._log_header = list(row)
        elif self._log_header is None:  # an existing log (a resumed run): read its columns once
            with open(self.log_path, newline="", encoding="utf-8") as f:
                self._log_header = next(csv.reader(f), list(row))
        if not new and any(key not in self._log_header for key in row):
            self._widen_log([key for key in row if key not in self._log_header])
        with open(self.log_path, "a", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=self._log_header, extrasaction="ignore")
            if new:
                writer.writeheader()
            writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
        if self._writer is not None:
            for key, value in losses.items():
                self._writer.add_scalar(f"loss/{key}", value, self.iteration)

    def _widen_log(self, columns: list[str]) -> None:
        """Add ``columns`` (a loss this run computes that the log's header lacks) to ``losses.csv``,
        empty in the rows before: never drop a loss from the record. Rewritten atomically."""
        with open(self.log_path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        self._log_header = self._log_header + columns
        tmp = self.log_path.with_suffix(".csv.tmp")
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=self._log_header, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, self.log_path)

    def _open_tensorboard(self) -> None:
        if self._tensorboard is False or not self.dist.is_main:
            return
        try:
            from torch.utils.tensorboard import SummaryWriter  # here: tensorboard is an optional dependency
        except ImportError:  # optional: never required
            if self._tensorboard:
                warnings.warn("tensorboard is not installed (pip install tensorboard); logging to CSV only")
            return
        self._writer = SummaryWriter(str(self.out_dir / "tensorboard"), purge_step=self.start_iteration + 1)

    # ------------------------------------------------------------------ samples
    def display_batch(self, domain: int) -> torch.Tensor:
        """The fixed inputs of the sample grids: the first ``display_size`` images of a domain."""
        dataset = SeededItems(self.display_sets[domain])
        n = min(self.cfg.display_size, len(dataset))
        return torch.stack([dataset[(i, i)] for i in range(n)])

    @torch.no_grad()
    def sample_grids(self) -> dict[str, torch.Tensor]:
        """Inputs (first column) next to their translations with the fixed display styles, as
        images ``(rows * (1 + styles), 3, H, W)`` per direction (what ``save_image`` lays out)."""
        gens = (self.ema.gen_a, self.ema.gen_b) if self.ema is not None else translation_sides(self.model)
        was_training = [g.training for g in gens]
        for g in gens:
            g.eval()
        grids = {}
        try:
            translator = Translator(*gens, device=self.device)  # picks the generators of each direction
            for name, src in (("a2b", 0), ("b2a", 1)):
                if name not in directions_of(self.model):  # BicycleGAN translates a2b only
                    continue
                x = self.display_batch(src).to(self.device)  # (n, 3, H, W)
                out = translator.translate(x, name, self.display_styles)  # (n, k, 3, H, W)
                # inputs first: (n, 1 + k, 3, H, W) -> (n * (1 + k), 3, H, W)
                grids[name] = torch.cat([x[:, None].to(out.dtype), out], dim=1).flatten(0, 1).float().cpu()
        finally:
            for g, mode in zip(gens, was_training):
                g.train(mode)
        return grids

    def write_samples(self) -> list[Path]:
        paths, columns = [], 1 + len(self.display_styles)
        for name, images in self.sample_grids().items():
            rows = images.reshape(-1, columns, *images.shape[1:])  # (n * columns, C, H, W) -> (n, columns, C, H, W)
            paths.append(save_png(image_grid(rows), self.out_dir / "samples" / f"{name}_{self.iteration:08d}.png"))
            if self._writer is not None:
                self._writer.add_images(f"samples/{name}", to_unit(images[:columns]), self.iteration)
        return paths

    # ------------------------------------------------------------------ the loop
    @contextlib.contextmanager
    def _graceful_stop(self):
        """First SIGINT / SIGTERM: finish the iteration, save, return. Second: interrupt now."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

        def request_stop(signum, frame):
            if self._stop_requested:
                raise KeyboardInterrupt
            self._stop_requested = True

        for sig in previous:
            signal.signal(sig, request_stop)
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    @contextlib.contextmanager
    def _run_lock(self):
        """``out_dir/.lock`` holds the pid of the process training there: a second run training
        into the same folder would overwrite the first one's checkpoints. Held per run, not per
        process: a second ``fit()`` on the folder in this process is refused too."""
        if not self.dist.is_main:
            yield
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        lock = self.out_dir / ".lock"
        key = os.path.realpath(lock)
        with _HELD_LOCK:
            if key in _HELD_RUNS:
                raise RunLockedError(f"{self.out_dir} is being trained by another Trainer.fit() of this process; "
                                     "wait for it to end, or choose another output folder")
            _HELD_RUNS.add(key)
        try:
            token = _take_lock_file(lock, self.out_dir)
            try:
                yield
            finally:
                _release_lock_file(lock, token)
        finally:
            with _HELD_LOCK:
                _HELD_RUNS.discard(key)

    def _start_record(self) -> None:
        """What a run writes besides its checkpoints, from the first whole iteration on (a start
        that fails before it writes nothing): ``losses.csv`` cut to the iterations of the
        checkpoint we continue from, ``config.yaml`` (the config this run trains with), tensorboard."""
        if self.dist.is_main:
            self._truncate_log(self.start_iteration)  # one row per logged iteration, whatever happened before
            text = self.cfg.to_yaml()
            tmp = self.out_dir / ".config.yaml.tmp"
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, self.out_dir / "config.yaml")  # never half a config
        self._open_tensorboard()

    def preflight(self) -> None:
        """What can be checked before iteration 1: the run folder and ``checkpoints/`` are writable,
        and every training image of a folder dataset opens (one pass over the files)."""
        if self.dist.is_main:
            for folder in (self.out_dir, self.checkpoint_path.parent):
                probe = folder / f".write-test-{os.getpid()}"
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                    probe.write_bytes(b"")
                    probe.unlink()
                except OSError as error:
                    raise OSError(f"{folder} is not writable ({error.strerror or error}): the run could not save "
                                  "its checkpoints; fix its permissions or choose another --out") from None
        for name, dataset in zip("AB", self.datasets):
            paths = getattr(dataset, "paths", None)  # folder datasets (ImageFolderDomain) list their files
            if paths is not None:
                check_images_open(paths, f"training images of domain {name}")

    def _remove_stale_temporaries(self) -> None:
        """Delete what interrupted saves left (``.last.pt.XXXX.tmp``: up to a whole checkpoint each).
        Only called under the run lock, when no other process can be writing here."""
        for folder in (self.out_dir, self.checkpoint_path.parent):
            for tmp in list(folder.glob(".*.tmp")) + list(folder.glob("*.csv.tmp")):
                if tmp.is_file():
                    tmp.unlink(missing_ok=True)

    def _save_after_error(self) -> None:
        """After an error between iterations, save the last whole iteration (if not on disk yet);
        ``saved_after_error`` says where. A failing save (a full disk) does not hide the first error."""
        if not self.dist.is_main or self.iteration == self.start_iteration:
            return
        if self._saved_iteration == self.iteration:
            self.saved_after_error = self.checkpoint_path
            return
        try:
            self.saved_after_error = self.save_checkpoint()
        except Exception as error:  # noqa: BLE001
            warnings.warn(f"could not save the state of iteration {self.iteration} after the error: {error}",
                          stacklevel=3)

    def fit(self, max_iter: int | None = None, resume: bool = False, max_seconds: float | None = None,
            max_cpu_seconds: float | None = None) -> dict[str, float]:
        """Train until ``max_iter`` iterations in all (default ``cfg.max_iter``); returns the last losses.

        With ``resume=True`` continue from ``out_dir/checkpoints/last.pt`` when it exists.
        ``max_seconds`` also stops after that much wall-clock time of training (the iteration
        under way is finished), then saves as at any end: ``fit`` can be called again to go on
        (``benchmarks/time_to_quality.py`` scores the model between such calls).
        ``max_cpu_seconds`` does the same for the CPU time of this process (``time.process_time``:
        all its threads): a budget that other programs on a shared machine do not shrink."""
        if max_iter is not None and int(max_iter) < 0:
            raise ValueError(f"max_iter={max_iter}: give the iteration to stop at, 0 or more")
        with self._run_lock():
            return self._fit(max_iter, resume, max_seconds, max_cpu_seconds)

    def _fit(self, max_iter: int | None, resume: bool, max_seconds: float | None = None,
             max_cpu_seconds: float | None = None) -> dict[str, float]:
        cfg = self.cfg
        max_iter = cfg.max_iter if max_iter is None else int(max_iter)
        # Everything from here runs under the run lock: nothing in out_dir was touched before it.
        self.preflight()  # every image opens, the folders are writable: fail now, not 150 iterations in
        if resume and self.checkpoint_path.exists():
            self.resume()
        self.start_iteration, self.interrupted, self.saved_after_error = self.iteration, False, None
        if self.dist.is_main:
            self._remove_stale_temporaries()
        recording = False  # losses.csv, config.yaml, tensorboard: touched once the first iteration is whole
        stream = batch_stream(self.datasets, cfg.batch_size, cfg.seed, start=self.iteration, rank=self.dist.rank,
                              num_workers=cfg.num_workers, pin_memory=self.device.type == "cuda",
                              paired=is_paired(cfg))
        bar = tqdm(total=max_iter, initial=self.iteration, desc="MUNIT", unit="it", disable=not self.progress,
                   dynamic_ncols=True)
        memory = torch.channels_last if cfg.channels_last else torch.contiguous_format
        losses: dict[str, float] = {}
        self._stop_requested = False
        deadline = math.inf if max_seconds is None else time.perf_counter() + float(max_seconds)
        cpu_deadline = math.inf if max_cpu_seconds is None else time.process_time() + float(max_cpu_seconds)
        step_whole = True  # False while an iteration is half done (one side's weights already updated)
        try:
            with self._graceful_stop():
                while (self.iteration < max_iter and not self._stop_requested and time.perf_counter() < deadline
                       and time.process_time() < cpu_deadline):
                    x_a, x_b = next(stream)
                    x_a = x_a.to(self.device, non_blocking=True, memory_format=memory)
                    x_b = x_b.to(self.device, non_blocking=True, memory_format=memory)
                    lr = self.opt_gen.param_groups[0]["lr"]  # the rate this iteration trains with
                    step_whole = False
                    step = train_step_for(self.model)  # MUNIT's train_step or the baseline's, same signature
                    losses = step(self.model, self.opt_gen, self.opt_dis, x_a, x_b, perceptual=self.perceptual,
                                  rng=self.style_rng, autocast_dtype=self.autocast_dtype, objectives=self.objectives,
                                  iteration=self.iteration + 1)
                    losses = {"lr": lr, **losses}
                    self.sched_gen.step()
                    self.sched_dis.step()
                    if self.ema is not None:
                        self.ema.update(self.model)
                    self.iteration += 1
                    step_whole = True
                    bar.update(1)
                    if not recording:
                        self._start_record()
                        recording = True
                    if not self.dist.is_main:
                        continue
                    if self.iteration % cfg.log_every == 0 or self.iteration == max_iter:
                        self._log(losses)
                        recon = losses.get("gen_recon_x_a", math.nan) + losses.get("gen_recon_x_b", math.nan)
                        bar.set_postfix(D=f"{losses['dis_total']:.3f}", G=f"{losses['gen_total']:.3f}",
                                        x=f"{recon:.3f}")  # x: nan for models without image reconstruction
                    if self.iteration % cfg.sample_every == 0:
                        self.write_samples()
                    if self.iteration % cfg.checkpoint_every == 0:
                        self.save_checkpoint()
                        self._remove_stale_temporaries()
        except NonFiniteLossError as error:
            bar.close()
            if self.checkpoint_path.exists():  # nothing was saved after the bad step
                error.args = (f"{error.args[0]}; the last good checkpoint is {self.checkpoint_path}",)
            raise
        except BaseException:
            bar.close()
            if step_whole:  # the state is that of a whole iteration: keep it (a half-done one is not kept)
                self._save_after_error()
            raise
        bar.close()
        if not recording:  # no iteration to do (or no time for one): the run's record is still written
            self._start_record()
        self.interrupted = self._stop_requested  # Ctrl-C / SIGTERM: stopped early, saved below
        if self.dist.is_main:  # a run always ends with its state on disk
            self.save_checkpoint()
            self._remove_stale_temporaries()
            self.export_generators()
            if self.iteration % cfg.sample_every != 0:
                self.write_samples()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        return losses
