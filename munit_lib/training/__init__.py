"""Training MUNIT (and the baselines, through ``munit_lib.registry``).

* ``step``: one iteration (D update, then G update), the objectives as modules for DDP, and
  the step of any model (``train_step_for``);
* ``optim``: the paper's Adam settings, step decay and the baselines' linear decay, for any model;
* ``batch_stream`` (from ``munit_lib.data.batches``): batches as a pure function of the iteration
  (exact resume);
* ``checkpoint``: atomic, safe-to-load checkpoints and generator exports (MUNIT's and the baselines');
* ``ema``: a moving average of the generators;
* ``distributed``: torchrun / DistributedDataParallel set-up;
* ``trainer``: the loop with progress, samples, logs, checkpoints and resume.
"""
from ..data.batches import IterationBatchSampler, SeededItems, batch_stream  # the one batch stream, re-exported
from ..losses import NonFiniteLossError  # raised by every training step
from .checkpoint import (CheckpointError, atomic_save, export_checkpoint, export_generators, export_model,
                         read_training_checkpoint)
from .distributed import DistributedContext, cleanup_distributed, init_distributed
from .ema import GeneratorEMA
from .optim import linear_decay_factor, make_optimizers, make_schedulers
from .step import DisObjective, GenObjective, dis_losses, gen_losses, train_step, train_step_for
from .trainer import (RunLockedError, Trainer, build_datasets, check_device, default_device, read_loss_log,
                      is_shapes_root, shapes_count)

__all__ = ["make_optimizers", "make_schedulers", "linear_decay_factor", "dis_losses", "gen_losses", "train_step",
           "train_step_for", "NonFiniteLossError", "export_model", "export_checkpoint",
           "DisObjective", "GenObjective", "IterationBatchSampler", "SeededItems", "batch_stream", "CheckpointError",
           "atomic_save", "export_generators", "read_training_checkpoint", "DistributedContext", "init_distributed",
           "cleanup_distributed", "GeneratorEMA", "Trainer", "build_datasets", "default_device", "read_loss_log",
           "check_device", "RunLockedError", "is_shapes_root", "shapes_count"]
