"""Where a painting's texture is pinned: to the canvas (the default), to the shape, or to the
canvas of graph paper drawn in both domains ("grid").

The option exists because a convolutional decoder cannot place a pattern fixed to the image's
corner from a style code, and can place one pinned to the shape only by measuring the whole
outline; on graph paper the lines say locally where the pattern falls (data.shapes.render_painting).
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from munit_lib.config import MUNITConfig
from munit_lib.data import (BACKGROUNDS, TEXTURE_ANCHORS, ShapeGeometry, ShapesDomain, ShapesPairs,
                            ShapeStyle, load_ground_truth, make_shapes_dataset, render_painting, render_sketch)
from munit_lib.data.shapes import GRID_SHADE, SKETCH_PAPER, grid_line_width, texture_period
from munit_lib.shapes_metrics import (classify_colour, classify_texture, mask_iou, model_texture_anchor, painting_mask,
                                      sketch_mask)
from munit_lib.training import build_datasets

SIZE = 64


def painting(cx, cy, texture="stripes", anchor="canvas", kind="square"):
    geom = ShapeGeometry(kind, cx, cy, 0.22, 0.0)
    return render_painting(geom, ShapeStyle("blue", texture, "white"), SIZE, anchor)[0]


def test_the_three_anchors():
    assert TEXTURE_ANCHORS == ("canvas", "shape", "grid")
    with pytest.raises(ValueError, match="unknown texture_anchor 'corner'.*'canvas'.*'shape'.*'grid'"):
        render_painting(ShapeGeometry("circle", 0.5, 0.5, 0.2, 0), ShapeStyle("red", "dots", "white"), SIZE, "corner")
    with pytest.raises(ValueError, match="texture_anchor"):
        ShapesDomain("b", "test", SIZE, 4, texture_anchor="object")
    with pytest.raises(ValueError, match="texture_anchor"):
        MUNITConfig(texture_anchor="object")
    with pytest.raises(ValueError, match="unknown texture_anchor 'lines'"):
        render_sketch(ShapeGeometry("circle", 0.5, 0.5, 0.2, 0), SIZE, "lines")
    assert MUNITConfig(texture_anchor="grid").texture_anchor == "grid"


@pytest.mark.parametrize("texture", ["stripes", "dots", "checks"])
def test_a_shape_pinned_pattern_moves_with_the_shape(texture):
    # move the shape by 5 px right and 7 px down: not a multiple of the 12 px period
    dx, dy = 5, 7
    base = painting(0.4, 0.4, texture, "shape")
    moved = painting(0.4 + dx / SIZE, 0.4 + dy / SIZE, texture, "shape")
    # the whole picture moves (white background everywhere the shift uncovers)
    assert np.array_equal(moved[dy:, dx:], base[:-dy, :-dx])
    # pinned to the canvas, the shape moves but its pattern stays where it was
    base_c = painting(0.4, 0.4, texture, "canvas")
    moved_c = painting(0.4 + dx / SIZE, 0.4 + dy / SIZE, texture, "canvas")
    assert not np.array_equal(moved_c[dy:, dx:], base_c[:-dy, :-dx])


def test_solid_paintings_do_not_depend_on_the_anchor():
    assert np.array_equal(painting(0.43, 0.57, "solid", "shape"), painting(0.43, 0.57, "solid", "canvas"))


def test_the_readers_read_shape_pinned_paintings():
    # every texture, at several places: the readers do not assume where the pattern starts
    for cx, cy in [(0.35, 0.4), (0.52, 0.61), (0.6, 0.37)]:
        for texture in ("solid", "stripes", "dots", "checks"):
            img = painting(cx, cy, texture, "shape", kind="hexagon")
            assert classify_texture(img) == texture, (cx, cy, texture)  # uint8 (H, W, 3) images
            assert classify_colour(img) == "blue"
            assert painting_mask(img).sum() > 0


def test_shapes_domain_keeps_its_factors_and_sketches():
    canvas_a, shape_a = (ShapesDomain("a", "test", SIZE, 6, texture_anchor=a) for a in ("canvas", "shape"))
    canvas_b, shape_b = (ShapesDomain("b", "test", SIZE, 6, texture_anchor=a) for a in ("canvas", "shape"))
    textured = 0
    for i in range(6):
        assert np.array_equal(canvas_a.image(i), shape_a.image(i))  # sketches have no texture
        rc, rs = canvas_b.ground_truth(i), shape_b.ground_truth(i)
        assert (rc.geometry, rc.style) == (rs.geometry, rs.style)  # the same factors, drawn differently
        assert rs.texture_anchor == "shape" and rc.texture_anchor == "canvas"
        assert np.array_equal(shape_b.image(i), render_painting(rs.geometry, rs.style, SIZE, "shape")[0])
        if rs.texture != "solid":
            textured += 1
    assert textured  # the comparison above covered patterned paintings
    assert "texture_anchor='shape'" in repr(shape_b) and "texture_anchor" not in repr(canvas_b)


def test_pairs_follow_the_anchor():
    pairs = ShapesPairs("test", SIZE, 4, texture_anchor="shape")
    for i in range(4):
        sketch, paint = pairs.ground_truth(i)
        assert paint.texture_anchor == "shape"
        assert np.array_equal(pairs.images(i)[1], render_painting(paint.geometry, paint.style, SIZE, "shape")[0])
    assert "texture_anchor='shape'" in repr(pairs) and "texture_anchor" not in repr(ShapesPairs("test", SIZE, 4))


def test_dataset_on_disk_records_the_anchor(tmp_path):
    root = make_shapes_dataset(tmp_path / "pinned", size=32, n_train=3, n_test=3, progress=False,
                               texture_anchor="shape")
    meta = json.loads((root / "ground_truth.json").read_text())
    assert meta["texture_anchor"] == "shape"
    records = load_ground_truth(root)
    for name, rec in records["trainB"].items():
        assert rec.texture_anchor == "shape"
        assert np.array_equal(np.asarray(Image.open(root / "trainB" / name).convert("RGB")),
                              rec.render())
    # the default writes no key, so datasets made before the option are still recognised as the same
    plain = make_shapes_dataset(tmp_path / "plain", size=32, n_train=2, n_test=2, progress=False)
    assert "texture_anchor" not in json.loads((plain / "ground_truth.json").read_text())
    # asking for the other anchor in an existing folder is refused rather than mixed
    with pytest.raises(FileExistsError, match="not a shapes dataset made with these arguments"):
        make_shapes_dataset(plain, size=32, n_train=2, n_test=2, progress=False, texture_anchor="shape")


def test_the_config_chooses_the_training_data():
    cfg = MUNITConfig(data_root="shapes:4", image_size=64, new_size=64, texture_anchor="shape")
    a, b = build_datasets(cfg)
    assert b.texture_anchor == "shape" and a.texture_anchor == "shape"
    assert build_datasets(MUNITConfig(data_root="shapes:4", image_size=64, new_size=64))[1].texture_anchor == "canvas"


def test_a_model_is_scored_on_its_own_data():
    class Gen:
        cfg = MUNITConfig(texture_anchor="shape")

    class Old:  # a config from before the option (the baselines' own configs, say)
        cfg = object()

    assert model_texture_anchor(Gen()) == "shape"
    assert model_texture_anchor(Old()) == "canvas"
    assert model_texture_anchor(object()) == "canvas"


# ----------------------------------------------------------------------------- "grid": graph paper
def _lines(size):
    """Where the graph paper's lines run, by hand: from p/2, every p pixels, grid_line_width wide."""
    p, w = texture_period(size), grid_line_width(size)
    on = np.zeros(size, dtype=bool)
    for start in range(p // 2, size, p):
        on[start:start + w] = True
    return on[:, None] | on[None, :]  # (size, size)


@pytest.mark.parametrize("size", [32, 64, 128])
def test_grid_lines_run_where_the_bands_begin_and_off_the_border(size):
    lines = _lines(size)
    assert grid_line_width(size) == max(1, round(size / 64))
    border = np.concatenate([lines[0], lines[-1], lines[:, 0], lines[:, -1]])
    assert border.mean() < 0.25  # no line runs along the border, where the readers take the paper's colour
    geom = ShapeGeometry("circle", 0.5, 0.5, 0.02, 0.0)  # a dot of a shape: the paper almost everywhere
    sketch, mask = render_sketch(geom, size, "grid")
    plain, _ = render_sketch(geom, size, "canvas")
    far = ~np.asarray(Image.fromarray(mask).resize((size, size))) & (plain == 255).all(-1)  # paper, off the ink
    ruled = np.array([round(GRID_SHADE * c) for c in SKETCH_PAPER], dtype=np.uint8)
    assert (sketch[far & lines] == ruled).all() and (sketch[far & ~lines] == 255).all()
    # a striped painting's dark band starts on a line: the first row of a band is a line's row
    p = texture_period(size)
    stripes = render_painting(ShapeGeometry("square", 0.5, 0.5, 0.45, 0.0), ShapeStyle("blue", "stripes", "white"),
                              size, "grid")[0]
    column = stripes[:, size // 2, 0].astype(int)  # red channel down the middle: fill 40, shade 22
    dark_rows = np.flatnonzero(column < 31)
    starts = dark_rows[np.diff(dark_rows, prepend=-2) > 1]  # first row of each band
    assert len(starts) >= 2 and all((r - p // 2) % p == 0 and lines[r, 0] for r in starts)


def test_grid_paintings_are_canvas_paintings_on_graph_paper():
    for i, record in enumerate(ShapesDomain("b", "test", SIZE, 6).ground_truth(i) for i in range(6)):
        canvas = render_painting(record.geometry, record.style, SIZE, "canvas")[0]
        grid, mask = render_painting(record.geometry, record.style, SIZE, "grid")
        same = (canvas == grid).all(-1)
        assert same[mask].mean() > 0.97  # the shape (but anti-aliased edge pixels over a line) is unchanged
        background = np.array(BACKGROUNDS[record.background])
        off_shape = (canvas == background).all(-1)  # pixels of pure background
        ruled = np.array([round(GRID_SHADE * c) for c in background])
        assert (grid[off_shape & _lines(SIZE)] == ruled).all()
        assert same[off_shape & ~_lines(SIZE)].all()


def test_grid_sketches_and_pairs_are_on_graph_paper():
    grid_a = ShapesDomain("a", "test", SIZE, 4, texture_anchor="grid")
    canvas_a = ShapesDomain("a", "test", SIZE, 4)
    for i in range(4):
        assert grid_a.ground_truth(i).texture_anchor == "grid"
        differ = (grid_a.image(i) != canvas_a.image(i)).any(-1)
        assert differ.any() and not (differ & ~_lines(SIZE)).any()  # only the lines differ
    pairs = ShapesPairs("test", SIZE, 3, texture_anchor="grid")
    for i in range(3):
        sketch, paint = pairs.ground_truth(i)
        assert sketch.texture_anchor == paint.texture_anchor == "grid"
        assert np.array_equal(pairs.images(i)[0], render_sketch(sketch.geometry, SIZE, "grid")[0])


def test_the_readers_read_graph_paper():
    """The faint lines are neither ink nor shape to the mask readers, and never inside a painted shape."""
    n = 24
    sketches, paintings = (ShapesDomain(d, "test", SIZE, n, texture_anchor="grid") for d in ("a", "b"))
    truth_a = [sketches.ground_truth(i).mask() for i in range(n)]
    truth_b = [paintings.ground_truth(i) for i in range(n)]
    x_a, x_b = sketches.batch(range(n)), paintings.batch(range(n))
    assert min(mask_iou(sketch_mask(x_a), np.stack(truth_a))) > 0.97
    assert min(mask_iou(painting_mask(x_b), np.stack([r.mask() for r in truth_b]))) > 0.97
    assert classify_colour(x_b) == [r.colour for r in truth_b]
    assert classify_texture(x_b) == [r.texture for r in truth_b]
