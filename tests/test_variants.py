"""The variants of the zoo (notebooks 09 and 11): their configs, the half-precision export they ship
in, a partial run published and trained on, and how they are scored (tests/test_zoo.py trains,
resumes and publishes one end to end)."""
from __future__ import annotations

import json

import pytest
import torch

from munit_lib import MUNIT, MUNITConfig, load_official_generators
from munit_lib.pretrained import PRETRAINED
from munit_lib.training import export_generators
from munit_lib.zoo import CYCLE_VARIANTS, TABLE1_VARIANTS, VARIANTS, score_variant, variant_config
from munit_test_helpers import load_repo_file, random_images

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
    path = export_generators(model.gen_a, model.gen_b, tmp_path / "g.pt", cfg, iteration=7, half=True)
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


def test_max_seconds_publishes_a_partial_run_and_the_next_call_goes_on(tmp_path):
    zoo = load_repo_file("scripts/zoo.py")
    out = tmp_path / "pretrained"
    common = ["train", "shapes_cyc1", "--max-iter", "2", "--publish", "--runs", str(tmp_path / "runs"), "--out", str(out),
              "--n", "4", "--styles", "2", "--quiet", "--set", *CI_ARCH]
    assert zoo.main([*common, "--max-seconds", "0"]) == 0  # no time: stops at once, published as it is
    assert json.loads((out / "shapes_cyc1" / "scores.json").read_text())["iteration"] == 0
    assert zoo.main(common) == 0  # not at its budget, so trained on to 2 and published again
    assert json.loads((out / "shapes_cyc1" / "scores.json").read_text())["iteration"] == 2


def test_score_variant_draws_the_test_paintings_as_the_model_was_trained(monkeypatch):
    """A shape-pinned model's cycle errors are measured on shape-pinned paintings, not the default."""
    import munit_lib.evaluation.propositions
    import munit_lib.evaluation.shapes_score
    from munit_lib.data import DataSpec, ShapesDomain

    cfg = MUNITConfig.profile_named("ci").replace(image_size=32, new_size=32, gen_dim=8, mlp_dim=16, n_res=1,
                                                  texture_anchor="shape")
    model = MUNIT(cfg)
    model.gen_b.data_record = DataSpec.from_config(cfg).to_dict()  # as the trainer and the loaders attach it
    seen = {}
    monkeypatch.setattr(munit_lib.evaluation.shapes_score, "score_shapes_model", lambda *a, **k: {"content_iou_a2b": 0.0})
    monkeypatch.setattr(munit_lib.evaluation.propositions, "cycle_errors",
                        lambda gen_a, gen_b, x_a, x_b, seed=0: seen.update(x_a=x_a, x_b=x_b) or {"a": 1.0})
    scores = score_variant(model.gen_a, model.gen_b, n=3)
    assert scores == {"content_iou_a2b": 0.0, "cycle_a": 1.0}
    assert torch.equal(seen["x_b"], ShapesDomain("b", "test", 32, 3, texture_anchor="shape").batch(range(3)))
    assert not torch.equal(seen["x_b"], ShapesDomain("b", "test", 32, 3).batch(range(3)))
    assert torch.equal(seen["x_a"], ShapesDomain("a", "test", 32, 3).batch(range(3)))
