"""Where each batch of two unpaired domains comes from, as a pure function of (seed, rank, iteration).

This is the one path that draws unpaired batches: the trainer reads ``batch_stream`` directly,
and :class:`~munit_lib.data.UnpairedLoader` (taught in notebook 06) is a thin view of it in epochs.

A resumed run must see exactly the batches the uninterrupted run would have seen. Instead of
saving a data loader's internal state, we make batch ``t`` a function of the iteration number:

* indices: domain ``d`` walks through a fresh random permutation of its images each epoch
  (as ``shuffle=True`` does); position ``p = t * B + j`` of the stream is image
  ``perm_e[p mod n]`` with epoch ``e = p // n`` and ``perm_e`` drawn from a generator seeded by
  ``(seed, rank, d, e)``;
* augmentation: each sample carries its own seed, and the dataset's random transforms (crop,
  flip) run under a forked global RNG seeded with it.

So a checkpoint only needs the iteration, and worker processes (``num_workers > 0``) give the
same batches as the main process. ``shuffle=False`` replaces every permutation by the identity
(each pass walks the images in order), for looking at data, not for training.
"""
from __future__ import annotations

from typing import Iterator, Sequence

import torch
from torch.utils.data import DataLoader, Dataset, Sampler

__all__ = ["SeededItems", "IterationBatchSampler", "batch_stream"]

_MIX = (1_000_003, 7_919, 104_729, 15_485_863)  # primes that spread the seed components apart


def _seed(*parts: int) -> int:
    """A 62-bit seed from several small integers (deterministic across runs and machines)."""
    value = 0x2545F4914F6CDD1D
    for prime, part in zip(_MIX * 2, parts):
        value = (value * prime + int(part) + 1) % (2 ** 62)
    return value


class SeededItems(Dataset):
    """Wraps a dataset so that item ``(index, seed)`` runs its random transforms under ``seed``."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, item: tuple[int, int]) -> torch.Tensor:
        index, seed = item
        with torch.random.fork_rng(devices=[]):  # leave the caller's global RNG untouched
            torch.manual_seed(seed)
            return self.dataset[index]


class IterationBatchSampler(Sampler):
    """Yields, for iterations ``start, start + 1, ...``, the list of ``(index, seed)`` pairs of
    one batch of one domain (see the module docstring)."""

    def __init__(self, n: int, batch_size: int, seed: int, domain: int, rank: int = 0, start: int = 0,
                 stop: int | None = None, shuffle: bool = True) -> None:
        if n < 1:
            raise ValueError("a training domain needs at least one image")
        self.n, self.batch_size, self.seed, self.domain, self.rank = n, batch_size, seed, domain, rank
        self.start, self.stop, self.shuffle = start, stop, shuffle
        self._epoch, self._perm = -1, None

    def _permutation(self, epoch: int) -> torch.Tensor:
        if not self.shuffle:
            return torch.arange(self.n)
        if epoch != self._epoch:
            g = torch.Generator().manual_seed(_seed(self.seed, self.rank, self.domain, epoch))
            self._epoch, self._perm = epoch, torch.randperm(self.n, generator=g)
        return self._perm

    def batch(self, iteration: int) -> list[tuple[int, int]]:
        """The ``(index, augmentation seed)`` pairs of this domain's batch at ``iteration``."""
        out = []
        for j in range(self.batch_size):
            position = iteration * self.batch_size + j
            epoch, offset = divmod(position, self.n)
            index = int(self._permutation(epoch)[offset])
            out.append((index, _seed(self.seed, self.rank, self.domain, position, 1)))
        return out

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        t = self.start
        while self.stop is None or t < self.stop:
            yield self.batch(t)
            t += 1

    def __len__(self) -> int:
        if self.stop is None:
            raise TypeError("an endless sampler has no length")
        return self.stop - self.start


def _assembled_batches(dataset, sampler: IterationBatchSampler) -> Iterator[torch.Tensor]:
    for items in sampler:
        yield dataset.batch([index for index, _ in items])  # the augmentation seeds are not needed


def batch_stream(datasets: Sequence[Dataset], batch_size: int, seed: int, start: int = 0, rank: int = 0,
                 num_workers: int = 0, pin_memory: bool = False, paired: bool = False,
                 stop: int | None = None, shuffle: bool = True) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """``(x_a, x_b)`` batches from two unpaired domains for iterations ``start, start + 1, ...``,
    without end (``stop=None``, what training wants) or up to ``stop`` (excluded).
    ``paired=True`` (aligned datasets of equal length, e.g. ``ShapesPairs``): both domains walk the
    same permutation with the same augmentation seeds, so position j of x_a and of x_b is one pair.

    Making the stream (not iterating it) draws one number from torch's global generator when a
    ``DataLoader`` is involved (its base seed, unused by the batches): callers that must leave the
    global generator as it was make the stream under ``torch.random.fork_rng``."""
    if paired and len({len(d) for d in datasets}) != 1:
        raise ValueError(f"paired training needs domains of equal length, got {[len(d) for d in datasets]}")
    if num_workers == 0 and all(callable(getattr(d, "batch", None)) for d in datasets):
        # datasets without random transforms that assemble a batch themselves (``batch(indices)``,
        # as ShapesDomain in memory) skip the DataLoader: same indices, same pixels, no per-item work
        samplers = [IterationBatchSampler(len(d), batch_size, seed, 0 if paired else domain, rank, start, stop,
                                          shuffle)
                    for domain, d in enumerate(datasets)]
        return zip(*[_assembled_batches(d, sampler) for d, sampler in zip(datasets, samplers)])
    loaders = []
    for domain, dataset in enumerate(datasets):
        sampler = IterationBatchSampler(len(dataset), batch_size, seed, 0 if paired else domain, rank, start, stop,
                                        shuffle)
        loaders.append(DataLoader(SeededItems(dataset), batch_sampler=sampler, num_workers=num_workers,
                                  pin_memory=pin_memory, persistent_workers=num_workers > 0))
    return zip(*loaders)
