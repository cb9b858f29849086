"""The baselines trained, scored and published for notebooks 10 and 11 (``munit_lib.zoo``; tests/test_zoo.py
trains one to a CPU budget kept over resumed calls and publishes it): the half-precision export,
scores of one-way models, the CPU-time budget, BicycleGAN's latent-size sweep; and the CLI's export
and score-shapes on a baseline."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from munit_lib import MUNITConfig
from munit_lib.cli import main as cli
from munit_lib.registry import build_model, load_model, translation_sides
from munit_lib.training import export_model
from munit_lib.pretrained import PRETRAINED
from munit_lib.zoo import score_baseline
from munit_test_helpers import load_repo_file, random_images

ROOT = Path(__file__).resolve().parents[1]
TINY = dict(data_root="shapes:8", gen_dim=8, dis_dim=8, n_res=1, checkpoint_every=1, sample_every=100, log_every=1,
            display_size=2)


def _tiny_config(tmp_path, model: str) -> Path:
    """configs/shapes_fast_<model>.yaml, narrowed to a few seconds of CPU."""
    cfg = MUNITConfig.from_yaml(ROOT / "configs" / f"shapes_fast_{model}.yaml").replace(**TINY)
    path = tmp_path / f"{model}.yaml"
    cfg.to_yaml(path)
    return path


def test_every_baseline_has_a_pretrained_name():
    for name in ("unit", "cyclegan", "cyclegan_noise", "cyclegan_unet", "bicyclegan"):
        assert PRETRAINED[name]["file"] == f"pretrained/{name}/generators.pt"
        assert f"scripts/zoo.py train {name} " in PRETRAINED[name]["recreate"]


@pytest.mark.parametrize("model", ["unit", "bicyclegan", "cyclegan_unet"])
def test_half_export_of_a_baseline_loads_into_float32_and_translates_alike(tmp_path, model):
    cfg = MUNITConfig.from_yaml(_tiny_config(tmp_path, model))
    torch.manual_seed(0)
    net = build_model(cfg).eval()
    path = export_model(net, tmp_path / "g.pt", cfg, iteration=5, half=True)
    stored = torch.load(path, weights_only=True)
    assert stored["dtype"] == "float16" and stored["iteration"] == 5
    assert all(v.dtype == torch.float16 for nets in stored["networks"].values() for v in nets.values()
               if v.is_floating_point())
    loaded, _ = load_model(path)
    assert all(p.dtype == torch.float32 for p in loaded.parameters())
    x = random_images((2, 3, 64, 64), 0)
    z = torch.randn(2, cfg.style_dim, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():  # the same dropout masks (CycleGAN*'s U-Net draws them from the global RNG)
        torch.manual_seed(2)
        want = translation_sides(net, cfg)[1].decode(translation_sides(net, cfg)[0].encode_content(x), z)
        torch.manual_seed(2)
        got = translation_sides(loaded, cfg)[1].decode(translation_sides(loaded, cfg)[0].encode_content(x), z)
    torch.testing.assert_close(got, want, atol=3e-2, rtol=0)  # float16 weights: about 3 significant digits


def test_score_baseline_of_a_one_way_model_has_no_b2a_iou(tmp_path):
    cfg = MUNITConfig.from_yaml(_tiny_config(tmp_path, "bicyclegan"))
    torch.manual_seed(0)
    scores = score_baseline(build_model(cfg), cfg, n=4, num_styles=2)
    assert math.isnan(scores["content_iou_b2a"])  # BicycleGAN translates sketch -> painting only
    assert 0.0 <= scores["content_iou_a2b"] <= 1.0 and 0.0 <= scores["colour_coverage"] <= 1.0


def test_scores_of_cyclegan_unet_repeat_with_its_dropout_on_and_leave_the_global_rng_alone(tmp_path):
    cfg = MUNITConfig.from_yaml(_tiny_config(tmp_path, "cyclegan_unet"))
    torch.manual_seed(0)
    model = build_model(cfg).eval()
    assert model.test_dropout
    state = torch.get_rng_state()
    first = score_baseline(model, cfg, n=4, num_styles=2)
    assert torch.equal(torch.get_rng_state(), state)  # the masks came from a forked, seeded RNG
    torch.manual_seed(123)  # another caller state: the same scores
    assert score_baseline(model, cfg, n=4, num_styles=2) == first


def test_cli_exports_and_scores_a_baseline_run(tmp_path, capsys):
    config = _tiny_config(tmp_path, "unit")
    run = tmp_path / "run"
    assert cli(["train", "--config", str(config), "--out", str(run), "--max-iter", "1"]) == 0
    exported = tmp_path / "unit.pt"
    assert cli(["export", "--checkpoint", str(run / "checkpoints" / "last.pt"), "--out", str(exported), "--half"]) == 0
    assert torch.load(exported, weights_only=True)["dtype"] == "float16"
    capsys.readouterr()
    assert cli(["score-shapes", "--checkpoint", str(exported), "--n", "4", "--styles", "2", "--quiet",
                "--out", str(tmp_path / "s.json")]) == 0
    scores = json.loads((tmp_path / "s.json").read_text())
    assert 0.0 <= scores["content_iou_a2b"] <= 1.0 and 0.0 <= scores["content_iou_b2a"] <= 1.0


def test_a_cpu_time_budget_stops_training_and_the_next_call_goes_on(tmp_path):
    from munit_lib.training import Trainer

    cfg = MUNITConfig.from_yaml(_tiny_config(tmp_path, "unit"))
    trainer = Trainer(cfg, tmp_path / "run", progress=False)
    trainer.fit(max_iter=5, max_cpu_seconds=0.0)  # no CPU time: stops before the first iteration, saves
    assert trainer.iteration == 0 and (tmp_path / "run" / "checkpoints" / "last.pt").is_file()
    trainer.fit(max_iter=2, resume=True, max_cpu_seconds=60.0)  # time enough: the iterations decide
    assert trainer.iteration == 2


def test_nz_sweep_script_writes_one_scores_entry_per_latent_size(tmp_path):
    script = load_repo_file("scripts/bicyclegan_nz_sweep.py")
    out = tmp_path / "sweep.json"
    # no budget: each model is published untrained (iteration 0); the file's layout is what is checked
    assert script.main(["--nz", "2,4", "--max-cpu-seconds", "0", "--runs", str(tmp_path / "runs"), "--n", "4",
                        "--out", str(out), "--quiet"]) == 0
    sweep = json.loads(out.read_text())
    assert set(sweep) == {"2", "4", "_about"} and sweep["2"]["iteration"] == 0
    assert MUNITConfig.from_yaml(tmp_path / "runs" / "published" / "bicyclegan_nz4" / "config.yaml").style_dim == 4
    assert "240" not in sweep["_about"]["what"] and "0 CPU seconds" in sweep["_about"]["what"]
