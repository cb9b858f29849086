"""Training MUNIT: one step (``step``), optimisers and schedules (``optim``)."""
from .optim import make_optimizers, make_schedulers
from .step import dis_losses, gen_losses, train_step

__all__ = ["make_optimizers", "make_schedulers", "dis_losses", "gen_losses", "train_step"]
