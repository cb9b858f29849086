"""The zoo: every model shipped under ``data/pretrained/``, trained, scored and published by name.

* ``catalogue``: each model's recipe (a config of ``configs/`` and the settings it changes), its
  budget (iterations or CPU-minutes) and its family, which says how it is scored and published;
  the variants of notebooks 09 and 11 (``VARIANTS``); the size limits of ``data/``;
* ``runs``: ``train``, a run trained to its budget in ``runs/zoo/<name>/``, continued where it stopped;
* ``scoring``: ``score``, a published model scored as its family is (on the file users get), and
  scored again;
* ``publishing``: ``publish``, a run written as the model's folder (weights, config, log, samples,
  scores, README);
* ``readme``: ``scores.json`` and the README that states it;
* ``tables``: the models side by side (shapes scores, OpenMoji scores, Table 1 measured);
* ``seeds``: the findings' models trained again from seeds 1 and 2, their scores gathered with the
  shipped seed 0's in ``data/pretrained/seeds.json`` (``spread`` reads one score across seeds).

``python scripts/zoo.py list | train NAME | score NAME | publish NAME | table WHICH | seeds`` runs them.
"""
from .catalogue import (CYCLE_VARIANTS, DATA_LIMIT_MB, PRETRAINED_LIMIT_MB, TABLE1_VARIANTS, VARIANTS, ZOO, ZooModel,
                        folder_size_mb, recipe, variant_config, zoo_model)
from .publishing import publish, publish_half, published_iteration, write_readme_again
from .runs import DEFAULT_RUNS, read_clock, run_iteration, train, train_run
from .scoring import score, score_baseline, score_file, score_variant
from .tables import openmoji_table, shipped_scores_table, table1

__all__ = ["ZOO", "ZooModel", "zoo_model", "recipe", "VARIANTS", "CYCLE_VARIANTS", "TABLE1_VARIANTS", "variant_config",
           "PRETRAINED_LIMIT_MB", "DATA_LIMIT_MB", "folder_size_mb", "train", "train_run", "read_clock",
           "run_iteration", "DEFAULT_RUNS", "score", "score_file", "score_variant", "score_baseline", "publish",
           "publish_half", "published_iteration", "write_readme_again", "shipped_scores_table", "openmoji_table",
           "table1"]
