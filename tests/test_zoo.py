"""The zoo (munit_lib.zoo, scripts/zoo.py): every shipped model known by name, and a tiny model of
each family trained, resumed and published into a scratch folder."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from munit_lib import MUNITConfig, pretrained
from munit_lib.pretrained import DEFAULT_DATA_DIR, PRETRAINED
from munit_lib.zoo import ZOO, read_clock, recipe
from munit_test_helpers import load_repo_file

ROOT = Path(__file__).resolve().parents[1]
# the fast shapes recipes, narrowed to a few seconds of CPU
TINY = ["image_size=32", "new_size=32", "gen_dim=8", "mlp_dim=32", "n_res=1", "dis_dim=8", "dis_n_layer=3",
        "dis_num_scales=2", "data_root=shapes:8", "checkpoint_every=2", "sample_every=2", "log_every=1",
        "display_size=2"]


def _script():
    return load_repo_file("scripts/zoo.py")


@pytest.fixture(scope="module")
def zoo():
    return _script()


def test_list_names_every_published_model(zoo, capsys):
    assert zoo.main(["list"]) == 0
    listed = {line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]}
    shipped = {p.parent.name for p in (DEFAULT_DATA_DIR / "pretrained").glob("*/generators.pt")}
    assert shipped and shipped <= listed, f"the zoo does not know {sorted(shipped - listed)}"
    assert set(ZOO) == set(PRETRAINED)  # and every name munit_lib.pretrained loads is in it


def test_every_recipe_is_a_config_and_every_budget_is_set():
    for name, model in ZOO.items():
        cfg = recipe(name)
        assert isinstance(cfg, MUNITConfig) and (model.max_iter or model.cpu_minutes), name
        assert model.family in ("shapes", "variant", "baseline", "openmoji")
        if model.family != "shapes":  # the recipe makes the architecture that is shipped
            shipped = MUNITConfig.from_yaml(DEFAULT_DATA_DIR / "pretrained" / name / "config.yaml")
            assert not cfg.architecture_differences(shipped), name
    assert recipe("shapes_plain10").recon_x_cyc_style == "random" and recipe("shapes_sd2").style_dim == 2


def test_cyclegan_unet_ships_u_nets_matched_to_the_resnet_form_with_dropout_on():
    """The paper's CycleGAN*: its recipe at width 16, shipped with U-Nets of width 8, about as many
    parameters as the ResNet form's generators; loaded, its test-time dropout is on."""
    from munit_lib.networks import count_parameters
    from munit_lib.registry import build_model, load_model

    model = ZOO["cyclegan_unet"]
    assert model.family == "baseline" and model.cpu_minutes == 10.0 and model.changes == {"gen_dim": 8}
    assert MUNITConfig.from_yaml(ROOT / model.config).gen_dim == 16
    unet, resnet = build_model(recipe("cyclegan_unet")), build_model(recipe("cyclegan_noise"))
    assert count_parameters(unet.gen_b) == 459_315 and count_parameters(resnet.gen_b) == 500_355
    assert count_parameters(unet.dis_b) == count_parameters(resnet.dis_b)
    loaded, cfg = load_model(DEFAULT_DATA_DIR / "pretrained" / "cyclegan_unet" / "generators.pt")
    assert cfg.model == "cyclegan_unet" and not loaded.training and loaded.test_dropout


def test_unknown_names_are_one_line_errors(zoo, capsys):
    assert zoo.main(["train", "shapes_cyc0", "pix2pix"]) == 2
    err = capsys.readouterr().err
    assert "no model named 'pix2pix'" in err and err.count("\n") == 1


def test_a_variant_trains_resumes_publishes_and_is_not_replaced_unasked(zoo, tmp_path, capsys):
    runs, out = tmp_path / "runs", tmp_path / "data" / "pretrained"
    common = ["--runs", str(runs), "--n", "4", "--styles", "2"]
    assert zoo.main(["train", "shapes_plain10", "--max-iter", "2", "--quiet", *common, "--set", *TINY]) == 0
    assert zoo.main(["publish", "shapes_plain10", "--out", str(out), *common]) == 0
    folder = out / "shapes_plain10"
    assert sorted(p.name for p in folder.iterdir()) == ["config.yaml", "generators.pt", "scores.json"]
    scores = json.loads((folder / "scores.json").read_text())
    assert scores["iteration"] == 2 and scores["variant"] == "plain10" and scores["recon_x_cyc_style"] == "random"
    assert 0.0 <= scores["content_iou_a2b"] <= 1.0 and scores["cycle_bab_plain"] >= 0.0
    assert torch.load(folder / "generators.pt", weights_only=True)["dtype"] == "float16"
    assert pretrained("shapes_plain10", root=tmp_path / "data").image_size == 32  # listed and loadable
    # a published model is replaced only when asked
    capsys.readouterr()
    assert zoo.main(["publish", "shapes_plain10", "--out", str(out), *common]) == 2
    assert "--overwrite" in capsys.readouterr().err
    # more iterations: the run goes on from its checkpoint; --publish replaces what was published
    assert zoo.main(["train", "shapes_plain10", "--max-iter", "3", "--publish", "--out", str(out), "--quiet", *common,
                     "--set", *TINY]) == 0
    assert json.loads((folder / "scores.json").read_text())["iteration"] == 3
    rows = (runs / "shapes_plain10" / "losses.csv").read_text().strip().splitlines()
    assert [int(float(r.split(",")[0])) for r in rows[1:]] == [1, 2, 3]  # one log row per iteration, none redone
    # at its budget and published: nothing is trained or rewritten
    before = (folder / "generators.pt").stat().st_mtime_ns
    capsys.readouterr()
    assert zoo.main(["train", "shapes_plain10", "--max-iter", "3", "--publish", "--out", str(out), "--quiet", *common,
                     "--set", *TINY]) == 0
    said = capsys.readouterr().out
    assert "nothing to do" in said and "published at iteration 3, skipped" in said
    assert (folder / "generators.pt").stat().st_mtime_ns == before


def test_a_baseline_spends_its_cpu_budget_over_calls_and_records_it(zoo, tmp_path, capsys):
    runs, out = tmp_path / "runs", tmp_path / "pretrained"  # tmp_path: the data directory
    tiny = ["data_root=shapes:8", "gen_dim=8", "dis_dim=8", "n_res=1", "checkpoint_every=1", "sample_every=100",
            "log_every=1", "display_size=2"]
    common = ["--runs", str(runs), "--quiet", "--set", *tiny]
    assert zoo.main(["train", "cyclegan", "--max-iter", "1", *common]) == 0
    spent = read_clock(runs / "cyclegan")
    assert spent["cpu_seconds"] > 0 and spent["threads"] == [1]
    assert zoo.main(["train", "cyclegan", "--max-iter", "2", *common]) == 0  # goes on; the clock adds up
    assert read_clock(runs / "cyclegan")["cpu_seconds"] > spent["cpu_seconds"]
    capsys.readouterr()
    assert zoo.main(["train", "cyclegan", "--max-iter", "9", "--cpu-minutes", "1e-6", *common]) == 0  # spent
    assert "nothing to do" in capsys.readouterr().out
    assert zoo.main(["publish", "cyclegan", "--runs", str(runs), "--out", str(out), "--n", "4", "--styles", "2"]) == 0
    scores = json.loads((out / "cyclegan" / "scores.json").read_text())
    assert scores["model"] == "cyclegan" and scores["iteration"] == 2
    assert scores["train_cpu_seconds"] == round(read_clock(runs / "cyclegan")["cpu_seconds"], 1)
    assert MUNITConfig.from_yaml(out / "cyclegan" / "config.yaml").model == "cyclegan"
    assert pretrained("cyclegan", root=tmp_path).image_size == 64  # listed and loadable
    rows = (runs / "cyclegan" / "losses.csv").read_text().strip().splitlines()
    assert [int(float(r.split(",")[0])) for r in rows[1:]] == [1, 2]  # one row per iteration, none redone


def test_a_course_model_is_published_with_its_log_samples_scores_and_readme(zoo, tmp_path, capsys):
    runs, out = tmp_path / "runs", tmp_path / "pretrained"
    assert zoo.main(["train", "shapes_cpu", "--max-iter", "3", "--runs", str(runs), "--quiet", "--set", *TINY]) == 0
    assert zoo.main(["publish", "shapes_cpu", "--runs", str(runs), "--out", str(out), "--n", "4",
                     "--note", "How it was made: a test."]) == 0
    folder = out / "shapes_cpu"
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "config.yaml", "generators.pt", "losses.csv",
                                                        "samples_a2b.png", "samples_b2a.png", "scores.json"]
    scores = json.loads((folder / "scores.json").read_text())
    assert scores["iteration"] == scores["sampled"] == 3 and scores["note"] == "How it was made: a test."
    assert set(scores["factor_probes"]) >= {"style_colour", "content_texture"} and scores["colour_histogram"]
    assert "dtype" not in torch.load(folder / "generators.pt", weights_only=True)  # float32, as the course's model
    readme = (folder / "README.md").read_text()
    assert "python scripts/zoo.py train shapes_cpu --max-iter 3" in readme and "How it was made: a test." in readme
    assert "time_to_quality.jsonl" not in readme  # no curve was given


def test_an_openmoji_model_is_published_with_samples_the_training_record_and_readme(zoo, tmp_path, monkeypatch):
    import munit_lib.zoo.publishing as publishing

    runs, out = tmp_path / "runs", tmp_path / "pretrained"
    tiny = ["gen_dim=8", "dis_dim=8", "n_res=1", "checkpoint_every=1", "sample_every=100", "log_every=1",
            "display_size=2"]
    assert zoo.main(["train", "openmoji_cyclegan", "--max-iter", "1", "--runs", str(runs), "--quiet",
                     "--set", *tiny]) == 0
    # the full protocol takes minutes: here the scorer is stood in for, the rest is real
    monkeypatch.setattr(publishing, "score_file", lambda family, path, **k: {"tones_reached": 1.0, "family": family})
    assert zoo.main(["publish", "openmoji_cyclegan", "--runs", str(runs), "--out", str(out), "--note", "A test."]) == 0
    folder = out / "openmoji_cyclegan"
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "config.yaml", "generators.pt", "losses.csv",
                                                        "samples.png", "scores.json"]
    scores = json.loads((folder / "scores.json").read_text())
    record = scores["training"]
    assert scores["family"] == "openmoji" and record["kind"] == "CycleGAN" and record["iterations"] == 1
    assert record["config"] == "configs/openmoji_cpu_cyclegan.yaml" and record["machine"].endswith(", 1 thread")
    assert record["cpu_minutes"] == round(read_clock(runs / "openmoji_cyclegan")["cpu_seconds"] / 60, 1)
    assert "CycleGAN on OpenMoji" in (folder / "README.md").read_text() and "A test." in (folder / "README.md").read_text()
    assert torch.load(folder / "generators.pt", weights_only=True)["dtype"] == "float16"


def test_seeds_train_publish_and_gather_the_findings_from_other_seeds(zoo, tmp_path, capsys):
    from munit_lib.zoo import seeds as seeded
    from munit_lib.config import MUNITConfig as Config
    runs, out = tmp_path / "runs", tmp_path / "seeds.json"
    common = ["shapes_plain10", "--seeds", "1", "2", "--runs", str(runs), "--out", str(out), "--n", "4",
              "--styles", "2"]
    # nothing trained yet: gathering alone names the command that makes the seed
    assert zoo.main(["seeds", *common, "--collect-only"]) == 2
    assert "python scripts/zoo.py seeds shapes_plain10 --seeds 1" in capsys.readouterr().err
    assert zoo.main(["seeds", *common, "--max-iter", "2", "--quiet", "--set", *TINY]) == 0
    for seed in (1, 2):  # each seed trained with its own seed, and published as the zoo publishes
        assert Config.from_yaml(runs / f"seed{seed}" / "shapes_plain10" / "config.yaml").seed == seed
        assert (runs / f"seed{seed}" / "published" / "shapes_plain10" / "generators.pt").is_file()
    w1, w2 = (torch.load(runs / f"seed{s}" / "published" / "shapes_plain10" / "generators.pt", weights_only=True)
              for s in (1, 2))
    assert not torch.equal(w1["a"]["enc_style.model.0.conv.weight"], w2["a"]["enc_style.model.0.conv.weight"])
    record = seeded.read_seeds(out)
    assert record["seeds"] == [0, 1, 2] and set(record["models"]["shapes_plain10"]) == {"0", "1", "2"}
    shipped = json.loads((DEFAULT_DATA_DIR / "pretrained" / "shapes_plain10" / "scores.json").read_text())
    assert record["models"]["shapes_plain10"]["0"]["content_iou_a2b"] == shipped["content_iou_a2b"]
    assert record["models"]["shapes_plain10"]["1"]["iteration"] == 2
    s = seeded.spread(record, "shapes_plain10", "content_iou_a2b")
    assert len(s["values"]) == 3 and s["min"] <= s["mean"] <= s["max"]
    # run again: nothing is trained or published again
    stamp = (runs / "seed1" / "published" / "shapes_plain10" / "scores.json").stat().st_mtime_ns
    assert zoo.main(["seeds", *common, "--max-iter", "2", "--quiet", "--set", *TINY]) == 0
    assert (runs / "seed1" / "published" / "shapes_plain10" / "scores.json").stat().st_mtime_ns == stamp
    with pytest.raises(ValueError, match="seed 0 is the shipped model"):
        seeded.seed_runs(0)
    with pytest.raises(KeyError, match="no 'nonsense'"):
        seeded.spread(record, "shapes_plain10", "nonsense")


def test_a_seed_of_a_table1_model_is_measured_by_its_protocol_and_read_as_a_row(tmp_path, monkeypatch):
    from munit_lib.cli.train import parse_overrides
    from munit_lib.evaluation import table1_findings
    from munit_lib.zoo import seeds as seeded
    runs = tmp_path / "runs"
    seeded.run_seeds(["shapes_nos"], [1], runs, overrides=parse_overrides(TINY), max_iter=2, n=4, num_styles=2,
                     progress=False, table1_protocol={"n_inputs": 4, "n_pairs": 2, "n_styles": 2}, log=lambda *a: None)
    row = json.loads((runs / "seed1" / "published" / "shapes_nos" / "table1_row.json").read_text())
    assert row["model"] == "shapes_nos" and row["diversity"] >= 0 and 0 <= row["quality"] <= 1
    record = seeded.read_seeds(seeded.collect(["shapes_nos"], [1], runs, out=tmp_path / "seeds.json"))
    shipped_rows = json.loads((DEFAULT_DATA_DIR / "pretrained" / "evaluation" / "table1_shapes.json").read_text())
    shipped_nos = next(r for r in shipped_rows if r["model"] == "shapes_nos")
    assert record["models"]["shapes_nos"]["0"]["table1"]["diversity"] == shipped_nos["diversity"]
    assert record["models"]["shapes_nos"]["1"]["table1"]["diversity"] == row["diversity"]
    assert seeded.spread(record, "shapes_nos", "table1.diversity")["values"] == [shipped_nos["diversity"],
                                                                                  row["diversity"]]
    # seed 1's rows: its own shapes_nos, every other model's shipped row
    rows = seeded.table1_rows(record, 1)
    assert rows["shapes_nos"]["diversity"] == row["diversity"]
    assert rows["unit"] == next(r for r in shipped_rows if r["model"] == "unit")
    finding = next(f for f in table1_findings(rows) if "Without L_s" in f["finding"])
    assert finding["reproduced"] == (row["diversity"] < rows["shapes_cyc0"]["diversity"])


def test_published_iteration_reads_shapes_and_openmoji_scores_and_none_when_unpublished(tmp_path):
    from munit_lib.zoo import published_iteration

    folder = tmp_path / "m"
    folder.mkdir()
    assert published_iteration(folder) is None  # nothing there
    (folder / "scores.json").write_text(json.dumps({"iteration": 2500}))
    assert published_iteration(folder) is None  # scores without weights: not published
    (folder / "generators.pt").write_bytes(b"")
    assert published_iteration(folder) == 2500
    (folder / "scores.json").write_text(json.dumps({"training": {"iterations": 8591}}))  # an OpenMoji model's
    assert published_iteration(folder) == 8591
