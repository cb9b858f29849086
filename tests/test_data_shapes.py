"""The synthetic shapes domains: factors, rendering, determinism, the on-disk layout."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from munit_lib.data import shapes as S
from munit_lib.data import (BACKGROUNDS, KINDS, PALETTE, TEXTURES, ShapeGeometry, ShapesDomain, ShapeStyle,
                            load_ground_truth, make_shapes_dataset, render_painting, render_sketch, sample_geometry,
                            sample_style)


def centred(kind="circle", scale=0.25, rotation=0.0):
    return ShapeGeometry(kind, 0.5, 0.5, scale, rotation)


# ----------------------------------------------------------------------------- factors
def test_factor_tables():
    assert len(KINDS) >= 6 and {"circle", "square", "triangle", "star", "hexagon", "cross"} <= set(KINDS)
    assert list(PALETTE) == ["red", "orange", "yellow", "green", "cyan", "blue", "purple", "pink"]
    assert TEXTURES == ("solid", "stripes", "dots", "checks")
    colours = np.array(list(PALETTE.values()), dtype=float)
    gaps = np.linalg.norm(colours[:, None] - colours[None], axis=-1) + np.eye(len(colours)) * 1e9
    assert gaps.min() > 60  # distinct colours
    for bg in BACKGROUNDS.values():
        assert min(bg) >= 215  # light backgrounds
        assert np.linalg.norm(colours - np.array(bg), axis=1).min() > 110  # far from every fill


def test_unknown_names_list_the_known_ones():
    with pytest.raises(ValueError, match="known kinds: circle, square"):
        ShapeGeometry("blob", 0.5, 0.5, 0.2, 0)
    with pytest.raises(ValueError, match="known colours: red, orange"):
        ShapeStyle("magenta", "solid", "white")
    with pytest.raises(ValueError, match="known textures: solid, stripes, dots, checks"):
        ShapeStyle("red", "plaid", "white")
    with pytest.raises(ValueError, match="known backgrounds: white"):
        ShapeStyle("red", "solid", "black")
    with pytest.raises(ValueError, match="known domains"):
        ShapesDomain("c")


@pytest.mark.parametrize("size", [31, 257, 0])
def test_size_out_of_range(size):
    with pytest.raises(ValueError, match="32 to 256"):
        render_sketch(centred(), size)
    with pytest.raises(ValueError, match="32 to 256"):
        ShapesDomain("b", size=size)


def test_size_must_be_an_integer():
    with pytest.raises(TypeError):
        render_painting(centred(), ShapeStyle("red", "solid", "white"), 64.0)


def test_sampling_is_deterministic_covers_every_factor_and_fits():
    rng = np.random.default_rng(0)
    geoms = [sample_geometry(rng) for _ in range(300)]
    styles = [sample_style(rng) for _ in range(300)]
    assert {g.kind for g in geoms} == set(KINDS)
    assert {s.colour for s in styles} == set(PALETTE)
    assert {s.texture for s in styles} == set(TEXTURES)
    assert {s.background for s in styles} == set(BACKGROUNDS)
    for g in geoms:
        poly = g.polygon()
        assert poly.min() >= S.MARGIN - 1e-9 and poly.max() <= 1 - S.MARGIN + 1e-9  # whole shape inside
        assert S.SCALE_RANGE[0] <= g.scale <= S.SCALE_RANGE[1] and 0 <= g.rotation < 360
    assert sample_geometry(5) == sample_geometry(5) and sample_style(5) == sample_style(5)
    assert sample_geometry(5, kind="star").kind == "star"


def test_every_kind_has_the_area_its_scale_says():
    for kind in KINDS:
        mask = centred(kind, 0.25, 17.0).mask(256)
        area = mask.mean()  # fraction of the image
        assert area == pytest.approx(np.pi * 0.25 ** 2, rel=0.03), kind


# ----------------------------------------------------------------------------- rendering
@pytest.mark.parametrize("size", [32, 64, 256])
def test_render_shapes_and_types(size):
    img, mask = render_sketch(centred("star"), size)
    assert img.shape == (size, size, 3) and img.dtype == np.uint8
    assert mask.shape == (size, size) and mask.dtype == bool
    img, mask = render_painting(centred("hexagon"), ShapeStyle("blue", "dots", "cream"), size)
    assert img.shape == (size, size, 3) and img.dtype == np.uint8 and mask.shape == (size, size)


@pytest.mark.parametrize("size", [32, 64, 128])
def test_sketch_outline_is_visible_and_thick_enough(size):
    img, mask = render_sketch(centred("circle", 0.25), size)
    lum = img.astype(float).mean(-1)
    assert (lum[~mask] >= 140).all()  # at most half inked outside: the line lies inside the shape
    assert (img[0] == 255).all()
    cy = size // 2
    row = lum[cy]  # a row through the centre crosses the outline twice
    ink = (255 - row) / (255 - S.SKETCH_INK[0])  # ink coverage per pixel
    left, right = ink[: size // 2], ink[size // 2:]
    for side in (left, right):
        assert side.max() > 0.9  # at least one pixel fully inked
        assert side.sum() >= 1.4  # about 1.5 px of ink or more
    assert lum[cy, size // 2] == 255  # the inside stays paper
    assert S.outline_width(32) >= 1.5 and S.outline_width(256) > S.outline_width(64)


def test_sketch_and_painting_of_one_geometry_share_the_mask():
    geom = ShapeGeometry("triangle", 0.47, 0.53, 0.24, 33.0)
    _, m_a = render_sketch(geom, 64)
    _, m_b = render_painting(geom, ShapeStyle("green", "checks", "pale_blue"), 64)
    assert np.array_equal(m_a, m_b) and np.array_equal(m_a, geom.mask(64))
    assert 0.1 < m_a.mean() < 0.3


def test_painting_colours():
    geom = centred("square", 0.28, 10.0)
    img, mask = render_painting(geom, ShapeStyle("purple", "solid", "pale_blue"), 64)
    interior = mask & np.roll(mask, 1, 0) & np.roll(mask, -1, 0) & np.roll(mask, 1, 1) & np.roll(mask, -1, 1)
    assert interior.sum() > 400
    assert (img[interior] == PALETTE["purple"]).all()  # solid: exactly the fill colour
    assert (img[0] == BACKGROUNDS["pale_blue"]).all() and (img[~mask & ~np.roll(mask, 1, 0)] != 0).all()
    for texture in ("stripes", "dots", "checks"):
        img, _ = render_painting(geom, ShapeStyle("orange", texture, "white"), 64)
        colours = {tuple(c) for c in img[interior]}
        assert tuple(PALETTE["orange"]) in colours and S.shade("orange") in colours, texture


def test_textures_repeat_with_their_period():
    size, p = 64, S.texture_period(64)
    geom = centred("square", 0.3, 0.0)
    img, mask = render_painting(geom, ShapeStyle("red", "stripes", "white"), size)
    col = img[:, size // 2, 1].astype(int)  # a column through the middle
    inside = np.nonzero(mask[:, size // 2])[0][2:-2]
    assert np.array_equal(col[inside[:-p]], col[inside[:-p] + p])  # period p along y
    img, _ = render_painting(geom, ShapeStyle("red", "checks", "white"), size)
    row = img[size // 2, :, 1].astype(int)
    inside = np.nonzero(mask[size // 2])[0][2:-2]
    assert np.array_equal(row[inside[:-p]], row[inside[:-p] + p])  # period p along x too
    assert p % 2 == 0 and S.texture_period(32) == 6


# ----------------------------------------------------------------------------- in memory
def test_shapes_domain_items_and_ground_truth():
    dom = ShapesDomain("b", "train", size=48, n=5, seed=3)
    x = dom[2]
    assert x.shape == (3, 48, 48) and x.dtype == torch.float32
    assert -1 <= x.min() and x.max() <= 1
    gt = dom.ground_truth(2)
    assert gt.domain == "b" and gt.kind in KINDS and gt.colour in PALETTE and gt.texture in TEXTURES
    assert gt.background in BACKGROUNDS and gt.size == 48 and gt.file == "000002.png"
    cx, cy = gt.center
    assert 0 < cx < 1 and 0 < cy < 1 and gt.scale > 0 and 0 <= gt.rotation < 360
    assert gt.mask().shape == (48, 48) and gt.mask(96).shape == (96, 96)
    expected, _ = render_painting(gt.geometry, gt.style, 48)
    assert torch.equal(x, torch.from_numpy(expected).permute(2, 0, 1).float() / 127.5 - 1)
    assert len(dom) == 5 and torch.equal(dom[-1], dom[4])
    with pytest.raises(IndexError):
        dom[5]
    sketches = ShapesDomain("a", size=48, n=3)
    assert sketches.ground_truth(0).style is None and sketches.ground_truth(0).colour is None
    assert "sketches" in repr(sketches)


def test_shapes_domain_is_deterministic_and_prefix_stable():
    a1 = ShapesDomain("a", n=4, size=32, seed=1)
    a2 = ShapesDomain("a", n=9, size=32, seed=1, cache=False)
    assert all(torch.equal(a1[i], a2[i]) for i in range(4))
    other = ShapesDomain("a", n=4, size=32, seed=2)
    assert not all(torch.equal(a1[i], other[i]) for i in range(4))
    b = ShapesDomain("b", n=4, size=32, seed=1)
    test = ShapesDomain("a", "test", n=4, size=32, seed=1)
    # domains and splits are independent streams: same index, different geometry
    assert a1.ground_truth(0).geometry != b.ground_truth(0).geometry
    assert a1.ground_truth(0).geometry != test.ground_truth(0).geometry
    # one geometry, any resolution
    assert ShapesDomain("a", n=1, size=64, seed=1).ground_truth(0).geometry == a1.ground_truth(0).geometry


# ----------------------------------------------------------------------------- on disk
def digest(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_make_shapes_dataset_layout_and_ground_truth(tmp_path, capsys):
    root = make_shapes_dataset(tmp_path / "shapes", size=32, n_train=5, n_test=3, seed=7, progress=True)
    assert "shapes 32px" in capsys.readouterr().err  # the tqdm bar
    for folder, n in (("trainA", 5), ("trainB", 5), ("testA", 3), ("testB", 3)):
        names = sorted(p.name for p in (root / folder).iterdir())
        assert names == [f"{i:06d}.png" for i in range(n)]
    gt = load_ground_truth(root)
    assert set(gt) == {"trainA", "trainB", "testA", "testB"}
    dom = ShapesDomain("b", "test", size=32, n=3, seed=7)
    for i, (name, rec) in enumerate(gt["testB"].items()):
        on_disk = np.asarray(Image.open(root / "testB" / name))
        assert np.array_equal(on_disk, dom.image(i))  # the same pixels as in memory
        assert rec == dom.ground_truth(i)
        assert np.array_equal(rec.mask(32), dom.ground_truth(i).mask())
    rec = gt["trainA"]["000001.png"]
    assert rec.style is None and rec.mask(64).shape == (64, 64)
    meta = json.loads((root / "ground_truth.json").read_text())
    assert meta["size"] == 32 and meta["seed"] == 7 and set(meta["palette"]) == set(PALETTE)
    assert [p.name for p in tmp_path.iterdir()] == ["shapes"]  # no temporary folder left


def test_make_shapes_dataset_is_byte_identical_and_reused(tmp_path):
    one = make_shapes_dataset(tmp_path / "one", size=32, n_train=4, n_test=2, seed=3, progress=False)
    two = make_shapes_dataset(tmp_path / "two", size=32, n_train=4, n_test=2, seed=3, progress=False)
    assert digest(one) == digest(two)
    stamp = (one / "trainA" / "000000.png").stat().st_mtime_ns
    assert make_shapes_dataset(one, size=32, n_train=4, n_test=2, seed=3, progress=False) == one  # reused
    assert (one / "trainA" / "000000.png").stat().st_mtime_ns == stamp
    with pytest.raises(FileExistsError, match="overwrite=True"):
        make_shapes_dataset(one, size=32, n_train=4, n_test=2, seed=4, progress=False)
    make_shapes_dataset(one, size=32, n_train=3, n_test=2, seed=4, progress=False, overwrite=True)
    assert len(list((one / "trainB").iterdir())) == 3
    assert digest(one) != digest(two)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one", "two"]


def test_make_shapes_dataset_leaves_nothing_when_interrupted(tmp_path, monkeypatch):
    calls = []

    def failing_render(self, size=None):
        calls.append(1)
        if len(calls) > 3:
            raise KeyboardInterrupt
        return S.render_sketch(self.geometry, self.size)[0]

    monkeypatch.setattr(S.ShapeRecord, "render", failing_render)
    with pytest.raises(KeyboardInterrupt):
        make_shapes_dataset(tmp_path / "shapes", size=32, n_train=4, n_test=2, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_load_ground_truth_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="make_shapes_dataset"):
        load_ground_truth(tmp_path)
    (tmp_path / "ground_truth.json").write_text('{"format": "other"}')
    with pytest.raises(ValueError, match="not a shapes ground-truth file"):
        load_ground_truth(tmp_path)


def test_shapes_batch_equals_stacked_items():
    d = ShapesDomain("b", "test", 32, 6, 1)
    assert torch.equal(d.batch([4, 0, 4]), torch.stack([d[4], d[0], d[4]]))
