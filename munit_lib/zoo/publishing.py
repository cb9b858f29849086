"""Publishing a run as the zoo's model ``name``: ``<out_root>/<name>/`` (default under
``data/pretrained/``), scored as loaded from the file written (what users get).

=============  ========================================================================================
family         files
=============  ========================================================================================
``shapes``     ``generators.pt`` (EMA, float32), ``config.yaml`` (the run's), ``losses.csv`` (up to the
               published iteration), ``samples_a2b.png`` and ``samples_b2a.png`` (the last grids at or
               before it), ``scores.json``, ``README.md``; ``time_to_quality.jsonl`` when a curve of
               ``benchmarks/time_to_quality.py`` is given
``variant``    ``generators.pt`` (EMA, float16), ``config.yaml``, ``scores.json`` (with the variant's
               settings)
``baseline``   ``generators.pt`` (the generator-side networks, float16), ``config.yaml``,
               ``scores.json`` (with the CPU and wall-clock seconds of training)
``openmoji``   ``generators.pt`` (float16), ``config.yaml``, ``losses.csv`` (from a run folder),
               ``samples.png``, ``scores.json`` (with the training record), ``README.md``
=============  ========================================================================================

A folder that already holds a model is replaced only when asked (``overwrite``).
"""
from __future__ import annotations

import csv
import datetime
import json
import os
import platform
import shutil
from pathlib import Path
from typing import Optional, Union

import torch

from ..config import MUNITConfig
from ..evaluation.openmoji import load_openmoji_split, openmoji_model
from ..pretrained import data_dir
from ..training import export_checkpoint, read_training_checkpoint
from ..viz import image_grid, save_png
from .catalogue import check_size, zoo_model
from .readme import write_openmoji_readme, write_scores
from .runs import DEFAULT_RUNS, read_clock
from .scoring import git_commit, score_file, scoring_machine

__all__ = ["publish", "publish_half", "openmoji_sample_grid", "write_readme_again", "published_iteration"]

OPENMOJI_KINDS = {"munit": "MUNIT", "bicyclegan": "BicycleGAN", "cyclegan": "CycleGAN"}
SAMPLE_EMOJI, SAMPLE_STYLES = 8, 6  # the OpenMoji sample grid: test emoji x random colourings of each


def _target(name: str, out_root, overwrite: bool) -> Path:
    folder = Path(out_root if out_root is not None else data_dir() / "pretrained") / name
    if (folder / "generators.pt").exists() and not overwrite:
        raise FileExistsError(f"{folder} already holds a published model; pass overwrite (--overwrite) to "
                              "replace it")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def publish(name: str, run: Optional[Union[str, os.PathLike]] = None,
            checkpoint: Optional[Union[str, os.PathLike]] = None, out_root: Optional[Union[str, os.PathLike]] = None,
            overwrite: bool = False, n: int = 200, num_styles: int = 16, note: Optional[str] = None,
            cpu_minutes: Optional[float] = None, iteration: Optional[int] = None,
            curve: Optional[Union[str, os.PathLike]] = None, curve_label: Optional[str] = None,
            curve_seed: Optional[int] = None, log=print) -> dict:
    """Publish the run of ``name`` (``run``, default ``runs/zoo/<name>``; or one training
    ``checkpoint``) as its family publishes; returns the scores written.

    ``n``, ``num_styles``: the shapes scores' test images per domain and styles per input.
    ``note``: a sentence for the record (course and OpenMoji models). ``cpu_minutes``: the training
    time to record when the run has no clock (``train_seconds.json``) of the zoo's training.
    ``iteration``, ``curve``, ``curve_label``, ``curve_seed`` (course models): publish the run's
    export ``gen_<iteration>.pt`` instead of its last checkpoint, and keep the lines of a
    time-to-quality curve (``benchmarks/time_to_quality.py``) up to the published iteration."""
    model = zoo_model(name)
    run = Path(run) if run is not None else DEFAULT_RUNS / name
    checkpoint = Path(checkpoint) if checkpoint is not None else run / "checkpoints" / "last.pt"
    if iteration is None and not checkpoint.is_file():
        raise FileNotFoundError(f"{name} has no checkpoint at {checkpoint}: train it first "
                                f"(python scripts/zoo.py train {name})")
    folder = _target(name, out_root, overwrite)
    if model.family == "shapes":
        scores = _publish_shapes(name, run, checkpoint, folder, n, note, iteration, curve, curve_label, curve_seed)
    elif model.family == "openmoji":
        scores = _publish_openmoji(name, run, checkpoint, folder, note, cpu_minutes)
    elif model.family == "variant":
        scores = publish_half("variant", name, checkpoint, folder, n, num_styles,
                              {"variant": name[len("shapes_"):], **model.changes})
    else:
        clock = read_clock(run)
        if cpu_minutes is not None:  # the run's own record, when it has none of the zoo's training
            clock = {"cpu_seconds": 60 * cpu_minutes, "seconds": clock["seconds"] or None}
        scores = publish_half("baseline", name, checkpoint, folder, n, num_styles, {"model": name}, clock)
    check_size(folder.parent)
    log(f"published iteration {scores.get('iteration', scores.get('training', {}).get('iterations'))} of "
        f"{checkpoint if iteration is None else run} as {name} in {folder}")
    return scores


def publish_half(family: str, name: str, checkpoint: Union[str, os.PathLike], folder: Union[str, os.PathLike],
                 n: int = 200, num_styles: int = 16, record: Optional[dict] = None,
                 clock: Optional[dict] = None) -> dict:
    """A variant's or a baseline's publication (``family``) under any name: the training checkpoint's
    generator side in float16, its ``config.yaml``, and ``scores.json`` (the family's scores of the
    file written, ``record``, and from ``clock`` the CPU and wall-clock seconds of training)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    done = export_checkpoint(checkpoint, folder / "generators.pt", half=True, overwrite=True)
    done["config"].to_yaml(folder / "config.yaml")
    scores = score_file(family, folder / "generators.pt", n=n, num_styles=num_styles)
    scores.update(record or {}, iteration=done["iteration"], n_test=n, num_styles=num_styles,
                  date=datetime.date.today().isoformat(), torch=torch.__version__)
    if clock and clock.get("cpu_seconds"):
        scores["train_cpu_seconds"] = round(float(clock["cpu_seconds"]), 1)
        if clock.get("seconds"):
            scores["train_seconds"] = round(float(clock["seconds"]), 1)
    write_scores(name, folder, scores)
    return scores


def _last_sampled(run: Path, iteration: int) -> int:
    """The last iteration at or before ``iteration`` whose sample grids the run folder holds."""
    sampled = [int(p.stem.split("_")[1]) for p in (run / "samples").glob("a2b_*.png")]
    return max(i for i in sampled if i <= iteration)


def _publish_shapes(name, run: Path, checkpoint: Path, folder: Path, n: int, note, iteration, curve, label,
                    seed) -> dict:
    # 1. the generators (EMA when the run has it), the config, the log up to this iteration
    if iteration is not None:  # an export the run wrote (the time-to-quality benchmark writes one per score)
        shutil.copyfile(run / f"gen_{iteration:08d}.pt", folder / "generators.pt")
    else:
        iteration = export_checkpoint(checkpoint, folder / "generators.pt", overwrite=True)["iteration"]
    shutil.copyfile(run / "config.yaml", folder / "config.yaml")
    with open(run / "losses.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    with open(folder / "losses.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([rows[0]] + [r for r in rows[1:] if int(float(r[0])) <= iteration])
    # 2. the last sample grids written at or before this iteration
    last = _last_sampled(run, iteration)
    for direction in ("a2b", "b2a"):
        shutil.copyfile(run / "samples" / f"{direction}_{last:08d}.png", folder / f"samples_{direction}.png")
    # 3. the scores on the test split, and the run's scores along the way
    scores = score_file("shapes", folder / "generators.pt", n=n)
    if curve:
        lines = [json.loads(line) for line in Path(curve).read_text(encoding="utf-8").splitlines()]
        lines = [r for r in lines if (label is None or r["label"] == label)
                 and (seed is None or r["seed"] == seed) and r["iteration"] <= iteration]
        (folder / "time_to_quality.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    scores.update(iteration=iteration, sampled=last, note=note or "", date=datetime.date.today().isoformat(),
                  commit=git_commit(), **scoring_machine())
    write_scores(name, folder, scores)
    return scores


@torch.no_grad()
def openmoji_sample_grid(model, data, seed: int = 0) -> torch.Tensor:
    """Rows: one test emoji each (toned ones first); columns: line art, truth, random colourings."""
    m = openmoji_model(model)
    toned = data.toned
    picks = (toned[::max(1, len(toned) // 4)][:4] + [i for i in range(len(data)) if i not in toned][::37])[:SAMPLE_EMOJI]
    g = torch.Generator().manual_seed(seed)
    rows = []
    for i in picks:
        x = data.line_art[i:i + 1].expand(SAMPLE_STYLES, -1, -1, -1)
        styles = torch.randn(SAMPLE_STYLES, max(m.style_dim, 0), generator=g)
        outputs = m.a2b(x, styles).float().clamp(-1, 1)
        rows.append([data.line_art[i], data.colour[i], *outputs])
    return image_grid(rows)


def _publish_openmoji(name, run: Path, checkpoint: Path, folder: Path, note, cpu_minutes) -> dict:
    model = zoo_model(name)
    state = read_training_checkpoint(checkpoint)
    cfg = MUNITConfig.from_dict(dict(state["config"]))
    clock = read_clock(run)
    if cpu_minutes is None and not clock["cpu_seconds"]:
        raise ValueError(f"{run} has no record of its training time (train_seconds.json, written by "
                         f"scripts/zoo.py train): give the CPU-minutes it trained for (--cpu-minutes)")
    gen = export_checkpoint(checkpoint, folder / "generators.pt", half=True, overwrite=True)["path"]
    cfg.to_yaml(folder / "config.yaml")
    if (run / "losses.csv").is_file() and checkpoint == run / "checkpoints" / "last.pt":
        shutil.copy(run / "losses.csv", folder / "losses.csv")
    save_png(openmoji_sample_grid(gen, load_openmoji_split()), folder / "samples.png")
    scores = score_file("openmoji", gen)
    threads = clock["threads"] or [1]  # "1 thread", "2 threads", "1 thread then 2"
    machine = f"{platform.machine()} CPU, {threads[0]} thread{'s' if threads[0] > 1 else ''}"
    machine += "".join(f" then {t}" for t in threads[1:])
    record = {"kind": OPENMOJI_KINDS.get(cfg.model or "munit", cfg.model), "config": model.config,
              "iterations": int(state["iteration"]),
              "cpu_minutes": round(clock["cpu_seconds"] / 60, 1) if cpu_minutes is None else cpu_minutes,
              "machine": machine,
              "date": datetime.date.today().isoformat(), "commit": git_commit(),
              "note": model.note if note is None else note}
    scores["training"] = record
    write_scores(name, folder, scores)
    return scores


def published_iteration(folder: Union[str, os.PathLike]) -> Optional[int]:
    """The iteration of the model published in ``folder`` (its ``scores.json``: ``iteration``, or an
    OpenMoji model's ``training.iterations``); None when nothing is published there (no
    ``generators.pt`` or no ``scores.json``)."""
    folder = Path(folder)
    if not ((folder / "generators.pt").is_file() and (folder / "scores.json").is_file()):
        return None
    scores = json.loads((folder / "scores.json").read_text(encoding="utf-8"))
    return scores.get("iteration", scores.get("training", {}).get("iterations"))


def write_readme_again(name: str, out_root: Optional[Union[str, os.PathLike]] = None,
                       note: Optional[str] = None) -> None:
    """Write a published model's README again from its ``scores.json`` (course models: ``note``
    replaces the one recorded)."""
    folder = Path(out_root if out_root is not None else data_dir() / "pretrained") / name
    if not (folder / "scores.json").is_file():
        raise FileNotFoundError(f"{folder} holds no scores.json: publish {name} there first")
    scores = json.loads((folder / "scores.json").read_text(encoding="utf-8"))
    family = zoo_model(name).family
    if family == "shapes":
        if note is not None:
            scores["note"] = note
        scores.setdefault("sampled", scores["iteration"])
        write_scores(name, folder, scores)
    elif family == "openmoji":
        write_openmoji_readme(name, folder, scores)
    else:
        raise ValueError(f"{name} ({family}) ships no README: its scores.json is its record")
