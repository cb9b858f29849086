"""Shipped weights (munit_lib.pretrained): loading from a data directory, with no network.

The real weights are produced by a training run; here a tiny ci-profile export stands in."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from munit_lib import Generator, MUNITConfig, init_weights
from munit_lib.pretrained import (DEFAULT_DATA_DIR, PRETRAINED, UnknownPretrainedError, data_dir, list_pretrained,
                                  pretrained, pretrained_path)
from munit_lib.translate import Translator
from munit_test_helpers import random_images


@pytest.fixture(scope="module")
def generators():
    cfg = MUNITConfig.profile_named("ci")
    torch.manual_seed(1)
    return cfg, init_weights(Generator(cfg, 3)), init_weights(Generator(cfg, 3))


@pytest.fixture
def root(tmp_path, generators) -> Path:
    """A data directory holding a tiny export at the registry's path for "shapes"."""
    cfg, gen_a, gen_b = generators
    path = tmp_path / PRETRAINED["shapes"]["file"]
    path.parent.mkdir(parents=True)
    torch.save({"a": gen_a.state_dict(), "b": gen_b.state_dict(), "config": cfg.to_dict(),
                "format": "munit_lib.generators/1", "iteration": 0}, path)
    return tmp_path


def test_loads_from_a_root(root, generators):
    cfg, gen_a, gen_b = generators
    translator = pretrained("shapes", root=root)
    assert isinstance(translator, Translator)
    assert translator.style_dim == cfg.style_dim and translator.image_size == cfg.image_size
    x = random_images((1, 3, 32, 32), 0)
    expected = Translator(gen_a, gen_b).translate_random(x, "a2b", 2, seed=0)
    assert torch.equal(translator.translate_random(x, "a2b", 2, seed=0), expected)


def test_data_directory_precedence(root, monkeypatch, tmp_path):
    monkeypatch.delenv("MUNIT_DATA_DIR", raising=False)
    assert data_dir() == DEFAULT_DATA_DIR == Path(__file__).resolve().parents[1] / "data"
    monkeypatch.setenv("MUNIT_DATA_DIR", str(root))
    assert data_dir() == root
    assert pretrained_path("shapes") == root / "pretrained" / "shapes" / "generators.pt"
    assert pretrained().style_dim == 8  # found through the environment variable
    assert data_dir(tmp_path / "other") == tmp_path / "other"  # the argument wins


def test_unknown_name_lists_the_known_ones(root):
    for error in (KeyError, ValueError):
        with pytest.raises(error) as info:
            pretrained("edges2cats", root=root)
        assert "'shapes'" in str(info.value) and "edges2cats" in str(info.value)
    assert issubclass(UnknownPretrainedError, KeyError)


def test_missing_file_says_which_and_how_to_recreate(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        pretrained("shapes", root=tmp_path)
    message = str(info.value)
    assert str(tmp_path / "pretrained" / "shapes" / "generators.pt") in message
    assert "python scripts/zoo.py train shapes --publish" in message


def test_list_pretrained(root, tmp_path):
    listed = list_pretrained(root)
    assert [m["name"] for m in listed] == sorted(PRETRAINED)
    shapes = next(m for m in listed if m["name"] == "shapes")
    assert shapes["available"] and shapes["file"] == "pretrained/shapes/generators.pt" and shapes["about"]
    assert not any(m["available"] for m in list_pretrained(tmp_path / "nowhere"))


def test_everything_shipped_stays_within_the_size_limit():
    from munit_lib.zoo import PRETRAINED_LIMIT_MB, folder_size_mb

    assert folder_size_mb(DEFAULT_DATA_DIR / "pretrained") <= PRETRAINED_LIMIT_MB


def test_all_of_data_stays_under_80_mb():
    from munit_lib.zoo import DATA_LIMIT_MB, folder_size_mb

    assert DATA_LIMIT_MB == 80.0
    assert folder_size_mb(DEFAULT_DATA_DIR) <= DATA_LIMIT_MB


def test_every_shipped_model_file_loads_by_its_name():
    for entry in list_pretrained():
        if entry["available"]:
            translator = pretrained(entry["name"])
            assert translator.image_size == 64, entry["name"]


def test_shipped_scores_table_lists_shapes_models_with_scores_and_marks_missing_values(tmp_path):
    import json

    from munit_lib.zoo import shipped_scores_table

    for name, scores in (("unit", {"iteration": 7, "content_iou_a2b": 0.5, "content_iou_b2a": float("nan")}),
                         ("openmoji", {"training": {"iterations": 9}, "tones_reached": 4.0})):
        folder = tmp_path / "pretrained" / name
        folder.mkdir(parents=True)
        (folder / "generators.pt").write_bytes(b"")  # only its presence is read
        (folder / "scores.json").write_text(json.dumps(scores))
    lines = shipped_scores_table(tmp_path).splitlines()
    assert len(lines) == 3 and lines[2].startswith("| unit | 7 | n/a | 0.500 | n/a |")  # no shapes scores, no row


def test_the_shipped_shapes_model_is_the_fast_recipes():
    """data/pretrained/shapes/ is a run of configs/shapes_fast.yaml: the same networks, losses and data
    (textures pinned to the shape), and its scores were measured on that data."""
    import json

    from munit_lib.official import load_official_generators

    folder = data_dir() / "pretrained" / "shapes"
    recipe = MUNITConfig.from_yaml(data_dir().parent / "configs" / "shapes_fast.yaml")
    shipped = MUNITConfig.from_yaml(folder / "config.yaml")
    for key in ("image_size", "style_dim", "gen_dim", "mlp_dim", "n_res", "dis_dim", "dis_num_scales", "lr",
                "recon_x_w", "recon_x_cyc_w", "ema_decay", "data_root", "texture_anchor"):
        assert getattr(shipped, key) == getattr(recipe, key), key
    assert shipped.texture_anchor == "shape"
    _, gen_b = load_official_generators(folder / "generators.pt")
    # the export (written before the "data" record) carries it in its config: read as its data's description
    assert gen_b.data_record == {"root": "shapes:4000", "texture_anchor": "shape"}
    from munit_lib.evaluation.shapes_score import model_texture_anchor
    assert model_texture_anchor(gen_b) == "shape"  # so scoring draws the model's own data
    scores = json.loads((folder / "scores.json").read_text())
    assert scores["iteration"] == torch.load(folder / "generators.pt", map_location="cpu", weights_only=True)["iteration"]
