"""More than one GPU: ``torchrun --nproc_per_node=N -m munit_lib train --config FILE``.

torchrun starts one process per GPU and sets ``RANK``, ``LOCAL_RANK`` and ``WORLD_SIZE``. Each
process holds a full MUNIT, draws its own batches (the batch size is per process), and
``DistributedDataParallel`` averages the gradients of the discriminators (in the D step) and of
the generators (in the G step) across processes, so every replica takes the same update.
Only rank 0 writes checkpoints, samples and logs. On CPU the ``gloo`` backend does the same
(that is how the tests run it).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

__all__ = ["DistributedContext", "init_distributed", "cleanup_distributed"]


@dataclass(frozen=True)
class DistributedContext:
    rank: int = 0
    local_rank: int = 0
    world_size: int = 1

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def init_distributed(device: torch.device | str | None = None) -> DistributedContext:
    """Join the process group torchrun describes in the environment (no-op for one process).

    The backend is ``nccl`` for CUDA devices and ``gloo`` otherwise."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return DistributedContext()
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    device_type = torch.device(device).type if device is not None else ("cuda" if torch.cuda.is_available() else "cpu")
    if not dist.is_initialized():
        if device_type == "cuda":
            torch.cuda.set_device(local_rank)
        dist.init_process_group("nccl" if device_type == "cuda" else "gloo", rank=rank, world_size=world_size)
    return DistributedContext(rank, local_rank, world_size)


def cleanup_distributed() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
