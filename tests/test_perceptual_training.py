"""Training with the perceptual loss on, built from the config (vgg_w, vgg_layer, vgg_model_path),
with a VGG16 of random weights saved to a temporary file: nothing is downloaded."""
from __future__ import annotations

import math

import pytest
import torch

from munit_lib import MUNITConfig
from munit_lib.cli import main
from munit_lib.losses import VGG16_URL, vgg16_features
from munit_lib.training import read_loss_log


@pytest.fixture(scope="module")
def random_vgg16_file(tmp_path_factory):
    """torchvision's vgg16 layout (features.* keys) with random weights, in a folder of its own."""
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("vgg")
    state = {f"features.{k}": v for k, v in vgg16_features("relu5_3").state_dict().items()}
    torch.save(state, folder / "vgg16-397923af.pth")
    return folder / "vgg16-397923af.pth"


def _config(tmp_path, **changes):
    cfg = MUNITConfig.profile_named("ci", data_root="shapes:4", log_every=1, sample_every=100,
                                    checkpoint_every=100, display_size=2, vgg_w=1.0, **changes)
    path = tmp_path / "vgg.yaml"
    cfg.to_yaml(path)
    return path


@pytest.mark.parametrize("layer", ["relu5_3", "relu4_3"])
def test_a_config_with_vgg_w_trains_from_the_command_line(tmp_path, random_vgg16_file, layer):
    """vgg_w > 0 with vgg_model_path (the folder, as the original names it) trains and logs the terms."""
    config = _config(tmp_path, vgg_model_path=str(random_vgg16_file.parent), vgg_layer=layer)
    out = tmp_path / "run"
    assert main(["train", "--config", str(config), "--out", str(out), "--max-iter", "2", "--quiet"]) == 0
    log = read_loss_log(out / "losses.csv")
    assert log["iteration"] == [1.0, 2.0]
    assert all(math.isfinite(v) and v > 0 for v in log["gen_vgg_a"] + log["gen_vgg_b"])


def test_the_trainer_uses_the_configs_vgg_layer(tmp_path, random_vgg16_file):
    """The perceptual loss the trainer builds reads vgg_layer (relu4_3 stops before conv5_1)."""
    from munit_lib.training import Trainer

    cfg = MUNITConfig.profile_named("ci", data_root="shapes:4", vgg_w=1.0, vgg_layer="relu4_3",
                                    vgg_model_path=str(random_vgg16_file))
    trainer = Trainer(cfg, tmp_path / "run", progress=False, tensorboard=False)
    assert trainer.perceptual.layer == "relu4_3" and trainer.perceptual.weights_loaded
    assert len(trainer.perceptual.features) == 23


def test_missing_vgg_weights_is_one_line_saying_what_to_download(tmp_path, capsys):
    """No vgg_model_path, or one that does not exist: a one-line error with the URL and the key."""
    for changes in ({}, {"vgg_model_path": str(tmp_path / "absent")}):
        config = _config(tmp_path, **changes)
        assert main(["train", "--config", str(config), "--out", str(tmp_path / "run"), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert VGG16_URL in err and "vgg_model_path" in err and err.count("\n") == 1, err
