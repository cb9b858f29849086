"""Every shipped config in configs/ reads, validates, and builds networks of the stated size."""
from __future__ import annotations

import pytest

from munit_lib import MUNIT, MUNITConfig, count_parameters

CONFIGS = ["shapes_cpu", "shapes_fast", "shapes_fast_canvas", "shapes_gpu", "edges2shoes", "edges2handbags", "afhq_cat2dog",
           "shapes_fast_unit", "shapes_fast_cyclegan", "shapes_fast_cyclegan_noise", "shapes_fast_cyclegan_unet",
           "shapes_fast_bicyclegan",
           "openmoji_cpu", "openmoji_cpu_bicyclegan", "openmoji_cpu_cyclegan", "openmoji_gpu"]


@pytest.mark.parametrize("name", CONFIGS)
def test_config_reads_and_validates(root, name):
    cfg = MUNITConfig.from_yaml(root / "configs" / f"{name}.yaml")
    assert cfg.data_root, "every config names its data"
    assert cfg.image_size >= cfg.min_image_size


@pytest.mark.parametrize("name", ["edges2shoes", "edges2handbags", "afhq_cat2dog"])
def test_paper_dataset_configs_use_the_paper_networks_and_optimiser(root, name):
    cfg = MUNITConfig.from_yaml(root / "configs" / f"{name}.yaml")
    paper = MUNITConfig()
    model = MUNIT(cfg)
    assert count_parameters(model.gen_a) == 15_026_187 and count_parameters(model.dis_a) == 8_271_171
    for key in ("lr", "beta1", "beta2", "weight_decay", "step_size", "gamma", "batch_size", "max_iter", "gan_type",
                "recon_x_w", "recon_s_w", "recon_c_w", "image_size"):
        assert getattr(cfg, key) == getattr(paper, key), key


def test_the_configs_folder_holds_exactly_the_tested_configs(root):
    assert sorted(p.stem for p in (root / "configs").glob("*.yaml")) == sorted(CONFIGS)


def test_the_fast_recipe_is_the_papers_family_narrowed(root):
    fast = MUNITConfig.from_yaml(root / "configs" / "shapes_fast.yaml")
    paper = MUNITConfig()
    # the same kinds of networks and losses: only sizes, schedule and loss weights change
    for key in ("gan_type", "activ", "pad_type", "dis_norm", "dis_activ", "style_dim", "n_downsample"):
        assert getattr(fast, key) == getattr(paper, key), key
    assert fast.image_size == 64 and fast.recon_x_cyc_w > 0 and fast.batch_size >= 1
