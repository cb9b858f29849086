"""The command line: make-shapes, train (fresh, refusing to overwrite, resume), export, bench,
and one-line errors for bad input."""
from __future__ import annotations

import json

import pytest
import torch

from munit_lib import MUNITConfig, load_official_generators
from munit_lib.cli import main
from munit_lib.training import read_loss_log, read_training_checkpoint


@pytest.fixture
def config_file(tmp_path):
    cfg = MUNITConfig.profile_named("ci", data_root="shapes:4", log_every=1, sample_every=2, checkpoint_every=2,
                                    display_size=2)
    path = tmp_path / "tiny.yaml"
    cfg.to_yaml(path)
    return path


def test_make_shapes_writes_the_original_layout(tmp_path, capsys):
    assert main(["make-shapes", "--out", str(tmp_path / "shapes"), "--size", "32", "--train", "3", "--test", "2",
                 "--quiet"]) == 0
    for folder, n in (("trainA", 3), ("trainB", 3), ("testA", 2), ("testB", 2)):
        assert len(list((tmp_path / "shapes" / folder).glob("*.png"))) == n
    assert "shapes dataset" in capsys.readouterr().out


def test_train_then_refuse_to_overwrite_then_resume(tmp_path, config_file, capsys):
    out = tmp_path / "run"
    assert main(["train", "--config", str(config_file), "--out", str(out), "--max-iter", "2", "--quiet"]) == 0
    assert read_training_checkpoint(out / "checkpoints" / "last.pt")["iteration"] == 2
    assert "trained to iteration 2" in capsys.readouterr().out
    # a second start in the same folder would silently mix runs: refused with the fix in the message
    assert main(["train", "--config", str(config_file), "--out", str(out), "--max-iter", "4", "--quiet"]) == 2
    assert "--resume" in capsys.readouterr().err
    assert main(["train", "--config", str(config_file), "--out", str(out), "--max-iter", "4", "--resume",
                 "--quiet"]) == 0
    assert "resumed" in capsys.readouterr().out
    assert read_loss_log(out / "losses.csv")["iteration"] == [1.0, 2.0, 3.0, 4.0]
    assert (out / "samples" / "a2b_00000004.png").is_file()
    gen_a, gen_b = load_official_generators(out / "gen_00000004.pt")
    assert gen_a.cfg.gen_dim == MUNITConfig.profile_named("ci").gen_dim


def test_resume_without_a_run_and_a_bad_override_are_one_line_errors(tmp_path, config_file, capsys):
    assert main(["train", "--config", str(config_file), "--out", str(tmp_path / "none"), "--resume"]) == 2
    assert "no checkpoint" in capsys.readouterr().err
    assert main(["train", "--config", str(config_file), "--out", str(tmp_path / "x"), "--set", "lerning_rate=1"]) == 2
    err = capsys.readouterr().err
    assert "lerning_rate" in err and err.count("\n") == 1


def test_export_writes_raw_or_ema_generators(tmp_path, config_file):
    out = tmp_path / "run"
    assert main(["train", "--config", str(config_file), "--out", str(out), "--max-iter", "1", "--quiet",
                 "--set", "ema_decay=0.5"]) == 0
    checkpoint = out / "checkpoints" / "last.pt"
    assert main(["export", "--checkpoint", str(checkpoint), "--out", str(tmp_path / "ema.pt")]) == 0
    assert main(["export", "--checkpoint", str(checkpoint), "--out", str(tmp_path / "raw.pt"), "--no-ema"]) == 0
    state = read_training_checkpoint(checkpoint)
    ema = torch.load(tmp_path / "ema.pt", weights_only=True)
    raw = torch.load(tmp_path / "raw.pt", weights_only=True)
    key = "enc_style.model.0.conv.weight"
    assert torch.equal(raw["a"][key], state["model"][f"gen_a.{key}"])
    assert torch.equal(ema["a"][key], state["ema"]["gen_a"][key])
    assert not torch.equal(ema["a"][key], raw["a"][key])
    # --half: the same EMA weights in float16, loading into float32 generators
    assert main(["export", "--checkpoint", str(checkpoint), "--out", str(tmp_path / "half.pt"), "--half"]) == 0
    half = torch.load(tmp_path / "half.pt", weights_only=True)
    assert half["dtype"] == "float16" and half["a"][key].dtype == torch.float16
    torch.testing.assert_close(half["a"][key].float(), ema["a"][key], atol=1e-3, rtol=1e-3)
    assert next(load_official_generators(tmp_path / "half.pt")[0].parameters()).dtype == torch.float32
    # score-shapes reads a training checkpoint too (its EMA generators)
    assert main(["score-shapes", "--checkpoint", str(checkpoint), "--n", "2", "--styles", "1", "--quiet",
                 "--out", str(tmp_path / "s.json")]) == 0
    assert 0.0 <= json.loads((tmp_path / "s.json").read_text())["content_iou_a2b"] <= 1.0


def test_bench_prints_one_json_line(capsys):
    assert main(["bench", "--profile", "ci", "--iters", "1", "--device", "cpu", "--threads", "1"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert {"seconds_per_iteration", "seconds_per_translation", "peak_memory_mb", "device", "precision",
            "threads", "image_size", "batch_size"} <= set(result)
    assert result["threads"] == 1 and result["image_size"] == 32 and result["seconds_per_iteration"] > 0
    torch.set_num_threads(1)


def test_download_dispatches_to_the_explicit_function_without_touching_the_network(tmp_path, monkeypatch, capsys):
    from munit_lib import data

    calls = []
    monkeypatch.setattr(data, "download_edges2shoes", lambda root: calls.append(root) or tmp_path / "e2s")
    assert main(["download", "edges2shoes", "--root", str(tmp_path)]) == 0
    assert calls == [str(tmp_path)] and "data_root" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["download", "imagenet"])


def test_score_shapes_writes_reproducible_scores_in_range(tmp_path, config_file, capsys, monkeypatch):
    out = tmp_path / "run"
    assert main(["train", "--config", str(config_file), "--out", str(out), "--max-iter", "1", "--quiet"]) == 0
    scores = []
    for name in ("one.json", "two.json"):
        assert main(["score-shapes", "--checkpoint", str(out / "gen_00000001.pt"), "--n", "4", "--styles", "3",
                     "--out", str(tmp_path / name), "--quiet"]) == 0
        scores.append(json.loads((tmp_path / name).read_text()))
    assert scores[0] == scores[1]
    for key in ("content_iou_a2b", "content_iou_b2a", "colour_coverage", "texture_coverage", "guided_colour",
                "open_outlines_b2a"):
        assert 0.0 <= scores[0][key] <= 1.0, key
    assert scores[0]["n_test"] == 4 and scores[0]["num_styles"] == 3
    # --texture-anchor reaches the scorer (default None: the model's own config decides)
    import munit_lib.evaluation.shapes_score as metrics

    seen = []
    monkeypatch.setattr(metrics, "score_shapes_model", lambda *a, **k: seen.append(k["texture_anchor"]) or {})
    for extra in ([], ["--texture-anchor", "shape"]):
        assert main(["score-shapes", "--checkpoint", str(out / "gen_00000001.pt"), "--quiet", *extra]) == 0
    assert seen == [None, "shape"]


def test_bench_explorer_times_one_widget_update(tmp_path, monkeypatch, capsys):
    from munit_lib import MUNIT
    from munit_lib.training import export_generators

    cfg = MUNITConfig.profile_named("ci")
    model = MUNIT(cfg)
    export_generators(model.gen_a, model.gen_b, tmp_path / "pretrained" / "shapes" / "generators.pt", cfg)
    monkeypatch.setenv("MUNIT_DATA_DIR", str(tmp_path))
    assert main(["bench", "--explorer", "shapes", "--threads", "1"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["benchmark"] == "explorer_update" and result["image_size"] == 32
    assert result["seconds_per_update"] > 0 and result["threads"] == 1


def test_every_verb_runs_the_function_of_its_group():
    """One parser names every verb; each runs cmd_<verb> of munit_lib/cli/<group>.py, and
    ``python -m munit_lib`` is that command line."""
    import argparse
    import importlib
    import subprocess
    import sys

    from munit_lib.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert {"make-shapes", "make-openmoji", "download", "train", "export", "bench", "translate", "demo",
            "score-shapes", "score-openmoji", "evaluate"} == set(sub.choices)
    for verb, parser in sub.choices.items():
        module = importlib.import_module(f"munit_lib.cli.{parser.get_default('group')}")
        assert callable(getattr(module, "cmd_" + verb.replace("-", "_"))), verb
    done = subprocess.run([sys.executable, "-m", "munit_lib", "train", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "--max-cpu-minutes" in done.stdout
