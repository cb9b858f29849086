"""The zoo's findings trained again from other random seeds, so that a difference the course
states rests on more than one run.

A shipped model is seed 0 (its recipe's ``seed``). :func:`run_seeds` trains the same recipe with
``seed`` = 1, 2, ... (the weights' initialisation, the data order and every random draw of
training change; the data and the budget do not) in ``runs/seeds/seed<S>/<name>/``, publishes
each as its family publishes (``runs/seeds/seed<S>/published/<name>/``: the same float16 file
and the same scores as a shipped model), measures the models of Table 1 by its protocol
(``table1_row.json`` beside, the row ``scripts/zoo.py table table1`` computes for the shipped
one), and :func:`collect` gathers the shipped scores and those of the other seeds into one file,
``data/pretrained/seeds.json``, which the notebooks read::

    {"seeds": [0, 1, 2], "date": ..., "commit": ..., "machine": ...,
     "models": {"shapes_cyc0": {"0": {scores, "table1": {row}}, "1": {...}, "2": {...}}, ...}}

Only numbers are kept. :func:`spread` reads one score of one model across its seeds
(``table1.diversity`` reads a Table 1 column); :func:`table1_rows` gives one seed's rows, the other
models' from seed 0, for ``table1_findings``.
"""
from __future__ import annotations

import datetime
import json
import os
from pathlib import Path
from typing import Iterable, Optional, Sequence, Union

from ..evaluation import TABLE1_ROWS, load_shapes_classifier
from ..pretrained import data_dir
from .catalogue import zoo_model
from .publishing import publish, published_iteration
from .runs import run_iteration, train
from .scoring import git_commit, scoring_machine
from .tables import table1_row

__all__ = ["SEEDED", "EXTRA_SEEDS", "SEED_RUNS", "seed_runs", "run_seeds", "collect", "read_seeds", "spread",
           "table1_rows"]

# the models whose differences the course states as findings: notebook 09's four cycle variants,
# notebook 11's ablations (against cyc0), notebook 10's UNIT (against cyc0 and cyc10); the
# style-dimension sweep of notebook 11 stays one run each
SEEDED = ("shapes_cyc0", "shapes_cyc1", "shapes_cyc10", "shapes_plain10", "shapes_nox", "shapes_noc", "shapes_nos",
          "unit")
EXTRA_SEEDS = (1, 2)  # beside the shipped seed 0
SEED_RUNS = Path("runs") / "seeds"
SEEDS_FILE = "seeds.json"
TABLE1_ROW = "table1_row.json"
TABLE1_SHIPPED = Path("evaluation") / "table1_shapes.json"  # under data/pretrained: seed 0's rows


def seed_runs(seed: int, runs: Union[str, os.PathLike] = SEED_RUNS) -> Path:
    """The folder of the runs trained from ``seed``: ``<runs>/seed<seed>``."""
    if int(seed) < 1:
        raise ValueError(f"seed {seed}: seed 0 is the shipped model (data/pretrained); train seeds 1, 2, ...")
    return Path(runs) / f"seed{int(seed)}"


def run_seeds(names: Sequence[str] = SEEDED, seeds: Sequence[int] = EXTRA_SEEDS,
              runs: Union[str, os.PathLike] = SEED_RUNS, overrides: Optional[dict] = None,
              max_iter: Optional[int] = None, n: int = 200, num_styles: int = 16, progress: bool = True,
              table1_protocol: Optional[dict] = None, log=print) -> None:
    """Train (or go on training) each model of ``names`` from each seed to its budget, then publish
    it in its seed's ``published/`` folder unless it is published there at that iteration, and
    measure a model of Table 1 by its protocol (``table1_protocol``: ``tables.table1_row``'s keywords).
    ``overrides`` and ``max_iter`` change the recipe and the budget (a test's tiny network)."""
    for name in names:
        zoo_model(name)  # an unknown name fails before anything trains
    classifier = None  # the shapes classifier, loaded once when a Table 1 row is first measured
    for seed in seeds:
        for name in names:
            folder = seed_runs(seed, runs)
            result = train(name, runs=folder, max_iter=max_iter, overrides={**(overrides or {}), "seed": int(seed)},
                           progress=progress, log=log)
            if result["interrupted"]:
                raise KeyboardInterrupt  # saved: the same call goes on from there
            iteration = run_iteration(folder / name)
            published = folder / "published" / name
            if published_iteration(published) != iteration:
                publish(name, run=folder / name, out_root=folder / "published", overwrite=True, n=n,
                        num_styles=num_styles, log=log)
                (published / TABLE1_ROW).unlink(missing_ok=True)  # measured on the model it replaced
            if name in TABLE1_ROWS and not (published / TABLE1_ROW).is_file():
                classifier = classifier if classifier is not None else load_shapes_classifier()
                row = table1_row(published / "generators.pt", name, classifier, **(table1_protocol or {}))
                (published / TABLE1_ROW).write_text(json.dumps(row, sort_keys=True) + "\n", encoding="utf-8")
                log(f"{name}, seed {seed}: Table 1 row " + json.dumps(row, sort_keys=True))


def collect(names: Sequence[str] = SEEDED, seeds: Sequence[int] = EXTRA_SEEDS,
            runs: Union[str, os.PathLike] = SEED_RUNS, shipped: Optional[Union[str, os.PathLike]] = None,
            out: Optional[Union[str, os.PathLike]] = None) -> Path:
    """Write the scores of ``names`` from seed 0 (the shipped models, under ``shipped``, default
    ``data/pretrained``) and from ``seeds`` (their publications under ``runs``) to ``out`` (default
    ``<shipped>/seeds.json``). A seed not yet published is an error naming the command."""
    shipped = Path(shipped) if shipped is not None else data_dir() / "pretrained"
    out = Path(out) if out is not None else shipped / SEEDS_FILE
    rows_path = shipped / TABLE1_SHIPPED
    shipped_rows = ({r["model"]: r for r in json.loads(rows_path.read_text(encoding="utf-8"))}
                    if rows_path.is_file() else {})  # seed 0's Table 1 rows
    models: dict[str, dict[str, dict]] = {}
    for name in names:
        folders = {0: shipped / name, **{s: seed_runs(s, runs) / "published" / name for s in seeds}}
        models[name] = {}
        for seed, folder in folders.items():
            path = folder / "scores.json"
            if not path.is_file():
                raise FileNotFoundError(f"{path} does not exist: train and publish {name} from seed {seed} first "
                                        f"(python scripts/zoo.py seeds {name} --seeds {seed})")
            scores = _numbers(json.loads(path.read_text(encoding="utf-8")))
            if seed == 0:
                row = shipped_rows.get(name)
            else:
                row = (json.loads((folder / TABLE1_ROW).read_text(encoding="utf-8"))
                       if (folder / TABLE1_ROW).is_file() else None)
            if row is not None:
                scores["table1"] = _numbers(row)
            models[name][str(seed)] = scores
    record = {"seeds": [0, *map(int, seeds)], "date": datetime.date.today().isoformat(), "commit": git_commit(),
              **scoring_machine(), "models": models}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return out


def _numbers(record: dict) -> dict:
    return {k: v for k, v in record.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def read_seeds(path: Optional[Union[str, os.PathLike]] = None) -> dict:
    """The file :func:`collect` wrote (default ``data/pretrained/seeds.json``)."""
    path = Path(path) if path is not None else data_dir() / "pretrained" / SEEDS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: python scripts/zoo.py seeds")
    return json.loads(path.read_text(encoding="utf-8"))


def spread(record: dict, name: str, key: str, seeds: Optional[Iterable[int]] = None) -> dict:
    """One score of one model across its seeds: ``{"values", "mean", "min", "max"}`` (the values in
    seed order)."""
    if name not in record["models"]:
        raise KeyError(f"{name!r} has no seeds in this record; it has {', '.join(record['models'])}")
    runs = record["models"][name]
    chosen = [str(s) for s in (seeds if seeds is not None else record["seeds"])]

    def read(scores: dict):
        for part in key.split("."):  # "table1.diversity": a column of the Table 1 row
            scores = scores.get(part) if isinstance(scores, dict) else None
        return scores

    missing = [s for s in chosen if s not in runs or read(runs[s]) is None]
    if missing:
        raise KeyError(f"{name}: no {key!r} for seed(s) {', '.join(missing)}")
    values = [float(read(runs[s])) for s in chosen]
    return {"values": values, "mean": sum(values) / len(values), "min": min(values), "max": max(values)}


def table1_rows(record: dict, seed: int) -> dict[str, dict]:
    """Table 1's rows by model name as seen from ``seed``: the seeded models' rows of that seed and
    every other model's of seed 0 (``data/pretrained/evaluation/table1_shapes.json``), for
    ``munit_lib.evaluation.table1_findings``."""
    shipped = json.loads((data_dir() / "pretrained" / TABLE1_SHIPPED).read_text(encoding="utf-8"))
    rows = {r["model"]: r for r in shipped}
    for name, runs in record["models"].items():
        if "table1" in runs.get(str(seed), {}):
            rows[name] = {**runs[str(seed)]["table1"], "model": name}
    return rows
