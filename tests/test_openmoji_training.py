"""The OpenMoji recipes train: the CPU configs on the shipped set, the GPU config (the paper's networks
at 256 px) for one iteration on the CPU, and BicycleGAN on aligned folders."""
import shutil
from pathlib import Path

import pytest
import torch
from PIL import Image

from munit_lib import MUNIT, MUNITConfig, count_parameters
from munit_lib.data.openmoji import read_metadata_table
from munit_lib.training import Trainer, build_datasets, make_optimizers, train_step

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data" / "openmoji64"


def _tiny_set(root, n: int = 4, size: int = 64):
    """``n`` training pairs of the shipped set (resized to ``size``), in make-openmoji's layout."""
    records = [r for r in read_metadata_table(SHIPPED) if r.split == "train"][:n]
    for side in ("A", "B"):
        (root / f"train{side}").mkdir(parents=True)
        for r in records:
            img = Image.open(SHIPPED / f"train{side}" / f"{r.hexcode}.png").convert("RGB")
            img.resize((size, size), Image.BILINEAR).save(root / f"train{side}" / f"{r.hexcode}.png")
    return root


def test_gpu_config_is_the_paper_networks_and_trains_on_the_cpu(tmp_path):
    cfg = MUNITConfig.from_yaml(REPO / "configs" / "openmoji_gpu.yaml")
    model = MUNIT(cfg)
    assert count_parameters(model.gen_a) == 15_026_187 and count_parameters(model.dis_a) == 8_271_171
    assert cfg.image_size == 256 and cfg.recon_x_cyc_w == 10
    # one iteration of the recipe (data pipeline, networks, losses, optimisers) on 256-px pairs; the
    # Trainer around them is tested at 64 px below (its checkpoints at this size are 0.5 GB)
    root = _tiny_set(tmp_path / "om256", n=2, size=256)
    x_a, x_b = (d[0].unsqueeze(0) for d in build_datasets(cfg.replace(data_root=str(root))))
    assert x_a.shape == x_b.shape == (1, 3, 256, 256)
    opt_gen, opt_dis = make_optimizers(model, cfg)
    before = next(model.gen_b.parameters()).detach().clone()
    for iteration in (1,):
        losses = train_step(model, opt_gen, opt_dis, x_a, x_b, iteration=iteration)
        assert all(torch.isfinite(torch.tensor(v)) for v in losses.values())
    assert losses["gen_cyc_x_a"] > 0 and not torch.equal(before, next(model.gen_b.parameters()))


@pytest.mark.parametrize("name", ["openmoji_cpu", "openmoji_cpu_cyclegan", "openmoji_cpu_bicyclegan"])
def test_cpu_recipes_train_on_the_shipped_set(tmp_path, name):
    cfg = MUNITConfig.from_yaml(REPO / "configs" / f"{name}.yaml")
    assert cfg.image_size == 64 and cfg.gen_dim == 16
    cfg = cfg.replace(data_root=str(SHIPPED), log_every=1, checkpoint_every=2, sample_every=100, display_size=2)
    trainer = Trainer(cfg, tmp_path / name, progress=False)
    trainer.fit(2)
    assert trainer.iteration == 2 and trainer.checkpoint_path.is_file()


def test_a_paired_model_needs_aligned_folders(tmp_path):
    root = _tiny_set(tmp_path / "om", n=3)
    cfg = MUNITConfig.from_yaml(REPO / "configs" / "openmoji_cpu_bicyclegan.yaml").replace(data_root=str(root))
    a, b = build_datasets(cfg)
    assert [p.name for p in a.paths] == [p.name for p in b.paths]
    assert torch.equal(a[0], a[0])  # no random flip for a paired model: the same pair every time
    odd = sorted((root / "trainB").iterdir())[0]
    shutil.move(odd, odd.with_name("ZZZ.png"))
    with pytest.raises(ValueError, match="same file names"):
        build_datasets(cfg)
