"""The cycle variants: their configs, the half-precision export, and the train-score-publish
script end to end in the CI profile (a few iterations), with resume and skip."""
from __future__ import annotations

import importlib.util
import json

import pytest
import torch

from munit_lib import MUNIT, MUNITConfig, load_official_generators, pretrained
from munit_lib.pretrained import PRETRAINED
from munit_lib.variants import CYCLE_VARIANTS, TABLE1_VARIANTS, VARIANTS, export_half, variant_config
from munit_test_helpers import random_images

CI_ARCH = ["image_size=32", "new_size=32", "gen_dim=8", "mlp_dim=32", "n_res=1", "dis_dim=8", "dis_n_layer=3",
           "dis_num_scales=2", "data_root=shapes:8", "checkpoint_every=2", "sample_every=100", "log_every=1",
           "display_size=2"]


def test_variant_configs_change_only_the_cycle():
    base = MUNITConfig.profile_named("ci")
    plain = variant_config(base, "plain10")
    assert (plain.recon_x_cyc_w, plain.recon_x_cyc_style) == (10.0, "random")
    assert variant_config(base, "cyc0").recon_x_cyc_w == 0.0 and variant_config(base, "cyc1").recon_x_cyc_w == 1.0
    assert plain.replace(recon_x_cyc_w=0.0, recon_x_cyc_style="encoded") == base
    assert all(f"shapes_{name}" in PRETRAINED for name in VARIANTS)
    with pytest.raises(ValueError, match="unknown variant 'cyc5'"):
        variant_config(base, "cyc5")


def test_table1_variants_drop_one_term_of_the_papers_objective_or_change_the_style_dim():
    base = MUNITConfig.profile_named("ci", recon_x_cyc_w=10.0)
    assert set(VARIANTS) == set(CYCLE_VARIANTS) | set(TABLE1_VARIANTS)
    paper = variant_config(base, "cyc0")  # the paper's objective: no explicit cycle term
    for name, term in (("nox", "recon_x_w"), ("noc", "recon_c_w"), ("nos", "recon_s_w")):
        ablated = variant_config(base, name)
        assert getattr(ablated, term) == 0.0 and getattr(paper, term) > 0.0
        assert ablated.replace(**{term: getattr(paper, term)}) == paper  # nothing else differs
    for dim in (2, 32):
        swept = variant_config(base, f"sd{dim}")
        assert swept.style_dim == dim and swept.replace(style_dim=base.style_dim) == variant_config(base, "cyc10")
    assert all(f"shapes_{name}" in PRETRAINED for name in TABLE1_VARIANTS)


def test_half_export_loads_into_float32_generators(tmp_path):
    cfg = MUNITConfig.profile_named("ci")
    torch.manual_seed(0)
    model = MUNIT(cfg)
    path = export_half(model.gen_a, model.gen_b, tmp_path / "g.pt", cfg, iteration=7)
    stored = torch.load(path, weights_only=True)
    assert stored["iteration"] == 7 and stored["a"]["enc_style.model.0.conv.weight"].dtype == torch.float16
    gen_a, gen_b = load_official_generators(path)
    assert next(gen_a.parameters()).dtype == torch.float32
    x = random_images((2, 3, 32, 32), 0)
    with torch.no_grad():
        c, s = model.gen_a.encode(x)
        c16, s16 = gen_a.encode(x)
    torch.testing.assert_close(s16, s, atol=2e-2, rtol=2e-2)  # half precision: about 3 significant digits
    torch.testing.assert_close(c16, c, atol=2e-2, rtol=2e-2)


def _script():
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "train_variants.py"
    spec = importlib.util.spec_from_file_location("train_variants", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_train_variants_script_trains_publishes_resumes_and_skips(tmp_path, capsys):
    script = _script()
    runs, out = tmp_path / "runs", tmp_path / "data" / "pretrained"
    common = ["--base", str(script.ROOT / "configs" / "shapes_cpu.yaml"), "--runs", str(runs), "--out", str(out), "--n", "4",
              "--styles", "2", "--quiet", "--set", *CI_ARCH]
    assert script.main(["--variants", "cyc0,plain10", "--max-iter", "2", *common]) == 0
    for name, style in (("cyc0", "encoded"), ("plain10", "random")):
        folder = out / f"shapes_{name}"
        scores = json.loads((folder / "scores.json").read_text())
        assert scores["iteration"] == 2 and scores["variant"] == name and scores["recon_x_cyc_style"] == style
        assert 0.0 <= scores["content_iou_a2b"] <= 1.0 and scores["cycle_bab_plain"] >= 0.0
        assert MUNITConfig.from_yaml(folder / "config.yaml").recon_x_cyc_style == style
        translator = pretrained(f"shapes_{name}", root=tmp_path / "data")  # listed and loadable
        assert translator.image_size == 32
    # run again with more iterations: cyc0 continues from its checkpoint at 2
    assert script.main(["--variants", "cyc0", "--max-iter", "3", *common]) == 0
    assert json.loads((out / "shapes_cyc0" / "scores.json").read_text())["iteration"] == 3
    rows = (runs / "cyc0" / "losses.csv").read_text().strip().splitlines()
    assert [int(float(r.split(",")[0])) for r in rows[1:]] == [1, 2, 3]  # one log row per iteration, none redone
    # and once more: already published at 3, so nothing is trained or rewritten
    before = (out / "shapes_cyc0" / "generators.pt").stat().st_mtime_ns
    capsys.readouterr()
    assert script.main(["--variants", "cyc0", "--max-iter", "3", *common]) == 0
    assert "published at iteration 3, skipped" in capsys.readouterr().out
    assert (out / "shapes_cyc0" / "generators.pt").stat().st_mtime_ns == before


def test_max_seconds_publishes_a_partial_run_and_the_next_call_goes_on(tmp_path):
    script = _script()
    out = tmp_path / "pretrained"
    common = ["--variants", "cyc1", "--max-iter", "2", "--base", str(script.ROOT / "configs" / "shapes_cpu.yaml"),
              "--runs", str(tmp_path / "runs"), "--out", str(out), "--n", "4", "--styles", "2", "--quiet",
              "--set", *CI_ARCH]
    assert script.main([*common[:4], "--max-seconds", "0", *common[4:]]) == 0  # no time: stops at once
    assert json.loads((out / "shapes_cyc1" / "scores.json").read_text())["iteration"] == 0
    assert script.main(common) == 0  # not finished, so not skipped: trained on to 2
    assert json.loads((out / "shapes_cyc1" / "scores.json").read_text())["iteration"] == 2


def test_script_refuses_unknown_variants(capsys):
    with pytest.raises(SystemExit):
        _script().main(["--variants", "cyc0,cyc3"])
    assert "unknown variant(s) cyc3" in capsys.readouterr().err


def test_score_variant_draws_the_test_paintings_as_the_model_was_trained(monkeypatch):
    """A shape-pinned model's cycle errors are measured on shape-pinned paintings, not the default."""
    import munit_lib.evaluation.propositions
    import munit_lib.evaluation.shapes_score
    from munit_lib.data import ShapesDomain
    from munit_lib.variants import score_variant

    cfg = MUNITConfig.profile_named("ci").replace(image_size=32, new_size=32, gen_dim=8, mlp_dim=16, n_res=1,
                                                  texture_anchor="shape")
    model = MUNIT(cfg)
    seen = {}
    monkeypatch.setattr(munit_lib.evaluation.shapes_score, "score_shapes_model", lambda *a, **k: {"content_iou_a2b": 0.0})
    monkeypatch.setattr(munit_lib.evaluation.propositions, "cycle_errors",
                        lambda gen_a, gen_b, x_a, x_b, seed=0: seen.update(x_a=x_a, x_b=x_b) or {"a": 1.0})
    scores = score_variant(model.gen_a, model.gen_b, n=3)
    assert scores == {"content_iou_a2b": 0.0, "cycle_a": 1.0}
    assert torch.equal(seen["x_b"], ShapesDomain("b", "test", 32, 3, texture_anchor="shape").batch(range(3)))
    assert not torch.equal(seen["x_b"], ShapesDomain("b", "test", 32, 3).batch(range(3)))
    assert torch.equal(seen["x_a"], ShapesDomain("a", "test", 32, 3).batch(range(3)))
