"""Batches without a DataLoader: ``batch_stream`` over in-memory domains gives the same images, in
the same order, as the DataLoader path with ``IterationBatchSampler``."""
from __future__ import annotations

import torch
from torch.utils.data import DataLoader

from munit_lib.data import ShapesDomain
from munit_lib.data.batches import IterationBatchSampler, SeededItems, batch_stream


def test_in_memory_shapes_batches_equal_the_data_loader_path():
    a, b = ShapesDomain("a", "train", 32, 12, 0), ShapesDomain("b", "train", 32, 12, 0)
    fast = batch_stream([a, b], batch_size=3, seed=5, start=2)
    loaders = [DataLoader(SeededItems(d), batch_sampler=IterationBatchSampler(len(d), 3, 5, k, 0, 2))
               for k, d in enumerate((a, b))]
    # ten iterations, crossing epochs (12 images / 3 per batch = 4 iterations per epoch)
    for _, (fa, fb), (la, lb) in zip(range(10), fast, zip(*loaders)):
        assert fa.shape == fb.shape == (3, 3, 32, 32)
        assert torch.equal(fa, la) and torch.equal(fb, lb)  # same images, same order, both domains
    assert not torch.equal(fa, fb)  # and the two domains are not the same images
