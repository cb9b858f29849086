"""MUNITConfig: the paper defaults, YAML in our layout and the original's, profiles, validation."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
import yaml

from munit_lib import MUNIT, PROFILES, MUNITConfig, profile_from_env
from munit_test_helpers import random_images

# The official edges2shoes configuration (GUIDE section 2; the paper's appendix).
PAPER = {
    "style_dim": 8, "gen_dim": 64, "mlp_dim": 256, "n_downsample": 2, "n_res": 4, "activ": "relu",
    "pad_type": "reflect", "dis_dim": 64, "dis_n_layer": 4, "dis_num_scales": 3, "dis_norm": "none",
    "dis_activ": "lrelu", "gan_type": "lsgan", "lr": 1e-4, "beta1": 0.5, "beta2": 0.999, "weight_decay": 1e-4,
    "lr_policy": "step", "step_size": 100_000, "gamma": 0.5, "batch_size": 1, "max_iter": 1_000_000,
    "image_size": 256, "gan_w": 1, "recon_x_w": 10, "recon_s_w": 1, "recon_c_w": 1, "recon_x_cyc_w": 0,
    "vgg_w": 0, "init": "kaiming", "input_dim_a": 3, "input_dim_b": 3, "style_downsample": 4, "mlp_layers": 3,
}


def test_defaults_are_the_paper_configuration():
    """MUNITConfig() holds the official edges2shoes hyper-parameters."""
    cfg = MUNITConfig()
    got = {k: getattr(cfg, k) for k in PAPER}
    assert got == PAPER


# --------------------------------------------------------------------------- YAML, our layout
@pytest.mark.parametrize("cfg", [
    MUNITConfig(),
    MUNITConfig.profile_named("ci", gan_type="hinge", lr=3e-4, recon_x_cyc_w=10.0, data_root="/data/x"),
], ids=["paper", "ci-modified"])
def test_yaml_round_trip(cfg, tmp_path):
    """to_yaml then from_yaml gives back an equal config (and the returned text is the file's)."""
    path = tmp_path / "cfg.yaml"
    text = cfg.to_yaml(path)
    assert path.read_text(encoding="utf-8") == text
    assert MUNITConfig.from_yaml(path) == cfg


def test_from_yaml_of_our_layout_with_a_few_keys(tmp_path):
    """A flat YAML file with some of our keys changes exactly those from the defaults."""
    path = tmp_path / "few.yaml"
    path.write_text("gen_dim: 32\nn_res: 2\nimage_size: 128\nnew_size: 144\nlr: 0.0002\n", encoding="utf-8")
    assert MUNITConfig.from_yaml(path) == MUNITConfig(gen_dim=32, n_res=2, image_size=128, new_size=144, lr=2e-4)


# --------------------------------------------------------------------------- YAML, the original's layout
def test_reads_the_original_projects_yaml(data_dir):
    """The original project's edges2shoes YAML layout reads into the paper configuration."""
    cfg = MUNITConfig.from_yaml(data_dir / "original_edges2shoes.yaml")
    assert {k: getattr(cfg, k) for k in PAPER} == PAPER
    assert cfg == MUNITConfig(sample_every=10000, checkpoint_every=10000, log_every=10, display_size=16,
                              num_workers=8, data_root="./datasets/edges2shoes/")


def test_original_yaml_keys_map_to_ours(data_dir, tmp_path):
    """Every key of the original layout lands in the matching field (checked with non-default values)."""
    original = yaml.safe_load((data_dir / "original_edges2shoes.yaml").read_text(encoding="utf-8"))
    original.update(image_save_iter=7, display_size=5, snapshot_save_iter=9, log_iter=3, max_iter=500,
                    batch_size=4, weight_decay=0.001, beta1=0.4, beta2=0.99, init="gaussian", lr=0.0002,
                    lr_policy="constant", step_size=50, gamma=0.1, gan_w=2, recon_x_w=5, recon_s_w=3,
                    recon_c_w=4, recon_x_cyc_w=10, vgg_w=1, input_dim_a=1, input_dim_b=3, num_workers=2,
                    new_size=160, crop_image_height=128, crop_image_width=128, data_root="/elsewhere")
    original["gen"] = {"dim": 32, "mlp_dim": 128, "style_dim": 4, "activ": "lrelu", "n_downsample": 1,
                       "n_res": 2, "pad_type": "zero"}
    original["dis"] = {"dim": 16, "norm": "in", "activ": "relu", "n_layer": 3, "gan_type": "nsgan",
                       "num_scales": 2, "pad_type": "replicate"}
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(original), encoding="utf-8")
    cfg = MUNITConfig.from_yaml(path)
    expected = dict(sample_every=7, display_size=5, checkpoint_every=9, log_every=3, max_iter=500, batch_size=4,
                    weight_decay=0.001, beta1=0.4, beta2=0.99, init="gaussian", lr=0.0002, lr_policy="constant",
                    step_size=50, gamma=0.1, gan_w=2, recon_x_w=5, recon_s_w=3, recon_c_w=4, recon_x_cyc_w=10,
                    vgg_w=1, input_dim_a=1, input_dim_b=3, num_workers=2, new_size=160, image_size=128,
                    data_root="/elsewhere", gen_dim=32, mlp_dim=128, style_dim=4, activ="lrelu", n_downsample=1,
                    n_res=2, pad_type="zero", dis_dim=16, dis_norm="in", dis_activ="relu", dis_n_layer=3,
                    gan_type="nsgan", dis_num_scales=2, dis_pad_type="replicate")
    assert {k: getattr(cfg, k) for k in expected} == expected


def test_original_yaml_with_non_square_crop_is_refused(data_dir, tmp_path):
    """crop_image_height != crop_image_width raises ValueError (munit_lib crops squares)."""
    text = (data_dir / "original_edges2shoes.yaml").read_text(encoding="utf-8")
    path = tmp_path / "rect.yaml"
    path.write_text(text.replace("crop_image_width: 256", "crop_image_width: 128"), encoding="utf-8")
    with pytest.raises(ValueError, match="crop_image_height and crop_image_width"):
        MUNITConfig.from_yaml(path)


# --------------------------------------------------------------------------- unknown keys
def test_unknown_top_level_key_is_named_with_a_suggestion(data_dir, tmp_path):
    """A misspelt key in the original layout raises ValueError naming it and the close known key."""
    text = (data_dir / "original_edges2shoes.yaml").read_text(encoding="utf-8")
    path = tmp_path / "typo.yaml"
    path.write_text(text.replace("recon_x_w: 10", "recon_x_wt: 10"), encoding="utf-8")
    with pytest.raises(ValueError) as info:
        MUNITConfig.from_yaml(path)
    message = str(info.value)
    assert "'recon_x_wt'" in message and "did you mean 'recon_x_w'" in message
    assert str(path) in message  # the file is named too


def test_unknown_key_in_our_layout_is_named_with_a_suggestion(tmp_path):
    """A misspelt key in our flat layout raises ValueError naming it and suggesting the field."""
    path = tmp_path / "flat.yaml"
    path.write_text("style_dimm: 8\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"'style_dimm' \(did you mean 'style_dim'\?\)"):
        MUNITConfig.from_yaml(path)


@pytest.mark.parametrize("section, bad, suggestion", [("gen", "dimm", "gen.dim"),
                                                      ("dis", "num_scale", "dis.num_scales")])
def test_unknown_key_inside_gen_or_dis_is_named(data_dir, tmp_path, section, bad, suggestion):
    """A misspelt key inside gen: or dis: raises ValueError naming section.key and the close match."""
    original = yaml.safe_load((data_dir / "original_edges2shoes.yaml").read_text(encoding="utf-8"))
    original[section][bad] = 1
    path = tmp_path / "section.yaml"
    path.write_text(yaml.safe_dump(original), encoding="utf-8")
    with pytest.raises(ValueError) as info:
        MUNITConfig.from_yaml(path)
    assert f"'{section}.{bad}'" in str(info.value) and f"did you mean '{suggestion}'" in str(info.value)


def test_replace_with_unknown_field_raises():
    """replace() with an unknown field name raises ValueError naming it."""
    with pytest.raises(ValueError, match="gen_width"):
        MUNITConfig().replace(gen_width=32)


def test_missing_yaml_file_raises(tmp_path):
    """from_yaml of a path that does not exist raises FileNotFoundError."""
    with pytest.raises(FileNotFoundError):
        MUNITConfig.from_yaml(tmp_path / "absent.yaml")


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize("changes, field", [
    ({"gan_type": "wgan"}, "gan_type"),
    ({"image_size": 32, "new_size": 32}, "image_size"),  # paper networks need at least 64
    ({"new_size": 128}, "new_size"),  # smaller than the 256 crop
    ({"pad_type": "circular"}, "pad_type"),
    ({"style_dim": 0}, "style_dim"),
    ({"init": "he"}, "init"),
    ({"mlp_layers": 1}, "mlp_layers"),
])
def test_bad_values_raise_value_error_naming_the_field(changes, field):
    """A value that cannot build a model raises ValueError naming the field."""
    with pytest.raises(ValueError, match=field):
        MUNITConfig(**changes)


def test_non_numeric_learning_rate_is_rejected():
    """A learning rate that is not a number raises ValueError naming lr (not a late TypeError in Adam)."""
    with pytest.raises(ValueError, match="lr"):
        MUNITConfig(lr="fast")


def test_yaml_exponent_without_dot_is_not_kept_as_a_string(tmp_path):
    """'lr: 1e-4' (which PyYAML reads as a string) gives lr == 1e-4 as a float, or a ValueError naming lr."""
    path = tmp_path / "exp.yaml"
    path.write_text("lr: 1e-4\nweight_decay: 1e-4\n", encoding="utf-8")
    try:
        cfg = MUNITConfig.from_yaml(path)
    except ValueError as error:
        assert "lr" in str(error)
    else:
        assert isinstance(cfg.lr, float) and cfg.lr == pytest.approx(1e-4)
        assert isinstance(cfg.weight_decay, float)


# --------------------------------------------------------------------------- profiles
def test_profiles_exist_and_paper_is_the_default():
    """paper, gpu, cpu and ci profiles exist; 'paper' is MUNITConfig() itself."""
    assert {"paper", "gpu", "cpu", "ci"} <= set(PROFILES)
    assert MUNITConfig.profile_named("paper") == MUNITConfig()
    for name in ("gpu", "cpu", "ci"):
        assert MUNITConfig.profile_named(name).profile == name
    with pytest.raises(ValueError, match="laptop"):
        MUNITConfig.profile_named("laptop")


def test_smaller_profiles_are_smaller():
    """The cpu and ci profiles shrink the image size and widths below the paper's."""
    paper, cpu, ci = (MUNITConfig.profile_named(n) for n in ("paper", "cpu", "ci"))
    for small, big in ((cpu, paper), (ci, cpu)):
        assert small.image_size < big.image_size
        assert small.gen_dim < big.gen_dim and small.dis_dim < big.dis_dim


def test_profile_named_accepts_changes():
    """profile_named(name, **changes) applies the changes on top of the profile."""
    cfg = MUNITConfig.profile_named("ci", gan_type="hinge")
    assert cfg.gan_type == "hinge" and cfg.image_size == MUNITConfig.profile_named("ci").image_size


def test_profile_from_env(monkeypatch):
    """MUNIT_PROFILE selects the profile; unset gives the default; an unknown name raises ValueError."""
    monkeypatch.setenv("MUNIT_PROFILE", "ci")
    assert profile_from_env() == "ci"
    monkeypatch.delenv("MUNIT_PROFILE")
    assert profile_from_env("gpu") == "gpu"
    monkeypatch.setenv("MUNIT_PROFILE", "tpu")
    with pytest.raises(ValueError, match="tpu"):
        profile_from_env()


@pytest.mark.parametrize("name", ["paper", "gpu", "cpu", "ci"])
def test_each_profile_builds_a_model_that_runs_at_its_image_size(name):
    """Every profile's MUNIT translates an image of its crop size and scores it at every scale."""
    cfg = MUNITConfig.profile_named(name)
    torch.manual_seed(0)
    model = MUNIT(cfg).eval()
    s = cfg.image_size
    x = random_images((1, cfg.input_dim_a, s, s), 0)
    with torch.no_grad():
        y = model.translate(x, "a2b", generator=torch.Generator().manual_seed(0))
        scores = model.dis_b(y)
    assert y.shape == (1, cfg.input_dim_b, s, s)
    assert torch.isfinite(y).all()
    assert len(scores) == cfg.dis_num_scales
    side = s // 2 ** cfg.dis_n_layer
    assert [tuple(o.shape) for o in scores] == [(1, 1, side // 2 ** i, side // 2 ** i)
                                               for i in range(cfg.dis_num_scales)]
    assert all(math.isfinite(float(o.sum())) for o in scores)


# --------------------------------------------------------------------------- the original's keys, read as it reads them
def _original_without(data_dir, tmp_path, drop: tuple[str, ...] = (), **extra) -> "Path":
    values = yaml.safe_load((data_dir / "original_edges2shoes.yaml").read_text(encoding="utf-8"))
    for key in drop:
        values.pop(key)
    values.update(extra)
    path = tmp_path / "original.yaml"
    path.write_text(yaml.safe_dump(values), encoding="utf-8")
    return path


def test_original_yaml_without_lr_policy_means_a_constant_rate(data_dir, tmp_path):
    """The original uses no scheduler when lr_policy is absent; our flat layout keeps step decay."""
    cfg = MUNITConfig.from_yaml(_original_without(data_dir, tmp_path, drop=("lr_policy",)))
    assert cfg.lr_policy == "constant"
    flat = tmp_path / "flat.yaml"
    flat.write_text("lr: 0.0002\nmax_iter: 10\n", encoding="utf-8")
    assert MUNITConfig.from_yaml(flat).lr_policy == "step"


def test_original_new_size_a_and_b(data_dir, tmp_path):
    """new_size_a == new_size_b (no new_size) becomes new_size; different ones are refused by name."""
    cfg = MUNITConfig.from_yaml(_original_without(data_dir, tmp_path, drop=("new_size",), new_size_a=288,
                                                  new_size_b=288))
    assert cfg.new_size == 288
    with pytest.raises(ValueError, match="new_size_a"):
        MUNITConfig.from_yaml(_original_without(data_dir, tmp_path, drop=("new_size",), new_size_a=288,
                                                new_size_b=300))
    with pytest.warns(UserWarning, match="new_size_b"):  # new_size wins, as in the original, and says so
        cfg = MUNITConfig.from_yaml(_original_without(data_dir, tmp_path, new_size_a=256, new_size_b=300))
    assert cfg.new_size == 256


def test_original_file_list_keys_are_refused_by_name_without_data_root(data_dir, tmp_path):
    """data_folder_train_a / data_list_train_a ... without data_root: an error naming them and the fix."""
    lists = {"data_folder_train_a": "./a", "data_list_train_a": "./a.txt"}
    with pytest.raises(ValueError) as error:
        MUNITConfig.from_yaml(_original_without(data_dir, tmp_path, drop=("data_root",), **lists))
    assert "data_list_train_a" in str(error.value) and "data_root" in str(error.value)
    with pytest.warns(UserWarning, match="data_folder_train_a"):
        cfg = MUNITConfig.from_yaml(_original_without(data_dir, tmp_path, **lists))
    assert cfg.data_root == "./datasets/edges2shoes/"


def test_original_vgg_model_path_is_kept(data_dir, tmp_path):
    """vgg_model_path (where the original keeps VGG16's weights) reaches the config."""
    cfg = MUNITConfig.from_yaml(_original_without(data_dir, tmp_path, vgg_w=1, vgg_model_path="/weights"))
    assert (cfg.vgg_w, cfg.vgg_model_path) == (1.0, "/weights")


@pytest.mark.parametrize("text, name", [("lr: .inf\n", "lr"), ("gan_w: .nan\n", "gan_w"),
                                        ("recon_x_w: -.inf\n", "recon_x_w")])
def test_non_finite_numbers_are_refused_by_name(tmp_path, text, name):
    """.inf / .nan in a YAML file is a ValueError naming the key."""
    path = tmp_path / "inf.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=f"{name}=.*not a finite number"):
        MUNITConfig.from_yaml(path)


def test_image_size_the_decoder_cannot_return_is_refused_at_config_time():
    """image_size not a multiple of 2 ** n_downsample raises ValueError naming image_size."""
    with pytest.raises(ValueError, match="image_size=66 is not a multiple of 4"):
        MUNITConfig.profile_named("ci", image_size=66, new_size=66)
    MUNITConfig.profile_named("ci", image_size=66, new_size=66, n_downsample=1)  # a multiple of 2: fine
