"""Where a painting's texture is pinned: to the canvas (the default) or to the shape.

The option exists because a convolutional decoder can draw a pattern that moves with the shape
from a style code, but not one fixed to the image's corner (data.shapes.render_painting).
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

import torch

from munit_lib.config import MUNITConfig
from munit_lib.data import (TEXTURE_ANCHORS, DataSpec, ShapeGeometry, ShapesDomain, ShapesPairs, ShapeStyle,
                            load_ground_truth, make_shapes_dataset, render_painting)
from munit_lib.evaluation.shapes import classify_colour, classify_texture, painting_mask
from munit_lib.evaluation.shapes_score import model_texture_anchor
from munit_lib.official import load_official_generators, read_checkpoint
from munit_lib.registry import load_generators
from munit_lib.training import Trainer, build_datasets
from munit_lib.training.checkpoint import export_checkpoint

SIZE = 64


def painting(cx, cy, texture="stripes", anchor="canvas", kind="square"):
    geom = ShapeGeometry(kind, cx, cy, 0.22, 0.0)
    return render_painting(geom, ShapeStyle("blue", texture, "white"), SIZE, anchor)[0]


def test_the_two_anchors():
    assert TEXTURE_ANCHORS == ("canvas", "shape")
    with pytest.raises(ValueError, match="unknown texture_anchor 'corner'.*'canvas'.*'shape'"):
        render_painting(ShapeGeometry("circle", 0.5, 0.5, 0.2, 0), ShapeStyle("red", "dots", "white"), SIZE, "corner")
    with pytest.raises(ValueError, match="texture_anchor"):
        ShapesDomain("b", "test", SIZE, 4, texture_anchor="object")
    with pytest.raises(ValueError, match="texture_anchor"):
        MUNITConfig(texture_anchor="object")


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
    canvas_a, shape_a = (ShapesDomain("a", "test", SIZE, 6, texture_anchor=a) for a in TEXTURE_ANCHORS)
    canvas_b, shape_b = (ShapesDomain("b", "test", SIZE, 6, texture_anchor=a) for a in TEXTURE_ANCHORS)
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
    class Gen:  # what the loaders and the trainer attach: the data's description, as recorded
        data_record = {"root": "shapes:4000", "texture_anchor": "shape"}

    class ConfigOnly:  # the model's config is not where the anchor is read from
        cfg = MUNITConfig(texture_anchor="shape")

    assert model_texture_anchor(Gen()) == "shape"
    assert model_texture_anchor(ConfigOnly()) == "canvas"
    assert model_texture_anchor(object()) == "canvas"


def test_the_data_description_reads_old_and_new_records():
    assert DataSpec.from_config(MUNITConfig(data_root=" shapes:4 ", texture_anchor="shape")) == DataSpec("shapes:4",
                                                                                                         "shape")
    assert DataSpec.from_config(MUNITConfig(data_root="shapes")).texture_anchor == "canvas"
    spec = DataSpec("shapes:4000", "shape")
    assert DataSpec.from_dict(spec.to_dict()) == spec
    # a file with the record, one written before it (its config's keys), and the original's (neither)
    assert DataSpec.from_checkpoint({"data": spec.to_dict(), "config": {"data_root": "x"}}) == spec
    assert DataSpec.from_checkpoint({"config": {"data_root": "shapes:4000", "texture_anchor": "shape"}}) == spec
    assert DataSpec.from_checkpoint({"config": {"data_root": "shapes:4000"}}) == DataSpec("shapes:4000")
    assert DataSpec.from_checkpoint({"a": {}, "b": {}}) == DataSpec()
    with pytest.raises(ValueError, match="unknown texture_anchor"):
        DataSpec("shapes", "corner")


def test_an_old_style_config_with_the_key_still_loads(tmp_path):
    (tmp_path / "old.yaml").write_text("data_root: shapes:4\nimage_size: 64\nnew_size: 64\ntexture_anchor: shape\n")
    cfg = MUNITConfig.from_yaml(tmp_path / "old.yaml")
    assert DataSpec.from_config(cfg) == DataSpec("shapes:4", "shape")
    assert build_datasets(cfg)[1].texture_anchor == "shape"


def test_the_anchor_travels_from_the_config_to_the_data_and_into_every_checkpoint(tmp_path):
    cfg = MUNITConfig.profile_named("ci", data_root="shapes:4", texture_anchor="shape", max_iter=1,
                                    checkpoint_every=1, sample_every=1000, ema_decay=0.9)
    trainer = Trainer(cfg, tmp_path / "run", progress=False, tensorboard=False)
    assert trainer.data_spec == DataSpec("shapes:4", "shape")
    assert trainer.datasets[1].texture_anchor == "shape"
    assert model_texture_anchor(trainer.model.gen_b) == "shape"  # the in-memory generators carry it too
    trainer.fit(1)
    record = {"root": "shapes:4", "texture_anchor": "shape"}
    assert read_checkpoint(trainer.checkpoint_path)["data"] == record
    export = trainer.export_generators(tmp_path / "gens.pt")
    assert read_checkpoint(export)["data"] == record
    exported = export_checkpoint(trainer.checkpoint_path, tmp_path / "exported.pt")["path"]
    assert read_checkpoint(exported)["data"] == record
    for path in (trainer.checkpoint_path, export, exported):  # every loader gives it back, EMA or not
        for use_ema in (True, False):
            assert [model_texture_anchor(g) for g in load_generators(path, use_ema=use_ema)] == ["shape", "shape"]
    assert model_texture_anchor(load_official_generators(export)[1]) == "shape"


def test_a_file_without_the_record_falls_back_to_its_configs_key(tmp_path):
    cfg = MUNITConfig.profile_named("ci", data_root="shapes:4", texture_anchor="shape")
    trainer = Trainer(cfg, tmp_path / "run", progress=False, tensorboard=False)
    path = trainer.export_generators(tmp_path / "gens.pt")
    old = read_checkpoint(path)
    del old["data"]  # as every shipped export was written
    torch.save(old, tmp_path / "old.pt")
    assert model_texture_anchor(load_generators(tmp_path / "old.pt")[1]) == "shape"
    assert model_texture_anchor(load_official_generators(tmp_path / "old.pt")[1]) == "shape"


def test_resume_from_a_checkpoint_without_the_record_still_says_when_the_anchor_changes(tmp_path):
    cfg = MUNITConfig.profile_named("ci", data_root="shapes:4", max_iter=1, checkpoint_every=1, sample_every=1000)
    run = Trainer(cfg, tmp_path / "run", progress=False, tensorboard=False)
    run.fit(1)
    state = read_checkpoint(run.checkpoint_path)
    del state["data"]  # as a checkpoint written before the record: its config's key is read instead
    torch.save(state, run.checkpoint_path)
    with pytest.warns(UserWarning, match="pinned to the canvas; this config pins them to the shape"):
        Trainer(cfg.replace(texture_anchor="shape"), tmp_path / "run", progress=False, tensorboard=False).resume()
