"""The course model's publication by the zoo (``munit_lib.zoo``, ``python scripts/zoo.py``): what its
README says of the scores it is given, and scoring the published model again."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from munit_lib import MUNIT, MUNITConfig
from munit_lib.training import export_generators
from munit_lib.zoo.readme import write_shapes_readme
from munit_test_helpers import load_repo_file

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "data" / "pretrained" / "shapes"


def _zoo():
    return load_repo_file("scripts/zoo.py")


def _scratch(tmp_path: Path) -> Path:
    """A scratch data/pretrained/shapes/ with the shipped config: never write over the shipped model."""
    folder = tmp_path / "shapes"
    folder.mkdir()
    shutil.copyfile(SHIPPED / "config.yaml", folder / "config.yaml")
    return folder


# what `--rescore` added to the shipped scores.json on 2026-12-02: the fresh measures and their
# ideals, and the record of the publication and of the rescoring
ADDED_BY_RESCORE = ("colour_coverage_fresh", "colour_coverage_ideal", "pair_coverage_fresh", "style_coverage_fresh",
                    "texture_coverage_fresh", "texture_coverage_ideal", "note", "sampled", "rescored")


def _scores_before_the_fresh_measures() -> dict:
    """The shipped model's scores as first published, before the scorer had the fresh measures."""
    scores = json.loads((SHIPPED / "scores.json").read_text(encoding="utf-8"))
    return {k: v for k, v in scores.items() if k not in ADDED_BY_RESCORE}


def test_readme_states_the_fresh_coverage_when_the_scores_have_it(tmp_path):
    folder = _scratch(tmp_path)
    scores = _scores_before_the_fresh_measures()
    scores["sampled"] = scores["iteration"]  # the sample grids of its last iteration
    write_shapes_readme("shapes", folder, scores)
    before = (folder / "README.md").read_text(encoding="utf-8")
    assert "0.999 | 0.9 | 1.0" in before  # the shared draw's colours, as scored then
    assert "perfect sampler" not in before  # scores made before the fresh measures: nothing invented
    assert "# The shipped shapes model" in before and "the fast recipe `configs/shapes_fast.yaml`" in before
    scores.update(colour_coverage_fresh=0.871, colour_coverage_ideal=1 - (7 / 8) ** 16, pair_coverage_fresh=0.585)
    write_shapes_readme("shapes", folder, scores)
    after = (folder / "README.md").read_text(encoding="utf-8")
    assert "codes: colours 0.871 (a perfect sampler of the 8 colours scores 0.882)" in after
    assert "pairs with 64 styles 0.585" in after


def test_rescore_keeps_the_training_record_and_adds_the_new_measures(tmp_path, capsys):
    folder = _scratch(tmp_path)
    cfg = MUNITConfig.profile_named("ci").replace(image_size=32, new_size=32, gen_dim=8, mlp_dim=16, n_res=1)
    model = MUNIT(cfg)  # a tiny model stands in for the shipped one: the scores are not what is checked
    export_generators(model.gen_a, model.gen_b, folder / "generators.pt", cfg, iteration=11740)
    old = _scores_before_the_fresh_measures()
    (folder / "scores.json").write_text(json.dumps(old), encoding="utf-8")
    zoo = _zoo()
    assert zoo.main(["score", "shapes", "--write", "--out", str(tmp_path), "--n", "8",
                     "--note", "How it was made: a test."]) == 0
    new = json.loads((folder / "scores.json").read_text(encoding="utf-8"))
    for key in ("iteration", "date", "commit"):  # the training record is the published one
        assert new[key] == old[key]
    assert new["sampled"] == old["iteration"] and new["note"] == "How it was made: a test."
    assert new["n_test"] == 8 and set(new["rescored"]) == {"date", "commit", "torch", "machine"}
    assert 0.0 <= new["colour_coverage_fresh"] <= 1.0 and 0.0 <= new["pair_coverage_fresh"] <= 1.0
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert f"Scored again on {new['rescored']['date']}" in readme
    assert "How it was made: a test." in readme and "perfect sampler of the 8 colours" in readme
    assert "scores that differ from the published ones" in capsys.readouterr().out  # another model, 8 images
    # the note is kept by a later README rewrite that does not give one
    assert zoo.main(["publish", "shapes", "--readme-only", "--out", str(tmp_path)]) == 0
    assert "How it was made: a test." in (folder / "README.md").read_text(encoding="utf-8")


def test_rescore_of_an_empty_folder_says_what_to_do(tmp_path, capsys):
    assert _zoo().main(["score", "shapes", "--write", "--out", str(tmp_path / "nothing")]) == 2
    err = capsys.readouterr().err
    assert "holds no generators.pt: publish shapes there first" in err and err.count("\n") == 1
