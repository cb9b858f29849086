"""The paired mode of the shapes data: aligned sketch/painting pairs from one ground truth, and
their pix2pix side-by-side files, which the existing splitter reads back."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from munit_lib.data import ShapesDomain, ShapesPairs, load_ground_truth, split_side_by_side, write_pix2pix_pairs
from munit_lib.data.shapes import render_painting, render_sketch


def test_a_pair_shares_its_geometry_and_is_rendered_from_it():
    pairs = ShapesPairs("train", 64, 5, seed=3)
    sketch_rec, painting_rec = pairs.ground_truth(2)
    assert sketch_rec.geometry == painting_rec.geometry
    assert sketch_rec.style is None and painting_rec.style is not None
    sketch, painting = pairs[2]
    assert sketch.shape == painting.shape == (3, 64, 64) and sketch.dtype == torch.float32
    assert float(sketch.min()) >= -1 and float(painting.max()) <= 1
    a, b = pairs.images(2)
    assert np.array_equal(a, render_sketch(sketch_rec.geometry, 64)[0])
    assert np.array_equal(b, render_painting(painting_rec.geometry, painting_rec.style, 64)[0])
    # aligned: the ink of the sketch lies inside the painted shape's mask
    ink = a.mean(axis=2) < 128
    assert ink.any() and painting_rec.mask()[ink].mean() > 0.95


def test_pairs_are_deterministic_and_differ_from_the_unpaired_domains():
    one, two = ShapesPairs("train", 32, 4, seed=1), ShapesPairs("train", 32, 4, seed=1)
    assert all(np.array_equal(one.images(i)[1], two.images(i)[1]) for i in range(4))
    assert one.ground_truth(0)[0].geometry != ShapesDomain("a", "train", 32, 4, seed=1).ground_truth(0).geometry
    assert ShapesPairs("test", 32, 4, seed=1).ground_truth(0)[0].geometry != one.ground_truth(0)[0].geometry


def test_pair_sides_are_aligned_image_datasets():
    pairs = ShapesPairs("train", 32, 3)
    side_a, side_b = pairs.domain("a"), pairs.domain("b")
    assert len(side_a) == len(side_b) == 3
    for i in range(3):
        x_a, x_b = pairs[i]
        assert torch.equal(side_a[i], x_a) and torch.equal(side_b[i], x_b)
        assert side_a.ground_truth(i).geometry == side_b.ground_truth(i).geometry
    with pytest.raises(ValueError, match="unknown domain"):
        pairs.domain("c")
    with pytest.raises(IndexError, match="out of range"):
        pairs[3]
    with pytest.raises(ValueError, match="unknown split"):
        ShapesPairs("val")


def test_pix2pix_files_split_back_into_the_pairs(tmp_path):
    root = write_pix2pix_pairs(tmp_path / "pairs", size=32, n_train=4, n_test=2, seed=2, progress=False)
    files = sorted(p.name for p in (root / "train").iterdir())
    assert files == [f"{i:06d}.png" for i in range(4)] and len(list((root / "val").iterdir())) == 2
    with Image.open(root / "train" / "000001.png") as img:
        assert img.size == (64, 32)  # sketch | painting
    truth = json.loads((root / "ground_truth.json").read_text())
    assert set(truth["splits"]) == {"train", "val"}
    with pytest.raises(ValueError, match="not a shapes ground-truth file"):
        load_ground_truth(root)  # a pairs file is not mistaken for the unpaired layout
    # the existing splitter reads the pix2pix layout back: A = left half, B = right half
    out_a, out_b = split_side_by_side(root / "train", tmp_path / "unpaired", "train", keep_all=True, progress=False)
    pairs = ShapesPairs("train", 32, 4, seed=2)
    for i in range(4):
        a = np.asarray(Image.open(out_a / f"{i:06d}.png").convert("RGB"))
        b = np.asarray(Image.open(out_b / f"{i:06d}.png").convert("RGB"))
        assert np.array_equal(a, pairs.images(i)[0]) and np.array_equal(b, pairs.images(i)[1])
    test_pairs = ShapesPairs("test", 32, 2, seed=2)
    assert truth["splits"]["val"]["000001.png"] == test_pairs.ground_truth(1)[1].to_dict()
    with pytest.raises(FileExistsError, match="already exists"):
        write_pix2pix_pairs(root, size=32, n_train=1, n_test=1, progress=False)
