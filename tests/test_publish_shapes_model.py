"""scripts/publish_shapes_model.py's README: what it says of the scores it is given."""
from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "data" / "pretrained" / "shapes"


def _publisher(out: Path):
    spec = importlib.util.spec_from_file_location("publish_shapes_model", ROOT / "scripts" / "publish_shapes_model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.OUT = out  # write into a scratch folder, never over the shipped model
    shutil.copyfile(SHIPPED / "config.yaml", out / "config.yaml")
    return module


# what `--rescore` added to the shipped scores.json on 2026-12-02: the fresh measures and their
# ideals, and the record of the publication and of the rescoring
ADDED_BY_RESCORE = ("colour_coverage_fresh", "colour_coverage_ideal", "pair_coverage_fresh", "style_coverage_fresh",
                    "texture_coverage_fresh", "texture_coverage_ideal", "note", "sampled", "rescored")


def _scores_before_the_fresh_measures() -> dict:
    """The shipped model's scores as first published, before the scorer had the fresh measures."""
    scores = json.loads((SHIPPED / "scores.json").read_text(encoding="utf-8"))
    return {k: v for k, v in scores.items() if k not in ADDED_BY_RESCORE}


def test_readme_states_the_fresh_coverage_when_the_scores_have_it(tmp_path):
    publish = _publisher(tmp_path)
    scores = _scores_before_the_fresh_measures()
    scores["sampled"] = scores["iteration"]  # the sample grids of its last iteration
    publish.write_readme(scores)
    before = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "0.999 | 0.9 | 1.0" in before  # the shared draw's colours, as scored then
    assert "perfect sampler" not in before  # scores made before the fresh measures: nothing invented
    scores.update(colour_coverage_fresh=0.871, colour_coverage_ideal=1 - (7 / 8) ** 16, pair_coverage_fresh=0.585)
    publish.write_readme(scores)
    after = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "codes: colours 0.871 (a perfect sampler of the 8 colours scores 0.882)" in after
    assert "pairs with 64 styles 0.585" in after


def _run(publish, monkeypatch, *argv):
    monkeypatch.setattr("sys.argv", ["publish_shapes_model.py", *argv])
    return publish.main()


def test_rescore_keeps_the_training_record_and_adds_the_new_measures(tmp_path, monkeypatch, capsys):
    publish = _publisher(tmp_path)
    shutil.copyfile(SHIPPED / "generators.pt", tmp_path / "generators.pt")
    old = _scores_before_the_fresh_measures()
    (tmp_path / "scores.json").write_text(json.dumps(old), encoding="utf-8")
    assert _run(publish, monkeypatch, "--rescore", "--out", str(tmp_path), "--n", "8",
                "--note", "How it was made: a test.") == 0
    new = json.loads((tmp_path / "scores.json").read_text(encoding="utf-8"))
    for key in ("iteration", "date", "commit"):  # the training record is the published one
        assert new[key] == old[key]
    assert new["sampled"] == old["iteration"] and new["note"] == "How it was made: a test."
    assert new["n_test"] == 8 and set(new["rescored"]) == {"date", "commit", "torch", "machine"}
    assert 0.0 <= new["colour_coverage_fresh"] <= 1.0 and 0.0 <= new["pair_coverage_fresh"] <= 1.0
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert f"Scored again on {new['rescored']['date']}" in readme
    assert "How it was made: a test." in readme and "perfect sampler of the 8 colours" in readme
    assert "scores that differ from the published ones" in capsys.readouterr().out  # 8 images, not 200
    # the note is kept by a later README rewrite that does not give one
    assert _run(publish, monkeypatch, "--readme-only", "--out", str(tmp_path)) == 0
    assert "How it was made: a test." in (tmp_path / "README.md").read_text(encoding="utf-8")


def test_rescore_of_an_empty_folder_says_what_to_do(tmp_path, monkeypatch, capsys):
    publish = _publisher(tmp_path)
    try:
        _run(publish, monkeypatch, "--rescore", "--out", str(tmp_path / "nothing"))
    except SystemExit as stop:
        assert stop.code == 2
    else:
        raise AssertionError("--rescore of a folder without scores.json should stop")
    assert "holds no scores.json: publish a run there first" in capsys.readouterr().err
